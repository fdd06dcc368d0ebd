"""The second factor of administrators (RFC 6238 TOTP through pyotp), in plain Python.

Operators and department administrators log in with a password and a six-digit code from an
authenticator app (002 §35, MLPS level 3: two-factor authentication for administrators). A code is
accepted for the time step before, at and after the present one (clock drift), and only for a step
later than the last one accepted, so a code once used is refused for the rest of its window.
Ten recovery codes, each usable once instead of a code, are shown at enrolment and kept hashed.
"""
import hmac
import secrets

import pyotp

from platform_kit.identity import DEPT_ADMIN, OPERATOR

REQUIRED_FOR = frozenset({OPERATOR, DEPT_ADMIN})
ISSUER = "工程建设项目审批管理系统"
DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
ENROLMENT_SECONDS = 600
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def required(role):
    return role in REQUIRED_FOR


def new_secret():
    return pyotp.random_base32()


def provisioning_uri(secret, account):
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account,
                                                                                      issuer_name=ISSUER)


def counter_at(moment):
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret, counter):
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(counter)


def accepted_counter(secret, code, now, last_counter=None):
    """The time step whose code `code` is (around `now`), when it is later than `last_counter`;
    None for a wrong, stale or replayed code."""
    if not secret or not code or len(code) != DIGITS or not code.isdigit():
        return None
    present = counter_at(now)
    for counter in range(present - DRIFT_STEPS, present + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, counter), code):
            return counter if last_counter is None or counter > last_counter else None
    return None


def looks_like_totp(code):
    return bool(code) and len(code) == DIGITS and code.isdigit()


def new_recovery_codes():
    """Ten one-time codes, as shown to their holder: ``xxxxx-xxxxx``."""
    def one():
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        return f"{raw[:5]}-{raw[5:]}"
    return [one() for _ in range(RECOVERY_CODES)]


def normal_recovery_code(code):
    return (code or "").strip().lower().replace(" ", "")
