"""Fixtures shared by every test package: real PostgreSQL databases, real RabbitMQ vhosts, keys.

nameko's own pytest plugin provides ``rabbit_config`` (a throwaway vhost per test, through the
management API on port 15672), ``container_factory`` and ``runner_factory``.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402  (must precede every other import, as under `nameko run`)

import pytest  # noqa: E402

from platform_kit.identity import Identity, issue_token  # noqa: E402
from platform_kit.testing import PostgresDatabases, write_key_pair  # noqa: E402


@pytest.fixture(scope="session")
def postgres():
    databases = PostgresDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def jwt_keys(tmp_path_factory):
    private_path, public_path = write_key_pair(tmp_path_factory.mktemp("keys"))
    return {"private": private_path.read_text(), "public": public_path.read_text(),
            "private_file": str(private_path), "public_file": str(public_path)}


@pytest.fixture
def make_token(jwt_keys):
    """make_token(role, sub=..., department=..., region=..., org=..., steps=...) -> access JWT."""

    def make(role, sub=None, name="测试用户", department=None, region="410800", org=None, steps=(),
             ttl_seconds=900):
        identity = Identity(sub=sub or f"{role}-1", role=role, name=name, department=department,
                            region=region, org=org, steps=tuple(steps))
        return issue_token(jwt_keys["private"], identity, ttl_seconds=ttl_seconds)

    return make


@pytest.fixture
def service_config(rabbit_config, postgres, jwt_keys):
    """service_config(service, **overrides) -> nameko config with a fresh migrated PostgreSQL db."""

    def make(service, **overrides):
        config = dict(rabbit_config)
        config.update({
            "DATABASE_URL": postgres.fresh(service),
            "JWT_PUBLIC_KEY": jwt_keys["public"],
            "max_workers": 4,
            "OUTBOX_POLL_SECONDS": 0.2,
            "EVENT_RETRY_DELAYS": [0.2, 0.4],
        })
        config.update(overrides)
        return config

    return make
