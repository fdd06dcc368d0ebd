"""Verified tokens kept briefly (platform_kit.identity.VerifiedTokens): never past a token's expiry,
never for a token that did not verify, bounded."""
import time
from datetime import datetime, timedelta, timezone

import pytest

from platform_kit.errors import Unauthenticated
from platform_kit.identity import Identity, VerifiedTokens, issue_token
from platform_kit.testing import ed25519_pem_pair


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc).timestamp()

    def __call__(self):
        return self.now


@pytest.fixture
def keys():
    return ed25519_pem_pair()


def test_a_token_is_verified_once_within_the_bound_and_again_after_it(keys, monkeypatch):
    private, public = keys
    clock = Clock()
    tokens = VerifiedTokens(public, seconds=60, clock=clock)
    token = issue_token(private, Identity(sub="applicant-1", role="applicant", name="申请人"), ttl_seconds=900)
    checked = []
    import platform_kit.identity as identity_module
    real = identity_module.verify_token
    monkeypatch.setattr(identity_module, "verify_token", lambda *a: checked.append(1) or real(*a))
    first = tokens.verify(token)
    assert tokens.verify(token) is first and len(checked) == 1
    clock.now += 61
    assert tokens.verify(token) == first and len(checked) == 2


def test_never_past_the_tokens_expiry(keys):
    private, public = keys
    tokens = VerifiedTokens(public, seconds=600)
    token = issue_token(private, Identity(sub="clerk-1", role="clerk", name="窗口"), ttl_seconds=1)
    assert tokens.verify(token).sub == "clerk-1"
    time.sleep(1.1)   # the kept answer ends with the token: verified again, it is found expired
    with pytest.raises(Unauthenticated, match="过期"):
        tokens.verify(token)


def test_a_token_that_fails_is_not_kept_and_forgeries_are_refused(keys):
    private, public = keys
    other_private, _ = ed25519_pem_pair()
    tokens = VerifiedTokens(public)
    forged = issue_token(other_private, Identity(sub="operator-1", role="operator", name="运营"))
    for _ in range(2):
        with pytest.raises(Unauthenticated, match="签名无效"):
            tokens.verify(forged)
    expired = issue_token(private, Identity(sub="clerk-1", role="clerk", name="窗口"),
                          now=datetime.now(timezone.utc) - timedelta(hours=1))
    with pytest.raises(Unauthenticated, match="过期"):
        tokens.verify(expired)
    assert not tokens._kept


def test_at_most_size_tokens_are_kept(keys):
    private, public = keys
    tokens = VerifiedTokens(public, size=3)
    for number in range(5):
        tokens.verify(issue_token(private, Identity(sub=f"applicant-{number}", role="applicant", name="申请人")))
    assert len(tokens._kept) == 3
