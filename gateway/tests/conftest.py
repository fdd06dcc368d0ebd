"""Fixtures of the gateway's tests: the app around a recording service caller, on a real database."""
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from falcon.testing import TestClient

from gateway.accounts import second_factor
from gateway.accounts.__main__ import DEMO_ACCOUNTS, DEMO_PASSWORD
from gateway.accounts.book import AccountBook
from gateway.app import create_app
from gateway.settings import Settings


class RecordingRpc:
    """Stands in for the services in HTTP-level tests: records each call, answers from `answers`.

    An answer is a value, an exception instance (raised), or a callable taking the call's args.
    """

    def __init__(self):
        self.calls = []
        self.request_ids = []
        self.answers = {}

    def call(self, service, method, args=(), kwargs=None, token=None, timeout=None, request_id=None,
             late=None, late_for=0.0, call_key=None):
        self.late = late
        self.calls.append({"service": service, "method": method, "args": list(args), "token": token,
                           **({"call_key": call_key} if call_key else {})})
        self.request_ids.append(request_id)
        answer = self.answers.get(f"{service}.{method}", {"service": service, "status": "ok"})
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(*args)
        return answer


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def settings(postgres, jwt_keys):
    return Settings(database_url=postgres.fresh("gateway"), private_key=jwt_keys["private"],
                    public_key=jwt_keys["public"], max_failed_logins=3, lockout_seconds=600,
                    password_max_age_days=90, material_max_bytes=64 * 1024)


@pytest.fixture
def clock():
    return Clock()


# the second factor the demo operator is seeded with in these tests
TOTP_SECRETS = {"operator": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}


@pytest.fixture
def book(settings, clock):
    book = AccountBook(settings, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
                       clock=clock)
    for data in DEMO_ACCOUNTS:
        book.put(dict(data, password=DEMO_PASSWORD, totp_secret=TOTP_SECRETS.get(data["account"])),
                 actor="test", reason="测试账号")
    yield book
    book.engine.dispose()


@pytest.fixture
def rpc():
    return RecordingRpc()


@pytest.fixture
def client(settings, rpc, book):
    return TestClient(create_app(settings, rpc, book=book))


@pytest.fixture
def totp(clock):
    """totp(account) -> a code of that account's seeded secret not used yet (each time step once)."""
    used = {}

    def code(account, secret=None):
        counter = max(second_factor.counter_at(clock()) - second_factor.DRIFT_STEPS, used.get(account, -1) + 1)
        assert counter <= second_factor.counter_at(clock()) + second_factor.DRIFT_STEPS, "no fresh code left"
        used[account] = counter
        return second_factor.code_at(secret or TOTP_SECRETS[account], counter)

    return code


@pytest.fixture
def login(client, totp):
    """login(account) -> tokens. An account with a second factor logs in with a code once; further
    logins in the same test refresh that login (a code is accepted once per time step)."""
    sessions = {}

    def login(account, password=DEMO_PASSWORD):
        if account in TOTP_SECRETS and password == DEMO_PASSWORD:
            if account in sessions:
                response = client.simulate_post("/auth/refresh", json={"refresh_token": sessions[account]})
                if response.status_code == 200:
                    sessions[account] = response.json["refresh_token"]
                    return response.json
            body = {"account": account, "password": password, "totp": totp(account)}
        else:
            body = {"account": account, "password": password}
        response = client.simulate_post("/auth/login", json=body)
        assert response.status_code == 200, response.text
        if account in TOTP_SECRETS:
            sessions[account] = response.json["refresh_token"]
        return response.json

    return login


@pytest.fixture
def auth(login):
    """auth(account) -> headers carrying that account's fresh access token."""
    return lambda account: {"Authorization": f"Bearer {login(account)['access_token']}"}


@pytest.fixture
def assert_problem():
    def check(response, status):
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
        body = response.json
        assert body["status"] == status and body["title"] and "type" in body and "detail" in body
        return body

    return check
