"""Keeps the platform's processes running: a process that dies is started again, never the end of all.

Used by :class:`launcher.Platform` (the run command, the end-to-end tests, the benchmark): once the
platform is ready, a thread looks at every process twice a second; one that exited without being
asked to is logged (label, exit status, its log file) and started again with the same command and
environment after a back-off of 1 s, doubling up to 30 s while it keeps dying, back to 1 s once it
has run for a minute. Every restart is logged to ``<workdir>/logs/supervisor.log`` and kept in
:attr:`Supervisor.restarts`.
"""
import threading
import time
from datetime import datetime, timezone

FIRST_DELAY, LONGEST_DELAY, STABLE_SECONDS = 1.0, 30.0, 60.0


class Supervisor:
    def __init__(self, platform, interval=0.5):
        self.platform = platform
        self.interval = interval
        self.restarts = []            # (label, exit status, when) of every restart
        self._delay = {}              # label -> the back-off before its next restart
        self._due = {}                # label -> monotonic time its restart is due
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = None

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
            self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def log(self, text):
        line = f"{datetime.now(timezone.utc).isoformat(timespec='seconds')} {text}"
        print(line, flush=True)
        path = self.platform.workdir / "logs" / "supervisor.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as fh:
            fh.write(line + "\n")

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception as exc:  # never let the watcher itself die
                self.log(f"supervisor pass failed: {exc!r}")

    def check(self):
        now = time.monotonic()
        with self._lock:
            for process in list(self.platform.processes):
                if process.poll() is None:
                    if now - process.started_at > STABLE_SECONDS:
                        self._delay.pop(process.label, None)
                    continue
                label = process.label
                if label not in self._due:
                    delay = self._delay.get(label, FIRST_DELAY)
                    self._due[label] = now + delay
                    self._delay[label] = min(LONGEST_DELAY, delay * 2)
                    self.log(f"{label} exited with {process.returncode} (see {process.log_path}); "
                             f"starting it again in {delay:.0f}s")
                if now >= self._due[label] and not self._stop.is_set():
                    del self._due[label]
                    self.platform.processes.remove(process)
                    self.platform.respawn(process)
                    self.restarts.append((label, process.returncode, datetime.now(timezone.utc)))
                    self.log(f"{label} started again")

    def forget(self, process):
        """A process stopped on purpose (a test stopping a replica): take it out, restart nothing."""
        with self._lock:
            if process in self.platform.processes:
                self.platform.processes.remove(process)
            self._due.pop(process.label, None)
