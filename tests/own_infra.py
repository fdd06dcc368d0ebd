"""A RabbitMQ node and a PostgreSQL server of a test's own, on their own ports and in its own folder,
so the test can kill them (SIGKILL) and start them again without touching the shared ones. Both run
from the distribution's binaries (``rabbitmq-server``; PostgreSQL 15's ``initdb`` and ``postgres``,
as the ``postgres`` account when the test runs as root)."""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from platform_kit.testing import free_port

RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(probe, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if probe():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up in {timeout}s")


def available():
    return RABBITMQ_SERVER.exists() and (PG_BIN / "initdb").exists()


class OwnProcess:
    """A server process in a session of its own: kill() takes it and all its children down at once."""
    process = None

    def kill(self):
        """SIGKILL to the whole process group, as a crash or the OOM killer would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)
        self.process = None

    def alive(self):
        return self.process is not None and self.process.poll() is None


class RabbitNode(OwnProcess):
    def __init__(self, folder):
        self.folder = Path(folder)
        self.port, self.dist_port = free_port(), free_port()
        self.name = f"fault{uuid.uuid4().hex[:8]}@localhost"
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "enabled_plugins").write_text("[].\n")
        (self.folder / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        self.env = dict(os.environ, HOME=str(self.folder), RABBITMQ_NODENAME=self.name,
                        RABBITMQ_NODE_IP_ADDRESS="127.0.0.1", RABBITMQ_NODE_PORT=str(self.port),
                        RABBITMQ_DIST_PORT=str(self.dist_port),
                        RABBITMQ_MNESIA_BASE=str(self.folder / "mnesia"), RABBITMQ_LOG_BASE=str(self.folder / "log"),
                        RABBITMQ_ENABLED_PLUGINS_FILE=str(self.folder / "enabled_plugins"),
                        RABBITMQ_CONFIG_FILE=str(self.folder / "rabbitmq.conf"),
                        RABBITMQ_ADVANCED_CONFIG_FILE=str(self.folder / "advanced.config"),
                        RABBITMQ_CONF_ENV_FILE=str(self.folder / "rabbitmq-env.conf"),
                        RABBITMQ_PID_FILE=str(self.folder / "rabbit.pid"), ERL_EPMD_ADDRESS="127.0.0.1")
        (self.folder / "rabbitmq-env.conf").write_text(
            "export ERL_FLAGS=\"-kernel inet_dist_use_interface {127,0,0,1}\"\n")

    @property
    def amqp_uri(self):
        return f"pyamqp://guest:guest@127.0.0.1:{self.port}/"

    def start(self, timeout=90):
        log = open(self.folder / "server.log", "ab")
        self.process = subprocess.Popen([str(RABBITMQ_SERVER)], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        wait_until(self.ready, timeout, f"RabbitMQ node {self.name}")
        return self

    def ready(self):
        if not self.alive():
            raise RuntimeError(f"RabbitMQ node exited; see {self.folder / 'server.log'}")
        if not port_open(self.port):
            return False
        from kombu import Connection
        try:
            with Connection(self.amqp_uri, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1)
            return True
        except Exception:
            return False


class PostgresServer(OwnProcess):
    """In a folder of its own under the system's temporary folder (the ``postgres`` account must reach
    it); :meth:`remove` deletes it."""

    def __init__(self):
        import tempfile
        self.folder = Path(tempfile.mkdtemp(prefix="own-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:   # PostgreSQL refuses to run as root
            self.user = pwd.getpwnam("postgres")
            shutil.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                   "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])

    def _run(self, args):
        done = subprocess.run(args, capture_output=True, text=True, **self._as_owner())
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr[-2000:]}")

    def _as_owner(self):
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []} if self.user else {}

    def url(self, database="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout=60):
        log = open(self.folder / "server.log", "ab")
        self.process = subprocess.Popen(
            [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.folder),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=300",
             "-c", "shared_buffers=64MB"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **self._as_owner())
        log.close()
        wait_until(self.ready, timeout, "PostgreSQL")
        return self

    def ready(self):
        if not self.alive():
            raise RuntimeError(f"PostgreSQL exited; see {self.folder / 'server.log'}")
        try:
            engine = create_engine(self.url(), connect_args={"connect_timeout": 2})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            return True
        except Exception:
            return False

    def remove(self):
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def create_databases(self, names):
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return {name: self.url(name) for name in names}
