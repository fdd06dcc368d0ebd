"""Whole platforms for the end-to-end runs: every service and the gateway as separate processes on
a throwaway RabbitMQ vhost and fresh PostgreSQL databases. A dated platform's processes all read
today's date from one file (PLATFORM_DATE_FILE), which a run moves forward."""
import contextlib
import os
import signal
import subprocess
import sys
import uuid
import warnings

import requests
from sqlalchemy.engine import make_url

from launcher import ROOT, SERVICES, Platform
from platform_kit.testing import free_port

MANAGEMENT = "http://127.0.0.1:15672/api"
AUTH = ("guest", "guest")


# RabbitMQ starts and stops a vhost's message stores when it is made and deleted: seconds on a busy
# machine, and more than ten when the test groups run side by side
VHOST_TIMEOUT = 60


@contextlib.contextmanager
def throwaway_vhost(label):
    name = f"e2e-{label}-{uuid.uuid4().hex[:8]}"
    requests.put(f"{MANAGEMENT}/vhosts/{name}", auth=AUTH, timeout=VHOST_TIMEOUT).raise_for_status()
    requests.put(f"{MANAGEMENT}/permissions/{name}/guest", auth=AUTH, timeout=VHOST_TIMEOUT,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    try:
        yield name
    finally:
        try:
            requests.delete(f"{MANAGEMENT}/vhosts/{name}", auth=AUTH, timeout=VHOST_TIMEOUT)
        except requests.Timeout:   # the broker goes on deleting it; the test's outcome stands
            warnings.warn(f"RabbitMQ took over {VHOST_TIMEOUT} s to delete vhost {name}")


@contextlib.contextmanager
def front_database(label="front"):
    """A throwaway MariaDB database for the provincial front database (its URL); dropped afterwards."""
    import province_checker
    admin = os.environ.get("MARIADB_ADMIN_URL", "mysql+pymysql://root@127.0.0.1:3306/")
    name = f"front_{label}_{uuid.uuid4().hex[:8]}"
    province_checker.create_database(admin, name)
    try:
        yield f"{admin.rstrip('/')}/{name}?charset=utf8mb4"
    finally:
        province_checker.drop_database(admin, name)


def demo_gateway_database(postgres, workdir):
    """(URL, TOTP secrets file text) of a new gateway database holding the demo accounts: a copy of
    one seeded once per test session. Seeding runs ``gateway.accounts seed-demo`` in a process of its
    own and hashes every password (Argon2), seconds per platform; a copy takes a fraction of that."""
    seeded = getattr(postgres, "demo_gateway", None)
    if seeded is None:
        url = postgres.fresh("gateway")
        workdir.mkdir(parents=True, exist_ok=True)
        totp_file = workdir / "seeded-demo-totp.json"
        done = subprocess.run([sys.executable, "-m", "gateway.accounts", "seed-demo", "--totp-file", str(totp_file)],
                              cwd=ROOT, env=dict(os.environ, GATEWAY_DATABASE_URL=url), capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"creating the demo accounts failed:\n{done.stderr[-2000:]}")
        seeded = postgres.demo_gateway = (make_url(url).database, totp_file.read_text())
    template, totp_text = seeded
    return postgres.copy(template, "gateway"), totp_text


@contextlib.contextmanager
def running_platform(postgres, workdir, label="platform", extra_env=None, catalog=False, **options):
    """A started, ready platform with the demo accounts (and the demo catalog if asked). `options`
    go to :class:`Platform` (``replicas``, ``front_url``, ``checker``)."""
    with throwaway_vhost(label) as vhost:
        urls = {name: postgres.fresh(name) for name in SERVICES}
        urls["gateway"], demo_totp = demo_gateway_database(postgres, workdir)
        running = Platform(amqp_uri=f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}", database_urls=urls,
                           keys_dir=workdir / "keys", port=free_port(), workdir=workdir,
                           extra_env={"GATEWAY_WORKERS": "2", **(extra_env or {})}, **options)
        running.start()
        try:
            running.wait_ready()
            running.totp_file.write_text(demo_totp)    # the demo accounts' second factors (seeded copy)
            if catalog:
                running.seed_catalog()
            yield running
        except Exception:
            for process in running.processes:
                print(f"--- {process.label}\n{running.tail(process, 60)}")
            raise
        finally:
            running.stop()


@contextlib.contextmanager
def dated_platform(postgres, workdir, today, label="clock", extra_env=None, **options):
    """A running platform (demo catalog loaded) whose 'today' is the content of ``platform.date_file``
    (see :func:`set_today`), with a deadline sweeper that passes every second."""
    date_file = workdir / "today"
    date_file.write_text(today)
    with running_platform(postgres, workdir, label, catalog=True, extra_env={
            "PLATFORM_DATE_FILE": str(date_file), "STAGE_SWEEP_SECONDS": "1", **(extra_env or {})},
            **options) as running:
        running.date_file = date_file
        yield running


def set_today(platform, day):
    """From now on it is `day` for every process of the platform. Written aside and renamed over: a
    process never reads a half-written (empty) file, which would mean the real date to it."""
    staged = platform.date_file.with_suffix(".next")
    staged.write_text(day)
    os.replace(staged, platform.date_file)


def stop_process(platform, label):
    """Stop one process of the platform (e.g. ``consult-1``) and wait for it to exit; the platform's
    supervisor does not start it again."""
    platform.stop_process(label, signal.SIGTERM)
