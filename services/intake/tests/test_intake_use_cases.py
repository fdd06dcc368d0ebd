"""The intake use cases on a unit of work held in memory (no database, no broker): what each decides,
stores and announces."""
import io
from datetime import date

import pytest
from pypdf import PdfReader

from intake import handlers
from intake.render import documents as rendering
from intake.schemas import CatalogIn
from intake_fakes import CATALOG, FakeStaged, fake_uow
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_kit.identity import Identity
from platform_kit.validation import load

ORG = "91410800MA47Q0R12X"
APPLICANT = Identity(sub="applicant-1", role="applicant", name="王建国", org=ORG)
OTHER = Identity(sub="applicant-2", role="applicant", name="李四", org="91410800MA00000001")
CLERK = Identity(sub="clerk-1", role="clerk", name="窗口 李敏")
OPERATOR = Identity(sub="operator-1", role="operator", name="平台运营")
NRP = Identity(sub="nrp-1", role="officer", name="规划局 张伟", department="NRP", region="410800")
DRC = Identity(sub="drc-1", role="officer", name="发改委 赵六", department="DRC", region="410800")
FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5, "investment_10k_yuan": 8600,
        "contact_name": "王建国", "contact_phone": "13903910000"}
TODAY = date(2026, 11, 26)
PAGE = {"limit": 50, "offset": 0}


@pytest.fixture
def uow():
    uow = fake_uow()
    handlers.load_catalog(load(CatalogIn(), CATALOG), OPERATOR, uow)
    uow.emitted.clear()   # catalog.loaded: the tests below look at what projects publish
    return uow


def register(uow, who=APPLICANT, name="焦作市第一人民医院门诊楼建设项目", today=TODAY):
    return handlers.register_project({"name": name, "category": "gov_building", "region": "410800",
                                      "attributes": {}, "applicant_org": None}, who, uow, today)


def upload(uow, code, name="建设项目用地预审与选址意见书", who=APPLICANT, sha="ab", **extra):
    return handlers.upload_material(code, {"name": name, **extra}, who, uow, FakeStaged(sha256=sha * 32))


def declare(uow, code, material_ids=(), who=APPLICANT):
    return handlers.submit_declaration(code, {"stage": "land_use_planning", "form": FORM,
                                              "material_ids": list(material_ids)}, who, uow, TODAY)


def stage_event(event_type, code, **payload):
    return new_event(event_type, source="stage", project_code=code,
                     actor=Actor(id="nrp-1", role="officer", department="NRP", region="410800"), payload=payload)


def case_event(event_type, code, **extra):
    return stage_event(event_type, code, **{
        "case_id": "case-nrp-1", "stage_id": "stage-1", "stage": "land_use_planning", "item_code": "NRP-001",
        "item_name": "建设用地规划许可证", "department": "NRP", "region": "410800", "on": TODAY, "opinion": "",
        **extra})


def text_of(pdf):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")


# ------------------------------------------------------------------------------- projects
def test_register_project_numbers_per_year_and_region_and_announces_it(uow):
    first = register(uow)
    assert first["project_code"] == "2026-410800-48-01-000001"
    assert first["applicant_org"] == ORG and first["source"] == "online" and first["concluded_stages"] == []
    window = handlers.register_project({"name": "焦作市体育中心", "category": "gov_building", "region": "410800",
                                        "attributes": {}, "applicant_org": "91410800MA00000001",
                                        "applicant_name": "焦作市体育局"}, CLERK, uow, TODAY)
    assert window["project_code"] == "2026-410800-48-01-000002"
    next_year = register(uow, today=date(2027, 1, 4))
    assert next_year["project_code"] == "2027-410800-48-01-000001"
    [registered, *_] = uow.events("project.registered")
    assert registered.payload == {"project_code": first["project_code"], "name": "焦作市第一人民医院门诊楼建设项目",
                                  "category": "gov_building", "region": "410800", "applicant_org": ORG,
                                  "applicant_name": APPLICANT.name, "attributes": {},
                                  "query_code_digest": registered.payload["query_code_digest"]}
    assert len(uow.events("project.registered")) == 3
    with pytest.raises(Forbidden):
        handlers.register_project({"name": "x", "category": "gov_building", "region": "410800", "attributes": {},
                                   "applicant_org": "91410800MA00000001"}, APPLICANT, uow, TODAY)
    with pytest.raises(Forbidden):
        handlers.get_project(first["project_code"], OTHER, uow)
    with pytest.raises(Forbidden):   # no case of NRP concerns the project yet
        handlers.get_project(first["project_code"], NRP, uow)
    declare(uow, first["project_code"])
    assert handlers.get_project(first["project_code"], NRP, uow)["name"] == "焦作市第一人民医院门诊楼建设项目"


def test_push_project_registers_once_updates_with_revisions_and_refuses_conflicts(uow):
    pushed = {"project_code": "2026-410800-48-01-000007", "name": "焦作市图书馆", "category": "gov_building",
              "region": "410800", "applicant_org": ORG, "attributes": {}}
    created = handlers.push_project(pushed, OPERATOR, uow)
    assert (created["outcome"], created["revision"], created["source"]) == ("created", 1, "investment_platform")
    assert handlers.push_project(pushed, OPERATOR, uow)["outcome"] == "unchanged"
    updated = handlers.push_project({**pushed, "name": "焦作市图书馆新馆"}, OPERATOR, uow)
    assert (updated["outcome"], updated["revision"], updated["name"]) == ("updated", 2, "焦作市图书馆新馆")
    assert uow.projects.get(pushed["project_code"]).name == "焦作市图书馆新馆"
    assert [e.type for e in uow.emitted] == ["project.registered", "project.updated"]
    assert uow.events("project.registered")[0].payload["applicant_org"] == ORG
    with pytest.raises(Conflict):
        handlers.push_project({**pushed, "category": "industrial"}, OPERATOR, uow)
    with pytest.raises(ValidationFailed):
        handlers.push_project({**pushed, "project_code": "2026-410900-48-01-000008"}, OPERATOR, uow)
    # the window never hands out a number the investment platform used
    assert register(uow)["project_code"] == "2026-410800-48-01-000008"


# ------------------------------------------------------------------------------- materials
def test_upload_material_adds_versions_publishes_content_and_announces_it(uow):
    code = register(uow)["project_code"]
    staged = FakeStaged(sha256="cd" * 32)
    first = handlers.upload_material(code, {"name": "土地出让合同"}, APPLICANT, uow, staged)
    assert staged.published and uow.materials.locked == [staged.key]
    assert (first["version"], first["channel"], first["form"]) == (1, "electronic", "电子")
    second = upload(uow, code, who=CLERK, sha="ef", material_id=first["material_id"], channel="paper",
                    paper_copies=2, paper_pages=10)
    assert (second["material_id"], second["version"], second["form"]) == (first["material_id"], 2, "纸质（已扫描）")
    assert [e.payload["version"] for e in uow.events("material.uploaded")] == [1, 2]
    with pytest.raises(Forbidden):
        upload(uow, code, who=OTHER)
    with pytest.raises(Forbidden):   # paper is registered by the window clerk only (002 §5)
        upload(uow, code, channel="paper", paper_copies=1, paper_pages=1)
    with pytest.raises(NotFound):
        upload(uow, code, material_id="no-such-material")
    listed = handlers.list_materials(code, PAGE, APPLICANT, uow)
    assert listed["total"] == 1 and [v["version"] for v in listed["items"][0]["versions"]] == [1, 2]


def test_list_materials_pages(uow):
    code = register(uow)["project_code"]
    names = [f"材料{i}" for i in range(5)]
    for index, name in enumerate(names):
        upload(uow, code, name=name, sha=f"{index:02d}")
    page = handlers.list_materials(code, {"limit": 2, "offset": 3}, APPLICANT, uow)
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 3)
    assert [m["name"] for m in page["items"]] == names[3:5]


def test_verify_material_first_entry_by_a_department_handling_it(uow):
    code = register(uow)["project_code"]
    material = upload(uow, code)
    with pytest.raises(Forbidden):   # no declaration carries it yet
        handlers.verify_material(material["material_id"], 1, {"case_id": "case-nrp-1"}, NRP, uow, TODAY)
    declare(uow, code, [material["material_id"]])
    first = handlers.verify_material(material["material_id"], 1, {"case_id": "case-nrp-1"}, NRP, uow, TODAY)
    assert first["first_entry"] and first["verification"]["department"] == "NRP"
    again = handlers.verify_material(material["material_id"], 1, {"case_id": "case-nrp-2"}, NRP, uow, TODAY)
    assert not again["first_entry"] and again["verification"]["case_id"] == "case-nrp-1"
    [verified] = uow.events("material.verified")
    assert verified.payload["verified_on"] == TODAY and verified.payload["sha256"] == material["sha256"]
    with pytest.raises(NotFound):
        handlers.verify_material(material["material_id"], 2, {"case_id": "case-nrp-1"}, NRP, uow, TODAY)
    listed = handlers.list_materials(code, PAGE, APPLICANT, uow)["items"][0]
    assert listed["versions"][0]["verification"]["verified_by"] == "nrp-1"
    assert listed["declared_in"][0]["stage"] == "land_use_planning"


# ------------------------------------------------------------------------------- declarations and drafts
def test_submit_declaration_plans_items_issues_a_voucher_and_announces_it(uow):
    code = register(uow)["project_code"]
    material = upload(uow, code, who=CLERK, channel="paper", paper_copies=2, paper_pages=12)
    declared = declare(uow, code, [material["material_id"]], who=CLERK)
    assert declared["state"] == "open" and declared["items"]
    assert declared["voucher"]["kind"] == "registration_voucher"
    [voucher] = uow.documents.of_kind("registration_voucher")
    assert voucher.facts["materials"] == [{"name": "建设项目用地预审与选址意见书", "version": 1, "sha256": "ab" * 32,
                                           "form": "纸质（已扫描）", "copies": 2, "pages": 12}]
    assert voucher.facts["channel"] == "综合窗口"
    [submitted] = uow.events("declaration.submitted")
    assert submitted.payload["declaration_id"] == declared["declaration_id"]
    assert submitted.payload["materials"][0]["material_id"] == material["material_id"]
    with pytest.raises(Conflict):   # one open declaration per stage
        declare(uow, code)
    with pytest.raises(ValidationFailed):   # the form is checked against the catalog's
        handlers.submit_declaration(register(uow)["project_code"], {"stage": "land_use_planning", "form": {},
                                                                   "material_ids": []}, APPLICANT, uow, TODAY)
    with pytest.raises(Conflict):   # the stage before has not concluded
        handlers.submit_declaration(code, {"stage": "engineering_permit", "form": {}, "material_ids": []},
                                    APPLICANT, uow, TODAY)
    assert handlers.get_declaration(declared["declaration_id"], NRP, uow)["stage"] == "land_use_planning"
    with pytest.raises(Forbidden):
        handlers.get_declaration(declared["declaration_id"], OTHER, uow)


def test_save_draft_then_submit_it(uow):
    code = register(uow)["project_code"]
    material = upload(uow, code)
    saved = handlers.save_draft(code, {"stage": "land_use_planning", "form": {"construction_site": "焦作市"},
                                       "material_ids": [material["material_id"]]}, APPLICANT, uow)
    assert saved["revision"] == 1 and "form.contact_name" in {e["field"] for e in saved["outstanding"]}
    with pytest.raises(NotFound):   # nothing to submit for another stage
        handlers.submit_draft(code, "engineering_permit", APPLICANT, uow, TODAY)
    with pytest.raises(ValidationFailed):   # still incomplete
        handlers.submit_draft(code, "land_use_planning", APPLICANT, uow, TODAY)
    again = handlers.save_draft(code, {"stage": "land_use_planning", "form": FORM,
                                       "material_ids": [material["material_id"]]}, APPLICANT, uow)
    assert again["revision"] == 2 and again["outstanding"] == []
    declared = handlers.submit_draft(code, "land_use_planning", APPLICANT, uow, TODAY)
    draft = handlers.get_draft(code, "land_use_planning", NRP, uow)
    assert draft["declaration_id"] == declared["declaration_id"]
    with pytest.raises(Conflict):
        handlers.save_draft(code, {"stage": "land_use_planning", "form": FORM, "material_ids": []}, APPLICANT, uow)
    with pytest.raises(Conflict):
        handlers.submit_draft(code, "land_use_planning", APPLICANT, uow, TODAY)
    assert len(uow.events("declaration.submitted")) == 1


# ------------------------------------------------------------------------------- window documents, supplements
def request_supplement(uow, code, on=TODAY, days=10):
    return handlers.issue_case_document(
        case_event("case.supplement_requested", code, on=on, used_days=1,
                   opinion="建设项目用地预审与选址意见书：扫描件不清晰；土地出让合同：缺少附图"),
        uow, "intake.on_case_supplement_requested", "supplement_notice", days, on)


def test_supplement_notice_lists_materials_and_its_date(uow):
    code = register(uow)["project_code"]
    notice = request_supplement(uow, code)
    assert notice.facts["materials"] == [{"name": "建设项目用地预审与选址意见书", "reason": "扫描件不清晰"},
                                         {"name": "土地出让合同", "reason": "缺少附图"}]
    assert notice.facts["due_on"] == "2026-12-10" and notice.facts["due_estimated"] is False
    assert notice.facts["department"] == "焦作市自然资源和规划局"
    assert notice.document_no.startswith("410800补〔2026〕")
    assert [f.type for f in uow.case_facts.of_case("case-nrp-1")] == ["case.supplement_requested"]


def test_supplement_notice_due_in_an_unloaded_year_is_estimated_then_exact_once_loaded(uow):
    """A notice issued 2026-12-28 with 5 working days runs into 2027: before its schedule is loaded
    the date is counted Monday to Friday and flagged; afterwards it is counted with the holidays."""
    code = register(uow)["project_code"]
    estimated = request_supplement(uow, code, on=date(2026, 12, 28), days=5)
    assert estimated.facts["due_on"] == "2027-01-04" and estimated.facts["due_estimated"] is True
    assert rendering.ESTIMATED_DUE in text_of(handlers.render_document(estimated))
    uow.calendar.load(2027, [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)], [])
    exact = handlers.issue_case_document(
        case_event("case.supplement_requested", code, case_id="case-nrp-2", on=date(2026, 12, 28), used_days=1),
        uow, "intake.on_case_supplement_requested", "supplement_notice", 5, date(2026, 12, 28))
    assert exact.facts["due_on"] == "2027-01-05" and exact.facts["due_estimated"] is False
    assert rendering.ESTIMATED_DUE not in text_of(handlers.render_document(exact))


def test_estimated_due_date_is_printed_as_an_estimate():
    common = {"document_no": "410800补〔2026〕000001号", "project_code": "2026-410800-48-01-000001",
              "project_name": "项目", "applicant": "建设单位", "item_name": "建设用地规划许可证",
              "department": "焦作市自然资源和规划局", "materials": [{"name": "土地出让合同", "reason": "缺少附图"}],
              "due_on": "2027-01-04", "issued_on": "2026-12-28"}
    assert rendering.ESTIMATED_DUE in text_of(rendering.supplement_notice(**common, due_estimated=True))
    assert rendering.ESTIMATED_DUE not in text_of(rendering.supplement_notice(**common))


def test_submit_supplement_registers_it_once_with_a_voucher(uow):
    code = register(uow)["project_code"]
    material = upload(uow, code)
    declared = declare(uow, code, [material["material_id"]])
    with pytest.raises(Conflict):   # no supplement asked for yet
        handlers.submit_supplement(code, {"case_id": "case-nrp-1", "material_ids": [material["material_id"]]},
                                   APPLICANT, uow, TODAY)
    handlers.issue_case_document(case_event("case.accepted", code, limit_days=20, due_on=date(2026, 12, 24)),
                                 uow, "intake.on_case_accepted", "acceptance_notice", 10, TODAY)
    notice = request_supplement(uow, code, on=date(2026, 11, 30))
    newer = upload(uow, code, sha="99", material_id=material["material_id"])
    submitted = handlers.submit_supplement(code, {"case_id": "case-nrp-1", "material_ids": [material["material_id"]],
                                                  "note": "已重新扫描"}, APPLICANT, uow, date(2026, 12, 2))
    assert submitted["declaration_id"] == declared["declaration_id"]
    assert submitted["materials"] == [{"material_id": material["material_id"], "version": newer["version"],
                                       "name": material["name"], "sha256": "99" * 32}]
    voucher = uow.documents.get(submitted["voucher"]["document_id"])
    assert voucher.facts["subject"] == "补齐补正材料" and voucher.facts["summary"]["补正通知书"] == notice.document_no
    [event] = uow.events("supplement.submitted")
    assert event.payload["document_no"] == voucher.document_no and event.payload["stage"] == "land_use_planning"
    with pytest.raises(Conflict):   # one submission per request
        handlers.submit_supplement(code, {"case_id": "case-nrp-1", "material_ids": [material["material_id"]]},
                                   APPLICANT, uow, TODAY)
    with pytest.raises(NotFound):
        handlers.submit_supplement(register(uow)["project_code"], {"case_id": "case-nrp-1", "material_ids": ["x"]},
                                   APPLICANT, uow, TODAY)
    with pytest.raises(Forbidden):
        handlers.submit_supplement(code, {"case_id": "case-nrp-1", "material_ids": ["x"]}, OTHER, uow, TODAY)


def test_documents_page_and_redelivered_events_issue_nothing_new(uow):
    code = register(uow)["project_code"]
    accepted = case_event("case.accepted", code, limit_days=20, due_on=date(2026, 12, 24))
    for _ in range(2):
        handlers.issue_case_document(accepted, uow, "intake.on_case_accepted", "acceptance_notice", 10, TODAY)
    request_supplement(uow, code)
    listed = handlers.list_documents(code, {"limit": 1, "offset": 1}, APPLICANT, uow)
    assert (listed["total"], [d["kind"] for d in listed["items"]]) == (2, ["supplement_notice"])
    with pytest.raises(Forbidden):
        handlers.list_documents(code, PAGE, OTHER, uow)


# ------------------------------------------------------------------------------- stage conclusions
def test_record_stage_concluded_opens_the_next_stage_once(uow):
    code = register(uow)["project_code"]
    declared = declare(uow, code)
    payload = {"stage_id": "stage-1", "stage": "land_use_planning", "declaration_id": declared["declaration_id"],
               "received_on": TODAY, "concluded_on": date(2026, 12, 16), "due_on": date(2026, 12, 24),
               "on_time": True}
    concluded = stage_event("stage.concluded", code, **payload)
    assert handlers.record_stage_concluded(concluded, uow, "intake.on_stage_concluded")
    assert not handlers.record_stage_concluded(concluded, uow, "intake.on_stage_concluded")   # redelivered
    assert not handlers.record_stage_concluded(stage_event("stage.concluded", code, **payload), uow,
                                               "intake.on_stage_concluded")              # same stage, new id
    assert handlers.get_project(code, APPLICANT, uow)["concluded_stages"] == ["land_use_planning"]
    assert handlers.get_declaration(declared["declaration_id"], APPLICANT, uow)["state"] == "concluded"
    with pytest.raises(Conflict):   # concluded: not declared again
        declare(uow, code)
