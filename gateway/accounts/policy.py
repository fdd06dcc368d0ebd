"""Account rules in plain Python: password strength, lockout after failed logins, password age."""
import re
from datetime import timedelta
from itertools import combinations

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256
CHARACTER_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")
# The character-class rule as one regular expression (documented in the OpenAPI schema): some three
# of the four classes each occur somewhere.
PASSWORD_PATTERN = "^(?:" + "|".join("".join(rf"(?=[\s\S]*{c})" for c in three)
                                     for three in combinations(CHARACTER_CLASSES, 3)) + r")[\s\S]*$"


def password_problems(password, account=None):
    """Why `password` is too weak, in Chinese; empty when it is acceptable."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"密码长度至少 {PASSWORD_MIN_LENGTH} 位")
    if sum(bool(re.search(pattern, password)) for pattern in CHARACTER_CLASSES) < 3:
        problems.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    if account and account.lower() in password.lower():
        problems.append("密码不得包含账号")
    return problems


def is_locked(locked_until, now):
    return locked_until is not None and locked_until > now


def after_failure(failed_logins, max_failures, lockout_seconds, now):
    """(new failure count, locked_until or None) after one more wrong password."""
    failed = failed_logins + 1
    if failed >= max_failures:
        return 0, now + timedelta(seconds=lockout_seconds)
    return failed, None


def password_expired(changed_at, max_age_days, now):
    return max_age_days > 0 and changed_at + timedelta(days=max_age_days) <= now
