"""Silence never blocks a stage (004 §14: 逾期未反馈的视为无意见，办理流程到期自动收回), and a supplement
notice is one-time (002 §7(二): 一次性告知), over HTTP only, on real RabbitMQ and PostgreSQL, with two
replicas of the stage service sweeping deadlines.

The operator loads a catalog version in which the land-use stage of gov_building carries three
items: NRP-001 (the lead department's own), DRC-001 (limit 2 working days, what follows a lapse not
configured: recalled to the lead department) and EQB-001 (limit 1, ``lapse_action: no_objection``).
Mon 2026-03-02: the project declares; NRP asks for a supplement once, is refused a second one
without a reason, issues it with its reason, and concludes its case; DRC accepts and falls silent;
EQB never acts. Thu 03-05: DRC's limit (due Wed 03-04) lapsed: no opinion, recalled to NRP; EQB was
deemed accepted as of receipt (002 §7(二)), its limit (due Tue 03-03) lapsed: no opinion, concluded
as no objection. NRP decides DRC's case and the stage concludes; neither silent department acted.
"""
import copy
import json
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import platforms
from test_end_to_end import assert_problem, eventually, login
from test_four_stage_flow import FORMS

ROOT = Path(__file__).resolve().parents[1]
STAGE = "land_use_planning"
SECOND_REASON = "补正的宗地图暴露出用地红线与规划条件不一致，首次告知时无从发现"


def lapse_catalog():
    """The demo catalog with the land-use stage of gov_building narrowed to three items, two of them
    with short limits, EQB-001 concluded as no objection when it lapses."""
    catalog = json.loads((ROOT / "services/intake/intake/demo_catalog.json").read_text())
    catalog["name"] = "焦作市工程建设项目审批事项目录（逾期收回配置）"
    stage = next(s for c in catalog["categories"] if c["code"] == "gov_building"
                 for s in c["stages"] if s["stage"] == STAGE)
    items = {i["code"]: i for i in stage["items"]}
    drc, eqb = copy.deepcopy(items["DRC-001"]), copy.deepcopy(items["EQB-001"])
    drc["limit_days"] = 2
    drc.pop("lapse_action", None)                  # not configured: the default applies
    eqb.update(limit_days=1, applies_when={}, lapse_action="no_objection")
    stage["items"] = [items["NRP-001"], drc, eqb]
    return catalog


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory):
    with platforms.dated_platform(postgres, tmp_path_factory.mktemp("lapse-platform"), "2026-03-02",
                                  label="lapse") as running:
        running.start_service("stage", replica=2)   # two replicas sweep the same deadlines
        running.wait_ready()
        yield running


def stage_decisions(platform, case_ids):
    """{(case_id, action): count} of the decisions recorded in the stage service's database."""
    engine = create_engine(platform.database_urls["stage"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT case_id, action, count(*) FROM case_decisions "
                                     "WHERE case_id = ANY(:ids) GROUP BY case_id, action"),
                                {"ids": list(case_ids)}).all()
    finally:
        engine.dispose()
    return {(case_id, action): n for case_id, action, n in rows}


@pytest.fixture(scope="module")
def run(platform):
    seen = {}
    operator, applicant, clerk = login(platform, "operator"), login(platform, "applicant"), login(platform, "clerk")
    nrp, drc, supervisor = login(platform, "nrp-officer"), login(platform, "drc-officer"), login(platform, "supervisor")
    loaded = operator.put("/catalog", json=lapse_catalog())
    assert loaded.status_code in (200, 201), loaded.text

    # ------------------------------------------------------------ Mon 03-02: declared, NRP decides
    registered = applicant.post("/projects", json={
        "name": "焦作市应急指挥中心建设项目", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 1500.0}})
    assert registered.status_code == 201, registered.text
    code = registered.json()["project_code"]
    declared = applicant.post(f"/projects/{code}/declarations",
                              json={"stage": STAGE, "form": FORMS[STAGE], "material_ids": []})
    assert declared.status_code == 201, declared.text
    assert {i["item_code"]: i["limit_days"] for i in declared.json()["items"]} == \
        {"NRP-001": 10, "DRC-001": 2, "EQB-001": 1}

    def opened():
        response = clerk.get(f"/projects/{code}/stages")
        if response.status_code != 200:   # the stage is being opened as the list is read
            return None
        stages = response.json()["items"]
        return stages[0] if stages and len(stages[0]["cases"]) == 3 else None
    cases = {c["item_code"]: c["case_id"] for c in eventually(opened)["cases"]}
    seen.update(code=code, cases=cases)

    def act(who, item, action, opinion=None, **extra):
        return who.post(f"/cases/{cases[item]}/actions",
                        json={"action": action, "opinion": opinion or f"{action}：同意", **extra})

    def done(response):
        assert response.status_code == 200, response.text
        return response.json()

    done(act(nrp, "NRP-001", "accept"))
    done(act(nrp, "NRP-001", "request_supplement", "宗地图：缺少坐标"))
    done(act(nrp, "NRP-001", "accept_supplement", "补正材料齐全"))
    seen["second_without_reason"] = act(nrp, "NRP-001", "request_supplement", "宗地图：红线与规划条件不一致")
    seen["second_by_drc"] = act(drc, "NRP-001", "request_supplement", "宗地图：红线与规划条件不一致",
                                second_supplement_reason=SECOND_REASON)
    seen["second"] = done(act(nrp, "NRP-001", "request_supplement", "宗地图：红线与规划条件不一致",
                              second_supplement_reason=SECOND_REASON))
    for action in ("accept_supplement", "review", "approve", "conclude"):
        done(act(nrp, "NRP-001", action))
    done(act(drc, "DRC-001", "accept"))             # due Wed 03-04; DRC is silent from now on

    # ------------------------------------------------------------ Thu 03-05: the sweepers act
    platforms.set_today(platform, "2026-03-05")

    def swept():
        listed = {c["item_code"]: c for c in clerk.get(f"/projects/{code}/stages").json()["items"][0]["cases"]}
        return listed if listed["DRC-001"]["recalled_to"] and listed["EQB-001"]["state"] == "concluded" else None
    seen["swept"] = eventually(swept, timeout=60)
    time.sleep(4)                                   # both replicas sweep again, several times
    seen["stage_before"] = clerk.get(f"/projects/{code}/stages").json()["items"][0]
    seen["drc_acts"] = act(drc, "DRC-001", "review")
    seen["nrp_sees"] = nrp.get("/cases", params={"project_code": code}).json()["items"]
    for action in ("review", "approve", "conclude"):
        seen[f"nrp_{action}"] = done(act(nrp, "DRC-001", action, f"牵头部门{action}：同意"))
    seen["stage_after"] = eventually(lambda: (lambda s: s if s["state"] == "concluded" else None)(
        clerk.get(f"/projects/{code}/stages").json()["items"][0]))
    seen["cases_after"] = {item: clerk.get(f"/cases/{case_id}").json() for item, case_id in cases.items()}

    def overview_with_every_event():
        body = supervisor.get(f"/supervision/projects/{code}").json()
        types = [e["type"] for e in body.get("timeline", [])]
        return body if types.count("case.recalled") >= 2 and "stage.concluded" in types else None
    seen["overview"] = eventually(overview_with_every_event, timeout=60)
    seen["decisions"] = stage_decisions(platform, cases.values())
    return seen


def test_a_second_supplement_notice_without_the_lead_departments_reason_is_refused(run):
    problem = assert_problem(run["second_without_reason"], 422)
    assert "second_supplement_reason" in json.dumps(problem, ensure_ascii=False)
    assert "一次性告知" in problem["detail"]
    assert run["second_by_drc"].status_code == 403       # only the lead department records the reason
    second = run["second"]
    assert (second["state"], second["supplement_notices"]) == ("supplementing", 2)
    recorded = second["history"][-1]
    assert (recorded["action"], recorded["reason"], recorded["department"]) == \
        ("request_supplement", SECOND_REASON, "NRP")


def test_supervision_sees_the_recorded_reason_of_the_second_notice(run):
    summaries = [e["summary"] for e in run["overview"]["timeline"] if e["type"] == "case.supplement_requested"]
    assert len(summaries) == 2 and SECOND_REASON not in summaries[0] and SECOND_REASON in summaries[1]
    assert "第 2 次补正" in summaries[1]


def test_the_lapsed_case_goes_to_the_lead_department_and_the_silent_department_may_not_act(run):
    drc = run["swept"]["DRC-001"]
    assert (drc["state"], drc["lapsed_on"], drc["lapse_action"], drc["recalled_to"]) == \
        ("accepted", "2026-03-05", "return_to_lead", "NRP")
    assert run["stage_before"]["state"] == "open"       # the lead department decides the case first
    assert_problem(run["drc_acts"], 403)
    assert run["cases"]["DRC-001"] in {c["case_id"] for c in run["nrp_sees"]}
    history = [(h["action"], h["role"], h["department"]) for h in run["cases_after"]["DRC-001"]["history"]]
    assert history == [("accept", "officer", "DRC"), ("no_opinion", "system", None), ("recall", "system", None),
                       ("review", "officer", "NRP"), ("approve", "officer", "NRP"), ("conclude", "officer", "NRP")]


def test_the_case_configured_as_no_objection_concludes_without_its_department(run):
    eqb = run["cases_after"]["EQB-001"]
    assert (eqb["state"], eqb["concluded_on"], eqb["lapse_action"], eqb["recalled_to"]) == \
        ("concluded", "2026-03-05", "no_objection", None)
    assert [(h["action"], h["role"]) for h in eqb["history"]] == \
        [("deemed_accept", "system"), ("no_opinion", "system"), ("recall", "system")]
    assert [f["label"] for f in eqb["feedback"]] == ["视为受理", "逾期未反馈意见（视为无意见）", "到期自动收回"]


def test_the_stage_concludes_without_the_silent_departments(run):
    stage = run["stage_after"]
    assert (stage["state"], stage["concluded_on"]) == ("concluded", "2026-03-05")
    assert {c["item_code"]: c["state"] for c in stage["cases"]} == dict.fromkeys(run["cases"], "concluded")


def test_two_replicas_did_the_work_once(run):
    decisions, cases = run["decisions"], run["cases"]
    for item in ("DRC-001", "EQB-001"):
        assert decisions[(cases[item], "no_opinion")] == 1, item
        assert decisions[(cases[item], "recall")] == 1, item
    assert (cases["NRP-001"], "no_opinion") not in decisions
    assert decisions[(cases["EQB-001"], "deemed_accept")] == 1
    timeline = [e["type"] for e in run["overview"]["timeline"]]
    assert (timeline.count("case.lapsed"), timeline.count("case.recalled"), timeline.count("stage.concluded")) == \
        (2, 2, 1)
    recalled = [e["summary"] for e in run["overview"]["timeline"] if e["type"] == "case.recalled"]
    assert any("由牵头部门 NRP 决定" in s for s in recalled) and any("按无异议办结" in s for s in recalled)
