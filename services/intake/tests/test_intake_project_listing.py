"""Registering and listing projects on a unit of work held in memory: where a registration came from,
whose name it carries, who finds which projects."""
import copy
import io

import pytest
from pypdf import PdfReader

from intake import handlers
from intake.schemas import CatalogIn
from intake_fakes import CATALOG, FakeStaged, fake_uow
from platform_kit import query_code
from platform_kit.errors import Forbidden, ValidationFailed
from platform_kit.identity import Identity
from platform_kit.validation import load
from test_intake_use_cases import APPLICANT, CLERK, FORM, OPERATOR, OTHER, TODAY

ORG = APPLICANT.org


@pytest.fixture
def uow():
    uow = fake_uow()
    handlers.load_catalog(load(CatalogIn(), CATALOG), OPERATOR, uow)
    return uow


def register(uow, who, name="焦作市第一人民医院门诊楼建设项目", region="410800", **extra):
    return handlers.register_project({"name": name, "category": "gov_building", "region": region, "attributes": {},
                                      "applicant_org": None, "applicant_name": None, **extra}, who, uow, TODAY)


def test_an_applicant_registers_online_and_the_window_at_the_window(uow):
    assert register(uow, APPLICANT)["source"] == "online"
    assert register(uow, CLERK, applicant_org=ORG, applicant_name="焦作市第一人民医院")["source"] == "window"


def test_the_project_carries_its_construction_units_name(uow):
    own = register(uow, APPLICANT)
    assert own["applicant_name"] == APPLICANT.name
    at_window = register(uow, CLERK, applicant_org=ORG, applicant_name="焦作市第一人民医院")
    assert at_window["applicant_name"] == "焦作市第一人民医院"
    with pytest.raises(ValidationFailed) as refused:
        register(uow, CLERK, applicant_org=ORG)
    assert refused.value.errors[0]["field"] == "applicant_name"
    pushed = handlers.push_project({"project_code": "2026-410800-48-01-000900", "name": "推送项目",
                                    "category": "gov_building", "region": "410800", "applicant_org": ORG,
                                    "applicant_name": "焦作市建设投资集团", "attributes": {}}, OPERATOR, uow)
    assert (pushed["source"], pushed["applicant_name"]) == ("investment_platform", "焦作市建设投资集团")
    assert uow.emitted[-1].payload["applicant_name"] == "焦作市建设投资集团"


def test_documents_name_the_construction_unit_not_its_role(uow):
    code = register(uow, APPLICANT)["project_code"]
    voucher = handlers.submit_declaration(code, {"stage": "land_use_planning", "form": FORM, "material_ids": []},
                                          APPLICANT, uow, TODAY)["voucher"]
    facts = uow.documents.get(voucher["document_id"]).facts
    assert facts["applicant"] == f"{APPLICANT.name}（统一社会信用代码 {ORG}）"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(
        handlers.get_document(voucher["document_id"], APPLICANT, uow)["content"])).pages)
    assert APPLICANT.name in text and "查询码" in text


def test_a_query_code_is_answered_once_and_kept_as_its_digest(uow):
    registered = register(uow, APPLICANT)
    code, secret = registered["project_code"], registered["query_code"]
    assert query_code.PATTERN.fullmatch(secret)
    event = uow.emitted[-1]
    assert event.type == "project.registered"
    assert event.payload["query_code_digest"] == query_code.digest(code, secret)
    assert query_code.matches(code, secret.lower(), event.payload["query_code_digest"])
    [kept] = uow.projects.query_codes(code)
    assert kept.digest == query_code.digest(code, secret) and secret not in repr(kept)
    assert handlers.get_project(code, APPLICANT, uow)["query_code"] is None

    reissued = handlers.reissue_query_code(code, {"reason": "查询码遗失"}, CLERK, uow, TODAY)
    assert reissued["query_code"] != secret
    event = uow.emitted[-1]
    assert (event.type, event.payload["query_code_digest"], event.payload["issued_by"]) == (
        "project.query_code_issued", query_code.digest(code, reissued["query_code"]), CLERK.sub)
    assert [(c.issued_by, c.reason) for c in uow.projects.query_codes(code)] == [
        (APPLICANT.sub, None), (CLERK.sub, "查询码遗失")]


def test_an_applicant_lists_its_own_projects_staff_those_of_their_region(uow):
    mine = register(uow, APPLICANT, name="门诊楼建设项目")["project_code"]
    other = register(uow, OTHER, name="幼儿园建设项目", region="410821")["project_code"]
    elsewhere = register(uow, CLERK, name="修武县某项目", region="410825", applicant_org=ORG,
                         applicant_name="焦作市第一人民医院")["project_code"]
    pushed = handlers.push_project({"project_code": "2026-410800-48-01-000900", "name": "推送项目",
                                    "category": "gov_building", "region": "410800", "applicant_org": ORG,
                                    "attributes": {}}, OPERATOR, uow)["project_code"]

    def codes(who, **filters):
        page = handlers.list_projects({"limit": 50, "offset": 0, **filters}, who, uow)
        assert page["total"] == len(page["items"])
        return [p["project_code"] for p in page["items"]]

    assert codes(APPLICANT) == [pushed, elsewhere, mine]          # newest first
    assert codes(OTHER) == [other]
    city_clerk = Identity(sub="clerk-2", role="clerk", name="窗口", region="410800")
    assert set(codes(city_clerk)) == {mine, other, elsewhere, pushed}
    county = Identity(sub="nrp-2", role="officer", name="解放区", department="NRP", region="410821")
    assert codes(county) == [other]
    assert codes(Identity(sub="s", role="supervisor", name="监察", region="410825")) == [elsewhere]
    assert set(codes(OPERATOR)) == {mine, other, elsewhere, pushed}
    assert codes(Identity(sub="c", role="clerk", name="无区划")) == []
    with pytest.raises(Forbidden):
        codes(Identity(sub="a", role="dept_admin", name="管理员", department="NRP", region="410800"))

    assert codes(OPERATOR, q="幼儿园") == [other]
    assert codes(OPERATOR, q="410800-48-01-000001") == [mine]
    assert codes(OPERATOR, source="investment_platform") == [pushed]
    assert codes(OPERATOR, source="online") == [other, mine]
    assert codes(OPERATOR, region="410821") == [other]
    assert codes(OPERATOR, category="gov_linear") == []
    page = handlers.list_projects({"limit": 1, "offset": 1}, APPLICANT, uow)
    assert (page["total"], [p["project_code"] for p in page["items"]]) == (3, [elsewhere])


def test_an_applicants_inbox_holds_the_documents_of_its_projects(uow):
    mine = register(uow, APPLICANT)["project_code"]
    theirs = register(uow, OTHER)["project_code"]
    for code, who in ((mine, APPLICANT), (theirs, OTHER), (mine, APPLICANT)):
        handlers.upload_material(code, {"name": "建设项目用地预审与选址意见书"}, who, uow, FakeStaged())
    first = handlers.submit_declaration(mine, {"stage": "land_use_planning", "form": FORM, "material_ids": []},
                                        APPLICANT, uow, TODAY)["voucher"]
    handlers.submit_declaration(theirs, {"stage": "land_use_planning", "form": FORM, "material_ids": []},
                                OTHER, uow, TODAY)
    inbox = handlers.list_my_documents({"limit": 50, "offset": 0}, APPLICANT, uow)
    assert inbox["total"] == 1
    [entry] = inbox["items"]
    assert (entry["document_id"], entry["project_code"], entry["project_name"], entry["title"]) == (
        first["document_id"], mine, "焦作市第一人民医院门诊楼建设项目", "登记凭单")
    with pytest.raises(Forbidden):
        handlers.list_my_documents({"limit": 50, "offset": 0}, CLERK, uow)


def test_the_guide_carries_the_items_questions_and_common_errors(uow):
    guide = handlers.preview_guide({"category": "gov_building", "attributes": {}, "region": None}, uow)
    item = guide["stages"][0]["items"][0]
    assert item["faq"] and all(set(q) == {"question", "answer"} for q in item["faq"])
    assert item["common_errors"]
    for category in CATALOG["categories"]:
        for entry in category["stages"][0]["items"]:
            assert 2 <= len(entry["faq"]) + len(entry["common_errors"]) and entry["common_errors"], entry["code"]


def test_a_catalog_with_guide_entries_is_a_new_version_and_the_same_one_again_is_not(uow):
    changed = copy.deepcopy(CATALOG)
    changed["categories"][0]["stages"][0]["items"][0]["faq"].append({"question": "能否网上申报？", "answer": "可以。"})
    loaded = handlers.load_catalog(load(CatalogIn(), changed), OPERATOR, uow)
    assert loaded["version"] == 2 and not loaded.get("unchanged")
    assert handlers.load_catalog(load(CatalogIn(), changed), OPERATOR, uow)["unchanged"]
    kept = handlers.get_catalog(uow, 2)["categories"][0]["stages"][0]["items"][0]
    assert kept["faq"][-1] == {"question": "能否网上申报？", "answer": "可以。"}
    plain = copy.deepcopy(CATALOG)
    for category in plain["categories"]:
        for stage in category["stages"]:
            for item in stage["items"]:
                item.pop("faq", None), item.pop("common_errors", None)
    loaded = handlers.load_catalog(load(CatalogIn(), plain), OPERATOR, uow)
    assert "faq" not in handlers.get_catalog(uow, loaded["version"])["categories"][0]["stages"][0]["items"][0]
    with pytest.raises(ValidationFailed):
        bad = copy.deepcopy(CATALOG)
        bad["categories"][0]["stages"][0]["items"][0]["faq"] = [{"question": "只有问题"}]
        load(CatalogIn(), bad)
