"""Fixtures shared by every test package: real PostgreSQL databases, real RabbitMQ vhosts, keys.

nameko's own pytest plugin provides ``rabbit_config`` (a throwaway vhost per test, through the
management API on port 15672), ``container_factory`` and ``runner_factory``.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402  (must precede every other import, as under `nameko run`)

import gc  # noqa: E402
import signal  # noqa: E402
import traceback  # noqa: E402

import greenlet  # noqa: E402
import pytest  # noqa: E402

from platform_kit.identity import Identity, issue_token  # noqa: E402
from platform_kit.testing import release_session_databases, session_databases, write_key_pair  # noqa: E402


@pytest.fixture(scope="session")
def postgres():
    return session_databases()


def pytest_sessionfinish(session):
    release_session_databases()


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item, settings):
    """A test past its time limit (pytest-timeout) fails alone, with the stack of every green thread.

    Under eventlet the plugin believes it runs off the main thread and falls back to a timer that ends
    the whole run; SIGALRM reaches the main thread whatever greenlet is waiting there."""
    if settings.method != "signal" or not settings.timeout or settings.timeout <= 0:
        return None

    def on_alarm(signum, frame):
        stacks = ["".join(traceback.format_stack(g.gr_frame)) for g in gc.get_objects()
                  if isinstance(g, greenlet.greenlet) and g.gr_frame is not None]
        item.config.get_terminal_writer().line(
            "\n".join(["+" * 30 + f" Timeout: {item.nodeid} " + "+" * 30, "".join(traceback.format_stack(frame))]
                      + stacks))
        pytest.fail(f"Timeout >{settings.timeout}s")

    def cancel():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True


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


@pytest.fixture(scope="session")
def seal_pki_dir(tmp_path_factory):
    """The city PKI the services' seal certificates come from (SEAL_PKI_DIR), one per test session."""
    return str(tmp_path_factory.mktemp("seal-pki"))


@pytest.fixture
def service_config(rabbit_config, postgres, jwt_keys, seal_pki_dir):
    """service_config(service, **overrides) -> nameko config with a fresh migrated PostgreSQL db."""

    def make(service, **overrides):
        config = dict(rabbit_config)
        config.update({
            "SEAL_PKI_DIR": seal_pki_dir,
            "DATABASE_URL": postgres.fresh(service),
            "JWT_PUBLIC_KEY": jwt_keys["public"],
            "max_workers": 4,
            "DB_POOL_IDLE": 1,
            "OUTBOX_POLL_SECONDS": 0.2,
            "EVENT_RETRY_DELAYS": [0.2, 0.4],
            "EVENT_INFRA_RETRY_DELAYS": [0.2, 0.4],
            "WEB_SERVER_ADDRESS": "127.0.0.1:0",   # a service's HTTP port, if it has one: any free port
        })
        config.update(overrides)
        return config

    return make
