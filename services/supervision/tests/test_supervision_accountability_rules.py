"""The accountability list's rules (domain.accountability) and the complaint rules
(domain.complaints), as plain functions."""
from datetime import date, datetime, timezone

import pytest

from platform_kit.errors import Conflict, Forbidden, ValidationFailed
from platform_kit.identity import Identity
from supervision.domain import accountability as rules
from supervision.domain import complaints


def notice(event_id, minute, supplement_no=1, reason=None):
    payload = {"case_id": "case-1", "stage_id": "stage-1", "item_code": "NRP-001", "item_name": "建设用地规划许可证",
               "department": "NRP", "region": "410800", "on": date(2026, 11, 2 + minute),
               "supplement_no": supplement_no, "second_supplement_reason": reason}
    return (event_id, datetime(2026, 11, 2, 1, minute, tzinfo=timezone.utc), payload, "2026-410800-48-01-000001")


def test_only_notices_after_the_first_are_findings_whatever_the_order_known():
    first, second, third = notice("e1", 1), notice("e2", 2, 2, "更换设计单位"), notice("e3", 3, 3, "再次补充")
    assert rules.second_supplements([first]) == []
    # the second seen before the first: it says it is the second
    (alone,) = rules.second_supplements([second])
    assert alone.key == "second_supplement:e2" and alone.evidence["event_ids"] == ["e2"]
    found = rules.second_supplements([third, first, second])
    assert [f.key for f in found] == ["second_supplement:e2", "second_supplement:e3"]
    assert found[1].evidence["event_ids"] == ["e3", "e1", "e2"] and found[1].ground == rules.FLOW
    assert "更换设计单位" in found[0].summary and found[0].occurred_on == date(2026, 11, 4)
    # notices from before supplement_no existed (all 1): the order on the timeline tells
    assert [f.key for f in rules.second_supplements([notice("a", 1), notice("b", 2)])] == ["second_supplement:b"]


@pytest.mark.parametrize("decision, reason, referred_to, field", [
    ("dismiss", "", None, "reason"), ("dismiss", "   ", None, "reason"), ("refer", "", "纪委", "reason"),
    ("refer", "违纪", None, "referred_to")])
def test_a_dismissal_or_a_referral_needs_its_reason(decision, reason, referred_to, field):
    with pytest.raises(ValidationFailed) as refused:
        rules.decide(rules.OPEN, decision, reason, referred_to)
    assert [e["field"] for e in refused.value.errors] == [field]


def test_a_record_is_decided_once():
    assert rules.decide(rules.OPEN, "confirm", "", None) == rules.CONFIRMED
    assert rules.decide(rules.OPEN, "refer", "多次未答复", "市纪委监委") == rules.REFERRED
    with pytest.raises(Conflict):
        rules.decide(rules.DISMISSED, "confirm", "", None)


def test_complaint_query_codes_and_territory():
    digest = complaints.code_digest("TS20261130ABCDEF", "abcd-efgh-jk")
    assert complaints.code_matches("TS20261130ABCDEF", "ABCDEFGHJK", digest)
    assert not complaints.code_matches("TS20261130ABCDEG", "ABCDEFGHJK", digest)   # salted with the number
    assert not complaints.code_matches("TS20261130ABCDEF", "ABCDEFGHJ0", digest)
    county = Identity(sub="s", role="supervisor", name="", region="410821")
    city = Identity(sub="c", role="supervisor", name="", region="410800")
    complaints.check_supervisor(city, "410821")
    with pytest.raises(Forbidden):
        complaints.check_supervisor(county, "410800")
    with pytest.raises(Forbidden):
        complaints.check_concludable(city, complaints.ASSIGNED, "s")
    with pytest.raises(Conflict):
        complaints.check_concludable(city, complaints.FILED, None)
    assert complaints.overdue(complaints.ASSIGNED, date(2026, 12, 21), None, date(2026, 12, 22))
    assert not complaints.overdue(complaints.CONCLUDED, date(2026, 12, 21), date(2026, 12, 21), date(2027, 1, 5))
