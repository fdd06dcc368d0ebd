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


# ---------------------------------------------------------------------------------- who manages whom
# 002 §31: a department administrator assigns and maintains the users of their own department; the
# platform operator maintains every account (000 §17).
OPERATOR, DEPT_ADMIN, OFFICER = "operator", "dept_admin", "officer"
DETAIL_FIELDS = ("name", "department", "region", "role", "steps")


def reach_problem(actor_role, actor_department, actor_region, target):
    """Why an administrator may not manage an account with the details `target` (a mapping with
    role, department, region), in Chinese; None when they may."""
    if actor_role == OPERATOR:
        return None
    if actor_role != DEPT_ADMIN:
        return "仅平台运营或部门管理员可管理账号"
    if not actor_department or not actor_region:
        return "部门管理员账号未登记部门或行政区划，不能管理账号"
    if target.get("role") != OFFICER:
        return "部门管理员只能管理本部门审批人员（officer）账号"
    if target.get("department") != actor_department or target.get("region") != actor_region:
        return f"部门管理员只能管理本部门（{actor_department}，{actor_region}）的账号"
    return None


def deactivation_problem(actor, account, active_operators_left):
    """(status, why) when `actor` may not deactivate `account`; None when they may.

    `active_operators_left`: how many active operators would remain (None when `account` is not an
    active operator)."""
    if actor == account:
        return 403, "不能停用本人账号，请由其他管理员办理"
    if active_operators_left is not None and active_operators_left < 1:
        return 409, "不能停用最后一个启用的平台运营账号"
    return None
