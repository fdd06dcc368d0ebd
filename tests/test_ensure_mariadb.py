"""The test command starts MariaDB (the provincial front database) when nothing answers on the
configured address: `scripts/ensure-infra.sh mariadb`, pointed at a free port and a datadir of its own
under a temporary directory, initialises the datadir (mariadb-install-db), starts mariadbd on that
port, lets root in over TCP without password, and leaves the server be when run again. The test
then uses it as a front database (the province's tables) and stops the server it started.
"""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import province_checker
from platforms import free_port

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "ensure-infra.sh"


def answers(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def ensure(url, datadir):
    done = subprocess.run([str(SCRIPT), "mariadb"], env={**os.environ, "MARIADB_ADMIN_URL": url,
                                                          "MARIADB_DATADIR": str(datadir)},
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def started_server(tmp_path):
    port = free_port()
    while port == 3306 or answers(port):      # never the machine's own server
        port = free_port()
    datadir = tmp_path / "mariadb"
    url = f"mysql+pymysql://root@127.0.0.1:{port}/"
    try:
        yield url, port, datadir
    finally:
        pid_file = datadir / "mariadbd.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)      # the server this test started, by its pid
            deadline = time.time() + 60
            while Path(f"/proc/{pid}").exists() and time.time() < deadline:
                time.sleep(0.2)
            assert not Path(f"/proc/{pid}").exists(), "MariaDB did not stop"


def test_mariadb_is_started_on_the_configured_port_when_nothing_answers(started_server):
    url, port, datadir = started_server
    assert not answers(port)
    done = ensure(url, datadir)
    assert done.stdout.strip().splitlines()[-1] == url
    assert "starting MariaDB" in done.stderr and (datadir / "mysql").is_dir()
    pid = (datadir / "mariadbd.pid").read_text().strip()

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT @@port")).scalar() == port
            assert Path(conn.execute(text("SELECT @@datadir")).scalar()).resolve() == datadir.resolve()
        # usable as the province's front database: a database and the province's tables in it
        province_checker.create_database(url, "front_check")
        front = create_engine(f"{url}front_check?charset=utf8mb4")
        try:
            province_checker.create(front)
            with front.connect() as conn:
                tables = {r[0] for r in conn.execute(text("SHOW TABLES"))}
            assert set(province_checker.TABLES) <= tables
        finally:
            front.dispose()
    finally:
        engine.dispose()

    again = ensure(url, datadir)          # running: nothing started a second time
    assert "starting MariaDB" not in again.stderr
    assert (datadir / "mariadbd.pid").read_text().strip() == pid
