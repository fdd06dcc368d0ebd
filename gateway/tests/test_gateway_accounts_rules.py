"""The account rules in plain Python: TOTP codes (RFC 6238), who manages whom, who may be deactivated."""
from datetime import datetime, timezone

from gateway.accounts import policy, second_factor

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # RFC 6238 appendix B: "12345678901234567890"


def at(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc)


def test_codes_are_rfc_6238_codes_accepted_once_within_one_step_of_drift():
    # RFC 6238 appendix B, SHA-1: T = 59 s gives 94287082, whose last six digits are the code
    assert second_factor.code_at(RFC_SECRET, second_factor.counter_at(at(59))) == "287082"
    # T = 1111111109 gives 07081804
    assert second_factor.code_at(RFC_SECRET, second_factor.counter_at(at(1111111109))) == "081804"
    now = at(1111111109)
    present = second_factor.counter_at(now)
    code = second_factor.code_at(RFC_SECRET, present)
    assert second_factor.accepted_counter(RFC_SECRET, code, now) == present
    assert second_factor.accepted_counter(RFC_SECRET, code, now, last_counter=present) is None  # replay
    assert second_factor.accepted_counter(RFC_SECRET, code, at(1111111109 + 30)) == present      # drift
    assert second_factor.accepted_counter(RFC_SECRET, code, at(1111111109 + 90)) is None          # too late
    earlier = second_factor.code_at(RFC_SECRET, present - 1)
    assert second_factor.accepted_counter(RFC_SECRET, earlier, now, last_counter=present) is None
    assert second_factor.accepted_counter(RFC_SECRET, "12345", now) is None
    assert second_factor.accepted_counter(None, code, now) is None


def test_recovery_codes_are_ten_distinct_codes_in_a_readable_alphabet():
    codes = second_factor.new_recovery_codes()
    assert len(set(codes)) == 10
    assert all(len(c) == 11 and c[5] == "-" and set(c.replace("-", "")) <= set(second_factor.RECOVERY_ALPHABET)
               for c in codes)
    assert second_factor.normal_recovery_code(" ABCDE-FGHJK ") == "abcde-fghjk"


def test_a_department_admin_reaches_the_officers_of_their_own_department_and_region():
    officer = {"role": "officer", "department": "NRP", "region": "410800"}
    assert policy.reach_problem("operator", None, None, {"role": "operator"}) is None
    assert policy.reach_problem("dept_admin", "NRP", "410800", officer) is None
    assert policy.reach_problem("dept_admin", "NRP", "410800", dict(officer, department="DRC"))
    assert policy.reach_problem("dept_admin", "NRP", "410800", dict(officer, region="410900"))
    assert policy.reach_problem("dept_admin", "NRP", "410800", dict(officer, role="dept_admin"))
    assert policy.reach_problem("dept_admin", None, "410800", officer)
    assert policy.reach_problem("officer", "NRP", "410800", officer)


def test_nobody_deactivates_themselves_and_an_operator_always_remains():
    assert policy.deactivation_problem("a", "a", None)[0] == 403
    assert policy.deactivation_problem("a", "b", 0)[0] == 409
    assert policy.deactivation_problem("a", "b", 1) is None
    assert policy.deactivation_problem("a", "b", None) is None
