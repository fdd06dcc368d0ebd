"""The whole platform as separate processes on the real broker and database, for end-to-end tests."""
import socket
import sys
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from launcher import SERVICES, Platform  # noqa: E402

MANAGEMENT = "http://127.0.0.1:15672/api"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def vhost():
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    auth = ("guest", "guest")
    requests.put(f"{MANAGEMENT}/vhosts/{name}", auth=auth, timeout=10).raise_for_status()
    requests.put(f"{MANAGEMENT}/permissions/{name}/guest", auth=auth, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    yield name
    requests.delete(f"{MANAGEMENT}/vhosts/{name}", auth=auth, timeout=10)


@pytest.fixture(scope="session")
def platform(vhost, postgres, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("platform")
    urls = {name: postgres.fresh(name) for name in SERVICES + ("gateway",)}
    running = Platform(amqp_uri=f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}", database_urls=urls,
                       keys_dir=workdir / "keys", port=free_port(), workdir=workdir,
                       extra_env={"GATEWAY_WORKERS": "2", "OUTBOX_POLL_SECONDS": "0.5"})
    running.start()
    try:
        running.wait_ready()
        running.seed_accounts()
        yield running
    except Exception:
        for process in running.processes:
            print(f"--- {process.label}\n{running.tail(process, 60)}")
        raise
    finally:
        running.stop()
