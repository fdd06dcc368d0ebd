"""The launcher's supervisor: a process that dies is started again with back-off and logged, one
that keeps dying waits longer each time, one stopped on purpose stays stopped, and the others run on."""
import os
import signal
import time

from launcher import Platform


def wait_for(probe, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if probe():
            return True
        time.sleep(0.1)
    return False


def test_a_dead_process_is_restarted_with_back_off_and_the_rest_run_on(tmp_path):
    platform = Platform(amqp_uri="pyamqp://unused", database_urls={}, keys_dir=tmp_path / "keys", port=0,
                        workdir=tmp_path)
    sleeper = platform._spawn("sleeper", ["sleep", "120"], env=dict(os.environ))
    neighbour = platform._spawn("neighbour", ["sleep", "120"], env=dict(os.environ))
    crasher = platform._spawn("crasher", ["sh", "-c", "sleep 0.2; exit 3"], env=dict(os.environ))
    supervisor = platform.supervise()
    try:
        os.killpg(sleeper.pid, signal.SIGKILL)
        assert wait_for(lambda: any(label == "sleeper" for label, _, _ in supervisor.restarts))
        again = next(p for p in platform.processes if p.label == "sleeper")
        assert again.pid != sleeper.pid and again.poll() is None
        assert neighbour.poll() is None   # one process dying stops nothing else
        # the crasher dies every time: 1 s, then 2 s, then 4 s before its restarts
        time.sleep(5)
        crashes = [when for label, status, when in supervisor.restarts if label == "crasher"]
        assert 2 <= len(crashes) <= 3, crashes
        gaps = [(b - a).total_seconds() for a, b in zip(crashes, crashes[1:])]
        assert all(gap >= 1.5 for gap in gaps), gaps
        log = (tmp_path / "logs" / "supervisor.log").read_text()
        assert "sleeper exited with -9" in log and "crasher exited with 3" in log and "started again" in log
        # stopped on purpose: not started again
        platform.stop_process("neighbour")
        time.sleep(1.5)
        assert not any(p.label == "neighbour" for p in platform.processes)
        assert not any(label == "neighbour" for label, _, _ in supervisor.restarts)
    finally:
        platform.stop()
    assert crasher.poll() is not None
