"""A supervisor watches the projects and clocks of their own region (002 §35, least privilege); the
operator watches everything."""
import uuid
from datetime import date

import pytest

from platform_kit.errors import Forbidden
from test_supervision_service import PROJECT, case_fact, event, facts, rpc, supervision, today  # noqa: F401

COUNTY_PROJECT = "2026-410821-48-01-000003"
OTHER_CITY_PROJECT = "2026-410100-48-01-000004"


def opened(stage_id, case_id, department="NRP"):
    return event("stage.opened", {
        "stage_id": stage_id, "declaration_id": f"decl-{stage_id[:8]}", "stage": "land_use_planning",
        "lead_department": department, "limit_days": 20, "received_on": date(2026, 11, 2), "state": "open",
        "clock": facts(date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 30), date(2026, 11, 26), 20),
        "cases": [{"case_id": case_id, "item_code": "NRP-001", "department": department, "limit_days": 10,
                   "state": "submitted"}]})


@pytest.fixture
def three_regions(supervision):
    """One project in the city (410800), one in a county of it (410821), one in another city (410100)."""
    config, _, deliver = supervision
    cases = {}
    for code, region in ((PROJECT, "410800"), (COUNTY_PROJECT, "410821"), (OTHER_CITY_PROJECT, "410100")):
        stage_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
        envelope = opened(stage_id, case_id)
        object.__setattr__(envelope, "project_code", code)
        deliver(envelope)
        accepted = case_fact("case.accepted", case_id, "NRP", date(2026, 11, 3), region=region, stage_id=stage_id,
                             limit_days=10, due_on=date(2026, 11, 17), state="accepted",
                             clock=facts(date(2026, 11, 3), date(2026, 11, 3), date(2026, 11, 17),
                                         date(2026, 11, 13), 10))
        object.__setattr__(accepted, "project_code", code)
        deliver(accepted)
        cases[code] = case_id
    return config, cases


def overview_readers(config, make_token, code):
    tokens = {"operator": make_token("operator"), "clerk": make_token("clerk"),
              "city": make_token("supervisor", sub="sup-city", region="410800"),
              "county": make_token("supervisor", sub="sup-county", region="410821"),
              "province": make_token("supervisor", sub="sup-province", region="410000"),
              "elsewhere": make_token("supervisor", sub="sup-zz", region="410100")}
    allowed = set()
    for who, token in tokens.items():
        with rpc(config, token) as proxy:
            try:
                assert proxy.get_project_overview(code)["project_code"] == code
                allowed.add(who)
            except Forbidden:
                pass
    return allowed


def test_a_supervisor_sees_the_overview_of_projects_in_their_region_only(three_regions, make_token):
    config, _ = three_regions
    assert overview_readers(config, make_token, PROJECT) == {"operator", "clerk", "city", "province"}
    assert overview_readers(config, make_token, COUNTY_PROJECT) == {"operator", "clerk", "city", "county",
                                                                    "province"}
    # 410100 (Zhengzhou) lies in the province 410000 too
    assert overview_readers(config, make_token, OTHER_CITY_PROJECT) == {"operator", "clerk", "elsewhere",
                                                                        "province"}


def test_a_supervisor_lists_the_clocks_of_their_region_only(three_regions, make_token):
    config, cases = three_regions

    def listed(token, **filters):
        with rpc(config, token) as proxy:
            return {(c["kind"], c["project_code"]) for c in proxy.list_clocks(filters)["items"]}

    everything = {(kind, code) for code in cases for kind in ("stage", "case")}
    assert listed(make_token("operator")) == everything
    assert listed(make_token("supervisor", region="410800")) == {
        (kind, code) for code in (PROJECT, COUNTY_PROJECT) for kind in ("stage", "case")}
    assert listed(make_token("supervisor", region="410821")) == {("stage", COUNTY_PROJECT), ("case", COUNTY_PROJECT)}
    assert listed(make_token("supervisor", region="410100"), kind="case") == {("case", OTHER_CITY_PROJECT)}
    assert listed(make_token("supervisor", region="410800"), region="410821") == {
        ("stage", COUNTY_PROJECT), ("case", COUNTY_PROJECT)}
    assert listed(make_token("supervisor", region="410800"), project_code=OTHER_CITY_PROJECT) == set()
    with pytest.raises(Forbidden):   # another region is not theirs to filter on
        listed(make_token("supervisor", region="410821"), region="410800")
    with pytest.raises(Forbidden):
        listed(make_token("supervisor", region=None))


def test_department_staff_see_the_stages_they_lead_and_their_cases_within_their_region(three_regions, make_token):
    config, cases = three_regions

    def listed(token, **filters):
        with rpc(config, token) as proxy:
            return {(c["kind"], c["project_code"]) for c in proxy.list_clocks(filters)["items"]}

    city_and_county = {(kind, code) for code in (PROJECT, COUNTY_PROJECT) for kind in ("stage", "case")}
    assert listed(make_token("officer", department="NRP", region="410800")) == city_and_county
    assert listed(make_token("dept_admin", department="NRP", region="410821")) == {
        ("stage", COUNTY_PROJECT), ("case", COUNTY_PROJECT)}
    assert listed(make_token("officer", department="DRC", region="410800")) == set()   # neither leads nor handles
    with rpc(config, make_token("dept_admin", department="NRP", region="410821")) as proxy:
        assert proxy.get_project_overview(COUNTY_PROJECT)["project_code"] == COUNTY_PROJECT
        with pytest.raises(Forbidden):
            proxy.get_project_overview(PROJECT)
    with rpc(config, make_token("officer", department="DRC", region="410800")) as proxy:
        with pytest.raises(Forbidden):
            proxy.get_project_overview(PROJECT)
    with rpc(config, make_token("applicant", org="91410800MA47Q0R12X")) as proxy:
        for call in (lambda: proxy.list_clocks({}), lambda: proxy.get_project_overview(PROJECT),
                     lambda: proxy.list_urges({"project_code": PROJECT}),
                     lambda: proxy.list_coordination_requests({}), lambda: proxy.list_inspections({})):
            with pytest.raises(Forbidden):
                call()
