"""Helpers for tests and benchmarks: throwaway PostgreSQL databases and signing keys.

Nothing here fakes the broker or the database: it creates real ones, migrated with the real
migrations, and removes them afterwards.
"""
import os
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from platform_kit.migrate import upgrade

ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def ed25519_pem_pair():
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def write_key_pair(directory):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    private, public = ed25519_pem_pair()
    (directory / "jwt-private.pem").write_text(private)
    (directory / "jwt-public.pem").write_text(public)
    return directory / "jwt-private.pem", directory / "jwt-public.pem"


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

    def blank(self, label="blank"):
        """A new empty database (no schema), for tests that create their own tables."""
        return self._create(f"{self.prefix}_{label}_{uuid.uuid4().hex[:6]}")

    def drop_all(self):
        with self.engine.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        self.engine.dispose()
