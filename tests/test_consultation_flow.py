"""A consultation on the planning permit (001 二–四, 004 §14), over HTTP only, on real RabbitMQ and
PostgreSQL, in simulated days of June 2026 (no holiday between 06-01 and 06-09).

Mon 06-01: a gov_building project goes through stage 1; it declares stage 2 (engineering_permit)
with a design drawing. NRP accepts its case NRP-002 (建设工程规划许可证) and opens the consultation
from the catalog's rule: FIRE and CAD, 5 working days (06-02 1, 03 2, 04 3, 05 4, Mon 06-08 5).
FIRE replies 有条件同意 with a condition and reads the case and its materials; CAD is silent; an
officer of a department not asked reads nothing; NRP reviews, and its approval is refused, naming
CAD. Bad input writes nothing. Tue 06-09 (the 6th working day): CAD is recorded as no opinion; NRP
countersigns; the applicant downloads the countersign record (会签意见书); FIRE reads no more; NRP
approves.
"""
import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, text

import platforms
from test_end_to_end import PDF, assert_problem, eventually, login
from test_four_stage_flow import ATTRIBUTES, FORMS, new_officer

CONDITION = "室外消防车道宽度不小于4米，转弯半径不小于12米"
QUESTION = "请对焦作市疾控中心业务用房建设工程设计方案提出意见"


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory):
    # consult's deadline sweeper passes every second (not every 30 s): the run waits on its pass
    with platforms.dated_platform(postgres, tmp_path_factory.mktemp("consult-platform"), "2026-06-01",
                                  label="consult", extra_env={"CONSULT_SWEEP_SECONDS": "1"}) as running:
        yield running


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def stage_cases(clerk, code, stage, count):
    def opened():
        response = clerk.get(f"/projects/{code}/stages")
        if response.status_code != 200:
            return None
        found = [s for s in response.json()["items"] if s["stage"] == stage]
        return found[0] if found and len(found[0]["cases"]) == count else None
    return {c["item_code"]: c["case_id"] for c in eventually(opened)["cases"]}


def replies_of(consultation):
    return {r["department"]: r for r in consultation["replies"]}


@pytest.fixture(scope="module")
def run(platform):
    seen = {}
    operator, applicant, clerk = login(platform, "operator"), login(platform, "applicant"), login(platform, "clerk")
    nrp, drc, hcd = login(platform, "nrp-officer"), login(platform, "drc-officer"), login(platform, "hcd-officer")
    fire = new_officer(platform, operator, "fire-officer", "FIRE", "消防救援支队 审批人员")
    cad = new_officer(platform, operator, "cad-officer", "CAD", "人民防空办公室 审批人员")

    # ------------------------------------------------------------ Mon 06-01: stage 1, then stage 2
    code = ok(applicant.post("/projects", json={
        "name": "焦作市疾病预防控制中心业务用房建设项目", "category": "gov_building", "region": "410800",
        "attributes": ATTRIBUTES}), 201)["project_code"]
    ok(applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": FORMS["land_use_planning"], "material_ids": []}), 201)
    first = stage_cases(clerk, code, "land_use_planning", 2)
    for item, officer in (("NRP-001", nrp), ("DRC-001", drc)):
        for action in ("accept", "review", "approve", "conclude"):
            ok(officer.post(f"/cases/{first[item]}/actions", json={"action": action, "opinion": "同意"}))
    eventually(lambda: "land_use_planning" in applicant.get(f"/projects/{code}").json()["concluded_stages"])
    material = ok(applicant.post(f"/projects/{code}/materials", data={"name": "建设工程设计方案总平面图"},
                                 files={"file": ("plan.pdf", PDF, "application/pdf")}), 201)
    ok(applicant.post(f"/projects/{code}/declarations", json={
        "stage": "engineering_permit", "form": FORMS["engineering_permit"],
        "material_ids": [material["material_id"]]}), 201)
    case_id = stage_cases(clerk, code, "engineering_permit", 4)["NRP-002"]
    seen.update(code=code, case_id=case_id, material=material)
    ok(nrp.post(f"/cases/{case_id}/actions", json={"action": "accept", "opinion": "材料齐全，予以受理"}))

    def initiated():
        return ok(nrp.get("/consultations", params={"role": "initiated", "department": "NRP"}))["total"]

    # the rule decides who is asked and by when (once the consult service has the case's item from
    # stage.opened; until then an item without a rule needs its days: 422, nothing written)
    def open_by_rule():
        response = nrp.post("/consultations", json={"project_code": code, "case_id": case_id, "question": QUESTION})
        return response if response.status_code != 422 else None
    consultation = ok(eventually(open_by_rule), 201)
    seen["opened"] = consultation

    # bad input: each refused with its reason, nothing written
    seen["unknown_department"] = nrp.post("/consultations", json={
        "project_code": code, "case_id": case_id, "question": QUESTION, "asked_of": ["XYZ"]})
    seen["days_outside_rule"] = nrp.post("/consultations", json={
        "project_code": code, "case_id": case_id, "question": QUESTION, "due_days": 7})
    seen["initiated_after_bad_input"] = initiated()
    cid = consultation["id"]

    def case_read_by(who):
        return who.get(f"/cases/{case_id}")

    # FIRE is asked: once intake and stage have the consultation, it reads the case and its materials
    eventually(lambda: case_read_by(fire).status_code == 200)
    eventually(lambda: fire.get(f"/projects/{code}/materials").status_code == 200)
    seen["fire_case"] = case_read_by(fire)
    seen["fire_materials"] = fire.get(f"/projects/{code}/materials")
    seen["fire_content"] = fire.get(f"/materials/{material['material_id']}/versions/1/content")
    seen["hcd_case"], seen["hcd_materials"] = case_read_by(hcd), hcd.get(f"/projects/{code}/materials")
    seen["hcd_content"] = hcd.get(f"/materials/{material['material_id']}/versions/1/content")
    seen["drc_case"] = case_read_by(drc)

    seen["fire_reply"] = ok(fire.post(f"/consultations/{cid}/replies", json={
        "kind": "conditional", "opinion": "原则同意该设计方案", "conditions": CONDITION}), 201)
    seen["not_asked_reply"] = hcd.post(f"/consultations/{cid}/replies", json={"kind": "agree", "opinion": "同意"})
    ok(nrp.post(f"/cases/{case_id}/actions", json={"action": "review", "opinion": "审核通过"}))

    def refused_naming_cad():   # once stage has FIRE's reply too (a response of status 409 is falsy)
        response = nrp.post(f"/cases/{case_id}/actions", json={"action": "approve", "opinion": "同意"})
        detail = response.json().get("detail", "")
        return [response] if response.status_code == 409 and "CAD" in detail and "FIRE" not in detail else None
    [seen["early_approve"]] = eventually(refused_naming_cad)
    seen["before_deadline"] = ok(nrp.get(f"/consultations/{cid}"))

    # ------------------------------------------------------------ Tue 06-09: the 6th working day
    platforms.set_today(platform, "2026-06-09")

    def cad_no_opinion():
        found = ok(nrp.get(f"/consultations/{cid}"))
        return found if "CAD" in replies_of(found) else None
    seen["after_deadline"] = eventually(cad_no_opinion, timeout=60)
    seen["late_reply"] = cad.post(f"/consultations/{cid}/replies", json={"kind": "agree", "opinion": "同意"})
    seen["after_late_reply"] = ok(nrp.get(f"/consultations/{cid}"))
    seen["countersigned"] = ok(nrp.post(f"/consultations/{cid}/countersign", json={
        "summary": "同意该设计方案，按消防救援支队所提条件实施；人民防空办公室逾期未答复，视为无意见。"}))

    def countersign_record():
        items = ok(applicant.get(f"/projects/{code}/documents"))["items"]
        return next((d for d in items if d["kind"] == "countersign_record"), None)
    seen["record"] = eventually(countersign_record)
    seen["record_pdf"] = applicant.get(f"/documents/{seen['record']['document_id']}/content")

    eventually(lambda: fire.get(f"/projects/{code}/materials").status_code == 403)
    seen["fire_materials_after"] = fire.get(f"/projects/{code}/materials")
    seen["fire_content_after"] = fire.get(f"/materials/{material['material_id']}/versions/1/content")
    seen["fire_case_after"] = case_read_by(fire)
    seen["hcd_materials_after"] = hcd.get(f"/projects/{code}/materials")

    def approved():
        response = nrp.post(f"/cases/{case_id}/actions", json={"action": "approve", "opinion": "同意，按会签意见实施"})
        return response if response.status_code == 200 else None
    seen["approved"] = eventually(approved)
    seen["case_after"] = ok(clerk.get(f"/cases/{case_id}"))
    seen["audit"] = audited_reads(platform, "fire-officer")
    return seen


def audited_reads(platform, account):
    """(event, route, status) of the account's requests the gateway recorded in its audit trail."""
    engine = create_engine(platform.database_urls["gateway"])
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT event, route, status FROM audit_records WHERE actor = :a ORDER BY seq"),
                                {"a": account}).tuples().all()
    finally:
        engine.dispose()


def test_the_rule_consults_fire_and_civil_air_defence_within_five_working_days(run):
    opened = run["opened"]
    assert (opened["asked_by"], opened["asked_of"], opened["due_days"]) == ("NRP", ["CAD", "FIRE"], 5)
    assert (opened["opened_on"], opened["due_on"], opened["case_id"]) == ("2026-06-01", "2026-06-08", run["case_id"])


def test_bad_input_is_refused_with_its_reason_and_writes_nothing(run):
    unknown = assert_problem(run["unknown_department"], 422)
    assert "asked_of" in json.dumps(unknown["errors"]) and "XYZ" in json.dumps(unknown, ensure_ascii=False)
    days = assert_problem(run["days_outside_rule"], 422)
    assert [e["field"] for e in days["errors"]] == ["due_days"] and "5 个工作日" in days["errors"][0]["message"]
    assert run["initiated_after_bad_input"] == 1     # the rule's own consultation only
    not_asked = assert_problem(run["not_asked_reply"], 403)
    assert "HCD" in not_asked["detail"] and "不在本次征询对象中" in not_asked["detail"]
    late = assert_problem(run["late_reply"], 409)
    assert "已过" in late["detail"] and "视为无意见" in late["detail"]
    # neither the department not asked nor the late one has a reply of its own recorded
    assert set(replies_of(run["before_deadline"])) == {"FIRE"}
    assert replies_of(run["after_late_reply"])["CAD"]["opinion_kind"] == "no_opinion"
    assert "HCD" not in replies_of(run["after_late_reply"])


def test_the_case_is_not_approved_while_the_consultation_is_open(run):
    refused = assert_problem(run["early_approve"], 409)
    assert run["opened"]["id"] in refused["detail"] and "尚待 CAD 答复" in refused["detail"]
    assert refused["errors"][0]["field"] == "consultation_id"
    history = [h["action"] for h in run["case_after"]["history"]]
    assert history == ["accept", "review", "approve"]          # the refused approvals recorded nothing


def test_the_department_asked_reads_the_case_and_its_materials_during_the_consultation(run):
    assert run["fire_case"].status_code == 200 and run["fire_case"].json()["item_code"] == "NRP-002"
    listed = run["fire_materials"].json()["items"]
    assert run["material"]["material_id"] in {m["material_id"] for m in listed}
    assert run["fire_content"].status_code == 200 and run["fire_content"].content == PDF


def test_the_consulted_departments_downloads_and_refusals_are_audited(run):
    content = "/materials/{material_id}/versions/{version:int}/content"
    assert ("download", content, 200) in run["audit"]
    assert ("download", content, 403) in run["audit"]
    assert ("access_denied", "/projects/{code}/materials", 403) in run["audit"]


def test_a_department_not_asked_reads_nothing(run):
    for name in ("hcd_case", "hcd_materials", "hcd_content", "hcd_materials_after", "drc_case"):
        assert_problem(run[name], 403)


def test_after_the_countersign_the_department_asked_reads_nothing(run):
    for name in ("fire_materials_after", "fire_content_after", "fire_case_after"):
        assert_problem(run[name], 403)


def test_civil_air_defence_is_no_opinion_on_the_sixth_working_day_and_nrp_countersigns(run):
    replies = replies_of(run["after_deadline"])
    assert (replies["FIRE"]["opinion_kind"], replies["FIRE"]["conditions"]) == ("conditional", CONDITION)
    assert (replies["CAD"]["opinion_kind"], replies["CAD"]["replied_on"]) == ("no_opinion", "2026-06-09")
    countersigned = run["countersigned"]
    assert (countersigned["status"], countersigned["closed_on"]) == ("closed", "2026-06-09")


def test_the_applicant_downloads_the_countersign_record(run):
    assert run["record"]["title"] == "会签意见书"
    response = run["record_pdf"]
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).replace("\n", "")
    for expected in ("会签意见书", "消防", "有条件同意", CONDITION, "人民防空", "视为无意见", QUESTION):
        assert expected in text, expected


def test_only_after_the_countersign_nrp_approves(run):
    approved = run["approved"].json()
    assert (approved["state"], approved["case_id"]) == ("approved", run["case_id"])
    assert run["case_after"]["state"] == "approved"
