"""The whole platform as separate processes on the real broker and database, for end-to-end tests."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import platforms  # noqa: E402

# the browser tests run in a pytest process of their own (scripts/run-tests): see tests/web/conftest.py
collect_ignore = ["web"]


@pytest.fixture(scope="session")
def platform(postgres, tmp_path_factory):
    # with the provincial front database (MariaDB) and the exchange, so every route has its service;
    # a revoked or reset login's session ends within 2 s (test_certificate_login asserts that bound)
    with platforms.front_database("session") as front_url, \
            platforms.running_platform(postgres, tmp_path_factory.mktemp("platform"), front_url=front_url,
                                       extra_env={"OUTBOX_POLL_SECONDS": "0.5", "EXCHANGE_POLL_SECONDS": "2",
                                                  "GATEWAY_SESSION_CHECK_SECONDS": "2"}) as running:
        yield running
