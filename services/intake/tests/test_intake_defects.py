"""Regions that exist, and who reads a project (least privilege, 000 §15–§16, 002 §35)."""
from datetime import date

import pytest

from intake import handlers
from intake.schemas import CatalogIn
from intake_fakes import CATALOG, FakeStaged, fake_uow
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Forbidden, ValidationFailed
from platform_kit.identity import Identity
from platform_kit.validation import load

ORG = "91410800MA44GT1X2B"
TODAY = date(2026, 11, 26)
PAGE = {"limit": 50, "offset": 0}
FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5, "investment_10k_yuan": 8600,
        "contact_name": "王建国", "contact_phone": "13903910000"}
APPLICANT = Identity(sub="applicant-1", role="applicant", name="王建国", org=ORG)
OTHER_ORG = Identity(sub="applicant-2", role="applicant", name="李四", org="91410800MA00000001")
CLERK = Identity(sub="clerk-1", role="clerk", name="窗口 李敏")
OPERATOR = Identity(sub="operator-1", role="operator", name="平台运营")
NRP = Identity(sub="nrp-1", role="officer", name="规划局 张伟", department="NRP", region="410800")
NRP_ADMIN = Identity(sub="nrp-admin", role="dept_admin", name="规划局 管理员", department="NRP", region="410800")
NRP_ELSEWHERE = Identity(sub="nrp-9", role="officer", name="规划局 外地", department="NRP", region="410821")
FIRE = Identity(sub="fire-1", role="officer", name="消防 孙七", department="FIRE", region="410800")
CITY_SUPERVISOR = Identity(sub="sup-1", role="supervisor", name="督查 周", region="410800")
COUNTY_SUPERVISOR = Identity(sub="sup-2", role="supervisor", name="督查 吴", region="410821")
OTHER_CITY_SUPERVISOR = Identity(sub="sup-3", role="supervisor", name="督查 郑", region="410100")


@pytest.fixture
def uow():
    uow = fake_uow()
    handlers.load_catalog(load(CatalogIn(), CATALOG), OPERATOR, uow)
    uow.emitted.clear()   # catalog.loaded: the tests below look at what projects publish
    return uow


def register(uow, region="410800", who=APPLICANT):
    return handlers.register_project({"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                      "region": region, "attributes": {}, "applicant_org": None}, who, uow, TODAY)


PUSHED = {"project_code": "2026-999999-48-01-000007", "name": "焦作市图书馆", "category": "gov_building",
          "region": "999999", "applicant_org": ORG, "attributes": {}}


# ------------------------------------------------------------------------------- regions
@pytest.mark.parametrize("region", ["999999", "410811", "110000"])
def test_a_region_the_catalog_does_not_know_is_refused_naming_the_field(uow, region):
    with pytest.raises(ValidationFailed) as caught:
        register(uow, region=region)
    assert caught.value.errors[0]["field"] == "region" and region in caught.value.errors[0]["message"]
    with pytest.raises(ValidationFailed) as caught:
        handlers.push_project(dict(PUSHED, region=region, project_code=f"2026-{region}-48-01-000007"),
                              OPERATOR, uow)
    assert caught.value.errors[0]["field"] == "region"
    assert uow.projects.projects == {} and uow.emitted == []


def test_every_region_of_the_catalog_registers(uow):
    for region in ("410800", "410821", "410825", "410882"):
        assert register(uow, region=region)["region"] == region
    pushed = handlers.push_project(dict(PUSHED, region="410825", project_code="2026-410825-48-01-000007"),
                                   OPERATOR, uow)
    assert pushed["outcome"] == "created"


# ------------------------------------------------------------------------------- who reads a project
def readers(uow, code, identities):
    """The identities that may read the project by every read of it."""
    found = set()
    for identity in identities:
        reads = [lambda: handlers.get_project(code, identity, uow),
                 lambda: handlers.list_materials(code, PAGE, identity, uow),
                 lambda: handlers.list_documents(code, PAGE, identity, uow),
                 lambda: handlers.get_guide(code, identity, uow),
                 lambda: handlers.get_checklist(code, "land_use_planning", identity, uow)]
        for declaration in uow.declarations.declarations:
            reads.append(lambda d=declaration: handlers.get_declaration(d.id, identity, uow))
        outcomes = set()
        for read in reads:
            try:
                read()
                outcomes.add(True)
            except Forbidden:
                outcomes.add(False)
        assert len(outcomes) == 1, (identity.sub, outcomes)   # every read of the project agrees
        if outcomes == {True}:
            found.add(identity.sub)
    return found


EVERYONE = (APPLICANT, OTHER_ORG, CLERK, OPERATOR, NRP, NRP_ADMIN, NRP_ELSEWHERE, FIRE, CITY_SUPERVISOR,
            COUNTY_SUPERVISOR, OTHER_CITY_SUPERVISOR)


def test_before_any_case_only_the_owner_the_window_the_operator_and_supervisors_of_the_region_read(uow):
    code = register(uow)["project_code"]
    handlers.upload_material(code, {"name": "土地出让合同"}, APPLICANT, uow, FakeStaged())
    assert readers(uow, code, EVERYONE) == {"applicant-1", "clerk-1", "operator-1", "sup-1"}


def test_an_officer_reads_a_project_once_a_case_of_their_department_in_their_region_concerns_it(uow):
    code = register(uow)["project_code"]
    handlers.submit_declaration(code, {"stage": "land_use_planning", "form": FORM, "material_ids": []},
                                APPLICANT, uow, TODAY)
    assert readers(uow, code, EVERYONE) == {"applicant-1", "clerk-1", "operator-1", "sup-1", "nrp-1", "nrp-admin"}


def test_a_county_project_is_read_by_the_county_department_and_supervisors_above_it(uow):
    code = register(uow, region="410821")["project_code"]
    handlers.submit_declaration(code, {"stage": "land_use_planning", "form": FORM, "material_ids": []},
                                APPLICANT, uow, TODAY)
    county_nrp = Identity(sub="nrp-410821", role="officer", name="修武 规划", department="NRP-410821",
                          region="410821")
    assert readers(uow, code, EVERYONE + (county_nrp,)) == {
        "applicant-1", "clerk-1", "operator-1", "sup-1", "sup-2", "nrp-410821"}


def test_a_case_the_stage_service_announced_lets_its_department_read(uow):
    code = register(uow)["project_code"]
    event = new_event("case.returned", source="stage", project_code=code,
                      actor=Actor(id="fire-1", role="officer", department="FIRE", region="410800"),
                      payload={"case_id": "case-fire-1", "stage_id": "stage-1", "stage": "land_use_planning",
                               "item_code": "FIRE-001", "item_name": "消防设计审查", "department": "FIRE",
                               "region": "410800", "on": TODAY, "opinion": "退回", "used_days": 3, "round": 1})
    handlers.record_case_fact(event, uow, "intake.on_case_returned")
    assert "fire-1" in readers(uow, code, EVERYONE)
    assert "nrp-1" not in readers(uow, code, EVERYONE)


def consultation(code, asked_of, consultation_id="cons-1", region="410800"):
    event = new_event("consultation.opened", source="consult", project_code=code,
                      actor=Actor(id="nrp-1", role="officer", department="NRP", region="410800"),
                      payload={"consultation_id": consultation_id, "case_id": "case-nrp-1", "asked_by": "NRP",
                               "region": region, "asked_of": asked_of, "question": "是否涉及消防？",
                               "due_on": date(2026, 12, 3)})
    return event


def countersigned(code, consultation_id="cons-1"):
    return new_event("consultation.closed", source="consult", project_code=code,
                     actor=Actor(id="nrp-1", role="officer", department="NRP", region="410800"), payload={
                         "consultation_id": consultation_id, "case_id": "case-nrp-1", "asked_by": "NRP",
                         "question": "是否符合消防、人防要求？", "opened_on": date(2026, 11, 2),
                         "due_on": date(2026, 11, 9), "summary": "同意，按消防部门所附条件实施。",
                         "closed_by": "nrp-1", "closed_on": date(2026, 11, 10), "replies": [
                             {"department": "FIRE", "opinion_kind": "conditional", "opinion": "原则同意",
                              "conditions": "消防车道宽度不小于4米", "replied_on": date(2026, 11, 4)},
                             {"department": "CAD", "opinion_kind": "no_opinion", "opinion": "逾期未反馈，视为无意见",
                              "replied_on": date(2026, 11, 10)}]})


FIRE_ELSEWHERE = Identity(sub="fire-9", role="officer", name="消防 外地", department="FIRE", region="410100")


def test_a_department_asked_in_a_consultation_reads_the_project_and_the_event_counts_once(uow):
    code = register(uow)["project_code"]
    assert "fire-1" not in readers(uow, code, EVERYONE)
    event = consultation(code, ["FIRE", "EQB"])
    assert handlers.record_consultation(event, uow, "intake.on_consultation_opened") is True
    assert handlers.record_consultation(event, uow, "intake.on_consultation_opened") is False
    assert uow.consultations.open_grants(code) == {("FIRE", "410800"), ("EQB", "410800")}
    # the department asked in the asking department's region, not the same department elsewhere
    assert readers(uow, code, EVERYONE + (FIRE_ELSEWHERE,)) == \
        {"applicant-1", "clerk-1", "operator-1", "sup-1", "fire-1"}


def test_the_countersign_ends_the_reading_of_the_departments_asked(uow):
    """001 二: the application and its materials are pushed to the departments asked for the time of
    the consultation; once it is countersigned they read the project no more."""
    code = register(uow)["project_code"]
    handlers.record_consultation(consultation(code, ["FIRE"]), uow, "intake.on_consultation_opened")
    handlers.record_consultation(consultation(code, ["FIRE"], consultation_id="cons-2"), uow,
                                 "intake.on_consultation_opened")
    assert "fire-1" in readers(uow, code, EVERYONE)
    handlers.close_consultation(countersigned(code), uow, "intake.on_consultation_closed")
    assert "fire-1" in readers(uow, code, EVERYONE)          # still asked in the second one
    handlers.close_consultation(countersigned(code, "cons-2"), uow, "intake.on_consultation_closed")
    assert "fire-1" not in readers(uow, code, EVERYONE)
    # a closure delivered before its opening ends it all the same
    handlers.close_consultation(countersigned(code, "cons-3"), uow, "intake.on_consultation_closed")
    handlers.record_consultation(consultation(code, ["FIRE"], consultation_id="cons-3"), uow,
                                 "intake.on_consultation_opened")
    assert "fire-1" not in readers(uow, code, EVERYONE)


def test_a_version_1_closure_ends_the_reading_and_issues_no_record(uow):
    code = register(uow)["project_code"]
    handlers.record_consultation(consultation(code, ["FIRE"]), uow, "intake.on_consultation_opened")
    closed = new_event("consultation.closed", source="consult", project_code=code, version=1,
                       actor=Actor(id="nrp-1", role="officer", department="NRP", region="410800"), payload={
                           "consultation_id": "cons-1", "case_id": "case-nrp-1", "closed_on": date(2026, 11, 10),
                           "replies": [{"department": "FIRE", "opinion_kind": "replied"}]})
    assert handlers.close_consultation(closed, uow, "intake.on_consultation_closed") is None
    assert "fire-1" not in readers(uow, code, EVERYONE)
    assert handlers.list_documents(code, PAGE, APPLICANT, uow)["items"] == []


def test_a_countersigned_consultation_issues_the_countersign_record_once(uow):
    """001 二: the combined opinion goes back to the applicant through the window (会签意见书)."""
    import io

    from pypdf import PdfReader

    code = register(uow)["project_code"]
    closed = countersigned(code)
    document = handlers.close_consultation(closed, uow, "intake.on_consultation_closed")
    assert handlers.close_consultation(closed, uow, "intake.on_consultation_closed") is None
    listed = handlers.list_documents(code, {"limit": 50, "offset": 0}, APPLICANT, uow)["items"]
    assert [(d["kind"], d["title"]) for d in listed] == [("countersign_record", "会签意见书")]
    pdf = handlers.get_document(document.id, APPLICANT, uow)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf["content"])).pages)
    for expected in ("会签意见书", "有条件同意", "消防车道宽度不小于4米", "逾期未反馈，视为无意见", "人民防空办公室",
                     "同意，按消防部门所附条件实施", "2026年11月10日"):
        assert expected in text.replace("\n", ""), expected
