"""A joint drawing review (联合审图, 002 §14–§17) end to end, over HTTP only, on real RabbitMQ and
PostgreSQL, with two replicas of the consult service sweeping deadlines. It runs in the land-use
stage, the first a project can declare (a later stage waits for the earlier ones to conclude), led by
NRP in the demo catalog.

Mon 2026-03-02: the project declares its land-use stage (lead department NRP, 18 working days).
NRP convenes a joint review of DRC, HCD and FIRE, answers due in 3 working days (Thu 03-05); a
convening by DRC (not the lead) and a deadline past the stage's promised time are refused. DRC
answers 有条件同意, HCD an explicit 无意见 (an answer too), MET (not invited) is refused; FIRE stays
silent, and NRP cannot record the minutes while FIRE is within the deadline. Fri 03-06: the sweeper
has recorded FIRE as no opinion and as failing to answer (joint_review.no_answer, once, on the
supervision timeline); a late answer is refused; NRP records the minutes and conclusion. The window
issues the minutes PDF naming the conclusion, and the stage's open cases show the conclusion in their
history.
"""
import io

import pytest
from pypdf import PdfReader

import platforms
from test_end_to_end import assert_problem, eventually, login
from test_four_stage_flow import FORMS, new_officer

STAGE = "land_use_planning"
CONCLUSION = "施工图联合审查通过，按发展改革部门所提条件修改后实施"
MINUTES = "2026年3月4日召开线下会审，发展改革、住房城乡建设部门参加，消防救援支队未到会亦未反馈意见。"


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory):
    with platforms.dated_platform(postgres, tmp_path_factory.mktemp("joint-review"), "2026-03-02",
                                  label="joint", extra_env={"CONSULT_SWEEP_SECONDS": "1"}) as running:
        running.start_service("consult", replica=2)   # two replicas sweep the same deadlines
        running.wait_ready()
        yield running


@pytest.fixture(scope="module")
def run(platform):
    seen = {}
    applicant, clerk, supervisor = login(platform, "applicant"), login(platform, "clerk"), login(platform, "supervisor")
    nrp, drc, hcd = login(platform, "nrp-officer"), login(platform, "drc-officer"), login(platform, "hcd-officer")
    operator = login(platform, "operator")
    fire = new_officer(platform, operator, "fire-officer", "FIRE", "消防救援支队 审批人员")
    met = new_officer(platform, operator, "met-officer", "MET", "气象局 审批人员")

    # ------------------------------------------------------------ Mon 03-02: declared, NRP convenes
    registered = applicant.post("/projects", json={
        "name": "焦作市妇幼保健院门诊楼建设项目", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 1500.0}})
    assert registered.status_code == 201, registered.text
    code = registered.json()["project_code"]
    declared = applicant.post(f"/projects/{code}/declarations",
                              json={"stage": STAGE, "form": FORMS[STAGE], "material_ids": []})
    assert declared.status_code == 201, declared.text

    def opened():
        response = clerk.get(f"/projects/{code}/stages")
        stages = response.json()["items"] if response.status_code == 200 else []
        return stages[0] if stages and stages[0]["cases"] else None
    stage = eventually(opened)
    seen.update(code=code, stage=stage)
    body = {"kind": "construction_drawings", "stage_id": stage["stage_id"], "project_code": code,
            "invitees": ["DRC", "HCD", "FIRE"], "subject": "门诊楼施工图联合审查（建筑、结构、消防、节能）",
            "meeting_on": "2026-03-04", "place": "焦作市民之家三楼第二会议室", "due_days": 3}

    def convene():   # the consult service learns of the stage from stage.opened
        response = nrp.post("/joint-reviews", json=body)
        return response if response.status_code != 422 else None
    convened = eventually(convene)
    assert convened.status_code == 201, convened.text
    # once the consult service knows the stage: only its lead department convenes, within its time
    seen["by_drc"] = drc.post("/joint-reviews", json=body)
    seen["too_late"] = nrp.post("/joint-reviews", json={**body, "due_days": 25})
    review = seen["convened"] = convened.json()
    review_id = review["id"]
    seen["drc_inbox"] = drc.get("/joint-reviews", params={"role": "invited", "state": "open"}).json()
    seen["drc"] = drc.post(f"/joint-reviews/{review_id}/answers", json={
        "kind": "conditional", "opinion": "原则同意施工图设计", "conditions": "补充节能计算书并按节能标准复核外墙保温"})
    seen["hcd"] = hcd.post(f"/joint-reviews/{review_id}/answers", json={"kind": "none", "opinion": "无意见"})
    seen["met"] = met.post(f"/joint-reviews/{review_id}/answers", json={"kind": "agree", "opinion": "同意"})
    seen["hcd_again"] = hcd.post(f"/joint-reviews/{review_id}/answers", json={"kind": "agree", "opinion": "同意"})
    seen["early_minutes"] = nrp.post(f"/joint-reviews/{review_id}/minutes",
                                     json={"minutes": MINUTES, "conclusion": CONCLUSION})

    # ------------------------------------------------------------ Fri 03-06: the sweepers act
    platforms.set_today(platform, "2026-03-06")
    # the silence shows as soon as the deadline has passed; wait until a sweeper has recorded it
    seen["swept"] = eventually(lambda: (lambda r: r if r["failed_to_answer"] and r["status"] == "answered" else None)(
        nrp.get(f"/joint-reviews/{review_id}").json()), timeout=60)
    seen["fire_late"] = fire.post(f"/joint-reviews/{review_id}/answers", json={"kind": "agree", "opinion": "同意"})
    seen["minutes"] = nrp.post(f"/joint-reviews/{review_id}/minutes",
                               json={"minutes": MINUTES, "conclusion": CONCLUSION})

    def minutes_issued():
        items = applicant.get(f"/projects/{code}/documents").json()["items"]
        return [d for d in items if d["kind"] == "joint_review_minutes"] or None
    seen["documents"] = eventually(minutes_issued, timeout=60)
    seen["pdf"] = applicant.get(f"/documents/{seen['documents'][0]['document_id']}/content")

    def cases_with_conclusion():
        cases = [clerk.get(f"/cases/{c['case_id']}").json() for c in stage["cases"]]
        done = all(any(h["action"] == "joint_review_concluded" for h in c["history"]) for c in cases)
        return cases if done else None
    seen["cases"] = eventually(cases_with_conclusion, timeout=60)

    def timeline():
        body = supervisor.get(f"/supervision/projects/{code}").json()
        entries = body.get("timeline", [])
        return entries if any(e["type"] == "joint_review.concluded" for e in entries) else None
    seen["timeline"] = eventually(timeline, timeout=60)
    return seen


def test_only_the_lead_department_convenes_and_within_the_stages_promised_time(run):
    assert_problem(run["by_drc"], 403)
    problem = assert_problem(run["too_late"], 422)
    assert [e["field"] for e in problem["errors"]] == ["due_days"]
    review = run["convened"]
    assert (review["convened_by"], review["invitees"], review["due_on"], review["status"]) == \
        ("NRP", ["DRC", "HCD", "FIRE"], "2026-03-05", "open")
    assert review["id"] in [r["id"] for r in run["drc_inbox"]["items"]]


def test_every_invitee_answers_once_and_an_explicit_no_opinion_is_an_answer(run):
    assert run["drc"].status_code == 201, run["drc"].text
    answered = run["hcd"].json()
    assert run["hcd"].status_code == 201 and answered["outstanding"] == ["FIRE"]
    assert [(a["department"], a["opinion_kind"]) for a in answered["answers"]] == [("DRC", "conditional"),
                                                                                   ("HCD", "none")]
    assert_problem(run["hcd_again"], 409)
    assert_problem(run["met"], 403)                          # not invited
    problem = assert_problem(run["early_minutes"], 409)
    assert "FIRE" in problem["detail"]


def test_the_silent_department_is_no_opinion_and_failed_to_answer(run):
    swept = run["swept"]
    assert swept["failed_to_answer"] == ["FIRE"] and swept["status"] == "answered"
    fire = [a for a in swept["answers"] if a["department"] == "FIRE"]
    assert [(a["opinion_kind"], a["on_time"], a["answered_by"], a["answered_on"]) for a in fire] == \
        [("no_opinion", False, "system", "2026-03-06")]
    assert_problem(run["fire_late"], 409)
    no_answers = [e for e in run["timeline"] if e["type"] == "joint_review.no_answer"]
    assert len(no_answers) == 1                              # two replicas: recorded once
    assert "FIRE" in no_answers[0]["summary"] and "未按时反馈" in no_answers[0]["summary"]


def test_the_minutes_are_issued_and_the_stages_cases_show_the_conclusion(run):
    assert run["minutes"].status_code == 200, run["minutes"].text
    closed = run["minutes"].json()
    assert (closed["status"], closed["conclusion"], closed["failed_to_answer"]) == ("closed", CONCLUSION, ["FIRE"])
    assert [d["title"] for d in run["documents"]] == ["会审纪要"]
    assert run["pdf"].status_code == 200 and run["pdf"].headers["content-type"].startswith("application/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(run["pdf"].content)).pages).replace("\n", "")
    for expected in ("会审纪要", "联合审图", CONCLUSION, "有条件同意", "无意见", "未按时反馈"):
        assert expected in text, expected
    for case in run["cases"]:
        entries = [h for h in case["history"] if h["action"] == "joint_review_concluded"]
        assert len(entries) == 1 and entries[0]["opinion"] == CONCLUSION
        assert entries[0]["details"]["failed_to_answer"] == ["FIRE"]
    concluded = [e for e in run["timeline"] if e["type"] == "joint_review.concluded"]
    assert len(concluded) == 1 and CONCLUSION in concluded[0]["summary"]
