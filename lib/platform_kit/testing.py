"""Helpers for tests and benchmarks: throwaway PostgreSQL databases and signing keys.

Nothing here fakes the broker or the database: it creates real ones, migrated with the real
migrations, and removes them afterwards.
"""
import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from platform_kit.keys import ed25519_pem_pair, write_key_pair  # noqa: F401  (re-exported for tests)
from platform_kit.migrate import upgrade

ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


class PostgresDatabases:
    """Creates migrated databases: one template per service, then cheap copies of it."""

    def __init__(self, admin_url=ADMIN_URL, prefix=None):
        self.admin_url = admin_url
        self.prefix = prefix or f"t{uuid.uuid4().hex[:8]}"
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.templates = {}
        self.created = []

    def _url(self, name):
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _create(self, name, template=None):
        with self.engine.connect() as conn:
            clause = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return self._url(name)

    def template(self, service):
        if service not in self.templates:
            name = f"{self.prefix}_{service}_tmpl"
            upgrade(service, self._create(name))
            self.templates[service] = name
        return self.templates[service]

    def fresh(self, service):
        """A new, migrated, empty database for `service`; returns its URL."""
        template = self.template(service)
        return self._create(f"{self.prefix}_{service}_{uuid.uuid4().hex[:6]}", template)

    def copy(self, template, label):
        """A new database copied from `template` (one made here that nothing is connected to)."""
        return self._create(f"{self.prefix}_{label}_{uuid.uuid4().hex[:6]}", template)

    def blank(self, label="blank"):
        """A new empty database (no schema), for tests that create their own tables."""
        return self._create(f"{self.prefix}_{label}_{uuid.uuid4().hex[:6]}")

    def release(self):
        """Drop the databases made, or, when ``TEST_PG_DROP_LIST`` names a file, add their names to it
        for whoever ran the tests to drop once nothing else is running (``python -m
        platform_kit.testing drop-listed FILE``): DROP DATABASE forces a checkpoint, which takes
        seconds while other tests write."""
        listing = os.environ.get("TEST_PG_DROP_LIST")
        if not listing:
            self.drop_all()
            return
        with open(listing, "a", encoding="utf-8") as out:
            out.write("".join(f"{name}\n" for name in reversed(self.created)))
        self.created = []
        self.engine.dispose()

    def drop_all(self, connections=1):
        """Drop the databases made. Each DROP DATABASE waits for a checkpoint; drops on several
        `connections` at once wait for the same one (8 drop 12 databases about 5x as fast as 1)."""
        def drop(name):
            with self.engine.connect() as conn:
                conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        names = list(reversed(self.created))
        if connections > 1:
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(connections) as pool:
                list(pool.map(drop, names))
        else:
            for name in names:
                drop(name)
        self.engine.dispose()


_SESSION = []


def session_databases():
    """The databases of one test session (a pytest ``postgres`` fixture), released by
    :func:`release_session_databases` from ``pytest_sessionfinish``: after the last test, outside its
    time limit."""
    databases = PostgresDatabases()
    _SESSION.append(databases)
    return databases


def release_session_databases():
    while _SESSION:
        _SESSION.pop().release()


def drop_listed(path, admin_url=ADMIN_URL, connections=8):
    """Drop the databases named in `path` (one per line), on `connections` connections at once;
    returns how many were dropped."""
    names = [line.strip() for line in open(path, encoding="utf-8") if line.strip()] if os.path.exists(path) else []
    databases = PostgresDatabases(admin_url, prefix="drop")
    databases.engine.dispose()
    databases.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=connections)
    databases.created = list(reversed(names))
    databases.drop_all(connections)
    return len(names)


# ------------------------------------------------------------------------------ a real SMTP server
class LocalSmtpServer:
    """A real SMTP server (aiosmtpd, test extras) in its own process on 127.0.0.1, storing every
    message it accepts in a Maildir; ``messages()`` reads them back as parsed e-mails."""

    def __init__(self, maildir, port=None):
        self.maildir = str(maildir)
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.process = None

    def start(self, timeout=15):
        import socket
        import subprocess
        import sys
        import time
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"{self.host}:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", self.maildir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(3) == b"220":
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the SMTP server did not start on {self.host}:{self.port}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def messages(self):
        import email
        import email.policy
        import mailbox
        from pathlib import Path
        if not (Path(self.maildir) / "new").exists():
            return []
        return [email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
                for message in mailbox.Maildir(self.maildir, create=False)]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on at the moment of asking."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3 or sys.argv[1] != "drop-listed":
        sys.exit("usage: python -m platform_kit.testing drop-listed FILE")
    print(f"dropped {drop_listed(sys.argv[2])} test databases")
