"""Platforms of their own for end-to-end runs that move the date: own vhost, own databases, every
process reading today's date from one file (PLATFORM_DATE_FILE)."""
import contextlib
import os
import signal
import socket
import uuid

import requests

from launcher import SERVICES, Platform

MANAGEMENT = "http://127.0.0.1:15672/api"
AUTH = ("guest", "guest")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def dated_platform(postgres, workdir, today, label="clock", extra_env=None):
    """A running platform whose 'today' is the content of ``platform.date_file`` (see :func:`set_today`)."""
    vhost = f"e2e-{label}-{uuid.uuid4().hex[:8]}"
    requests.put(f"{MANAGEMENT}/vhosts/{vhost}", auth=AUTH, timeout=10).raise_for_status()
    requests.put(f"{MANAGEMENT}/permissions/{vhost}/guest", auth=AUTH, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    date_file = workdir / "today"
    date_file.write_text(today)
    urls = {name: postgres.fresh(name) for name in SERVICES + ("gateway",)}
    running = Platform(amqp_uri=f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}", database_urls=urls,
                       keys_dir=workdir / "keys", port=free_port(), workdir=workdir,
                       extra_env={"GATEWAY_WORKERS": "2", "PLATFORM_DATE_FILE": str(date_file),
                                  "STAGE_SWEEP_SECONDS": "1", **(extra_env or {})})
    running.date_file = date_file
    running.start()
    try:
        running.wait_ready()
        running.seed_accounts()
        running.seed_catalog()
        yield running
    except Exception:
        for process in running.processes:
            print(f"--- {process.label}\n{running.tail(process, 60)}")
        raise
    finally:
        running.stop()
        requests.delete(f"{MANAGEMENT}/vhosts/{vhost}", auth=AUTH, timeout=10)


def set_today(platform, day):
    """From now on it is `day` for every process of the platform. Written aside and renamed over: a
    process never reads a half-written (empty) file, which would mean the real date to it."""
    staged = platform.date_file.with_suffix(".next")
    staged.write_text(day)
    os.replace(staged, platform.date_file)


def stop_process(platform, label):
    """Stop one process of the platform (e.g. ``consult-1``) and wait for it to exit."""
    process = next(p for p in platform.processes if p.label == label and p.poll() is None)
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(20)
    platform.processes.remove(process)
