"""Plain rules of sealed licences: kinds, validity, the state today, what a change may touch."""
from datetime import date

import pytest

from certificate.domain.licence import changed_document, kind_of, state_of, valid_until, validity_days
from platform_kit.errors import ValidationFailed


@pytest.mark.parametrize("name, kind", [("建设用地规划许可证", "certificate"), ("项目建议书/可行性研究报告审批", "approval"),
                                        ("建设工程竣工验收备案", "proof"), ("建设工程规划条件核实", "result"),
                                        ("建设项目环境影响评价审批", "approval")])
def test_the_kind_follows_the_document_the_item_yields(name, kind):
    assert kind_of(name) == kind


def test_validity_per_kind_with_the_setting_overriding_the_defaults():
    days = validity_days("approval=30, certificate=0")
    assert days["approval"] == 30 and days["certificate"] is None and days["proof"] == 365
    assert valid_until("approval", date(2026, 12, 1), days) == date(2026, 12, 31)
    assert valid_until("certificate", date(2026, 12, 1), days) is None
    with pytest.raises(ValueError):
        validity_days("permit=10")


def test_decisions_come_before_the_date():
    today, past = date(2027, 1, 5), date(2026, 12, 31)
    assert state_of(revoked=False, superseded=False, valid_until_on=None, today=today) == "valid"
    assert state_of(revoked=False, superseded=False, valid_until_on=past, today=today) == "expired"
    assert state_of(revoked=False, superseded=True, valid_until_on=past, today=today) == "superseded"
    assert state_of(revoked=True, superseded=True, valid_until_on=past, today=today) == "revoked"
    assert state_of(revoked=False, superseded=False, valid_until_on=today, today=today) == "valid"


def test_a_change_touches_only_what_may_change():
    assert changed_document({}, {"holder": "新单位", "particulars": ""}) == {"holder": "新单位"}
    with pytest.raises(ValidationFailed) as refused:
        changed_document({}, {"licence_no": "X"})
    assert refused.value.errors[0]["field"] == "changes.licence_no"


def test_only_the_issuing_departments_officer_uploads_a_paper_licence():
    from certificate.domain.licence import check_paper_upload
    from platform_kit.errors import Forbidden
    check_paper_upload(role="officer", department="DRC", region="410800", case_department="DRC", case_region="410800")
    for role, department, region in (("officer", "NRP", "410800"), ("officer", "DRC", "410821"),
                                     ("operator", None, None), ("clerk", None, "410800")):
        with pytest.raises(Forbidden):
            check_paper_upload(role=role, department=department, region=region, case_department="DRC",
                               case_region="410800")
