"""One project carried end to end, over HTTP only, through every service on real RabbitMQ and PostgreSQL.

An operator loads the catalog; an applicant registers a project, uploads a material and declares
stage 1 (立项用地规划许可), whose two items belong to two departments; both officers find their
case in their work list and accept, review, approve and conclude it; the certificate service
issues a signed licence per approved case, verifiable at a public endpoint; the stage concludes;
supervision's read model, built from events only, shows both cases concluded on time.
"""
import copy
import time

import pytest
import requests

from platform_kit.identity import Identity, issue_token
from platform_kit.testing import ed25519_pem_pair

PASSWORD = "Demo@2026"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
STAGE_1_FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5,
                "investment_10k_yuan": 8600, "contact_name": "王建国", "contact_phone": "13903910000"}


class Client:
    def __init__(self, base, token=None):
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __getattr__(self, method):
        def call(path, **kwargs):
            return self.session.request(method.upper(), self.base + path, timeout=30, **kwargs)
        return call


def login(platform, account):
    """A client of `account`; operators and department administrators log in with their second factor
    too (:meth:`launcher.Platform.login`)."""
    return Client(platform.url, platform.login(account, PASSWORD))


def eventually(probe, timeout=30, interval=0.2):
    """Poll `probe` until it returns something truthy (events travel asynchronously)."""
    deadline = time.time() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


@pytest.fixture(scope="module")
def catalog(platform):
    return platform.seed_catalog()


@pytest.fixture(scope="module")
def flow(platform, catalog):
    """Runs the whole flow once; the tests below check its parts."""
    applicant = login(platform, "applicant")
    registered = applicant.post("/projects", json={
        "name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 12500.5}})
    assert registered.status_code == 201, registered.text
    project = registered.json()
    code = project["project_code"]

    upload = applicant.post(f"/projects/{code}/materials", data={"name": "建设项目用地预审与选址意见书"},
                            files={"file": ("site.pdf", PDF, "application/pdf")})
    assert upload.status_code == 201, upload.text
    material = upload.json()

    declared = applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": [material["material_id"]]})
    assert declared.status_code == 201, declared.text

    officers = {"NRP": login(platform, "nrp-officer"), "DRC": login(platform, "drc-officer")}
    cases = {}
    for department, officer in officers.items():
        def my_case(officer=officer):
            items = officer.get("/cases", params={"project_code": code}).json()["items"]
            return items[0] if items else None
        cases[department] = eventually(my_case)
        assert cases[department]["department"] == department
    for department, officer in officers.items():
        case_id = cases[department]["case_id"]
        for action in ("accept", "review", "approve", "conclude"):
            acted = officer.post(f"/cases/{case_id}/actions", json={"action": action, "opinion": f"{action} 同意"})
            assert acted.status_code == 200, acted.text
            assert acted.json()["state"] == {"accept": "accepted", "review": "reviewed",
                                             "approve": "approved", "conclude": "concluded"}[action]
    return {"code": code, "project": project, "material": material, "declaration": declared.json(),
            "cases": cases, "applicant": applicant, "officers": officers}


def test_project_gets_a_unified_code(flow):
    import re
    assert re.fullmatch(r"\d{4}-410800-48-01-\d{6}", flow["code"])


def test_each_department_sees_only_its_own_case(platform, flow):
    for department, officer in flow["officers"].items():
        listed = officer.get("/cases", params={"project_code": flow["code"]}).json()["items"]
        assert [c["department"] for c in listed] == [department]


def test_a_signed_licence_per_approved_case(platform, flow):
    applicant = flow["applicant"]
    licences = eventually(lambda: (lambda items: items if len(items) == 2 else None)(
        applicant.get(f"/projects/{flow['code']}/licences").json()["items"]))
    assert {l["document"]["item_code"] for l in licences} == {"NRP-001", "DRC-001"}
    public = Client(platform.url)  # no token: verification is public
    for licence in licences:
        full = applicant.get(f"/licences/{licence['licence_id']}").json()
        claim = {"document": full["document"], "signature": full["signature"], "key_id": full["key_id"]}
        verified = public.post("/licences/verify", json=claim)
        assert verified.status_code == 200 and verified.json()["valid"] is True, verified.text
        tampered = copy.deepcopy(claim)
        holder = tampered["document"]["holder"]
        tampered["document"]["holder"] = holder[:-1] + chr(ord(holder[-1]) + 1)  # one character changed
        assert public.post("/licences/verify", json=tampered).json()["valid"] is False


def test_the_stage_concludes_when_both_cases_have(flow):
    def concluded():
        stages = flow["applicant"].get(f"/projects/{flow['code']}/stages").json()["items"]
        return stages if stages and stages[0]["state"] == "concluded" else None
    stages = eventually(concluded)
    assert stages[0]["stage"] == "land_use_planning"
    assert {c["state"] for c in stages[0]["cases"]} == {"concluded"}


def test_supervision_sees_both_cases_concluded_on_time(platform, flow):
    supervisor = login(platform, "supervisor")

    def overview():
        body = supervisor.get(f"/supervision/projects/{flow['code']}").json()
        cases = [c for s in body.get("stages", []) for c in s["cases"]]
        return body if len(cases) == 2 and all(c.get("concluded_on") for c in cases) else None
    body = eventually(overview)
    cases = [c for s in body["stages"] for c in s["cases"]]
    assert all(c["on_time"] is True for c in cases)
    assert {c["department"] for c in cases} == {"NRP", "DRC"}
    stage = eventually(lambda: (lambda s: s if s.get("concluded_on") else None)(
        supervisor.get(f"/supervision/projects/{flow['code']}").json()["stages"][0]))
    assert stage["on_time"] is True


# ------------------------------------------------------------------------------------ bad input
def test_wrong_credentials(platform):
    response = requests.post(f"{platform.url}/auth/login", json={"account": "applicant", "password": "wrong"},
                             timeout=10)
    assert_problem(response, 401)
    response = requests.post(f"{platform.url}/auth/login", json={"account": "nobody", "password": "wrong"},
                             timeout=10)
    assert_problem(response, 401)


def test_expired_and_forged_tokens(platform, flow):
    expired = issue_token(platform.keys_dir.joinpath("jwt-private.pem").read_text(),
                          Identity(sub="applicant", role="applicant", name="x", org="91410800MA47Q0R12X"),
                          ttl_seconds=-30)
    assert_problem(Client(platform.url, expired).get(f"/projects/{flow['code']}"), 401)
    other_key, _ = ed25519_pem_pair()
    forged = issue_token(other_key, Identity(sub="operator", role="operator", name="x"))
    assert_problem(Client(platform.url, forged).get(f"/projects/{flow['code']}"), 401)
    assert_problem(Client(platform.url).get(f"/projects/{flow['code']}"), 401)


def test_malformed_json_and_missing_fields(platform, flow):
    applicant = flow["applicant"]
    response = applicant.post("/projects", data=b"{not json", headers={"Content-Type": "application/json"})
    assert_problem(response, 400)
    body = assert_problem(applicant.post("/projects", json={"category": "gov_building"}), 422)
    assert "name" in {e["field"] for e in body["errors"]}


def test_unknown_project_code(flow):
    assert_problem(flow["applicant"].get("/projects/2026-410800-48-01-999999"), 404)


def test_officer_cannot_act_on_another_departments_case(platform, flow, catalog):
    applicant = flow["applicant"]
    project = applicant.post("/projects", json={"name": "焦作市体育中心改造项目", "category": "gov_building",
                                                "region": "410800", "attributes": {}}).json()
    code = project["project_code"]
    declared = applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": []})
    assert declared.status_code == 201, declared.text
    nrp, drc = flow["officers"]["NRP"], flow["officers"]["DRC"]
    nrp_case = eventually(lambda: nrp.get("/cases", params={"project_code": code}).json()["items"])[0]
    assert_problem(drc.post(f"/cases/{nrp_case['case_id']}/actions", json={"action": "accept", "opinion": ""}), 403)
    # a transition that is not allowed: concluding before approving
    assert nrp.post(f"/cases/{nrp_case['case_id']}/actions", json={"action": "accept", "opinion": "受理"}).status_code == 200
    body = assert_problem(nrp.post(f"/cases/{nrp_case['case_id']}/actions",
                                   json={"action": "conclude", "opinion": "办结"}), 409)
    assert body["detail"]
    case = nrp.get(f"/cases/{nrp_case['case_id']}").json()
    assert case["state"] == "accepted"  # nothing half-written
    # a second open declaration for the same stage is refused
    again = applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": []})
    assert_problem(again, 409)
