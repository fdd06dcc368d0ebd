"""One calendar for the whole platform, end to end over HTTP on real RabbitMQ and PostgreSQL.

In December 2026 the official schedule ends with 2026. Dates that fall in 2027 are still computed
everywhere (stage clock, intake's supplement notice, consult's reply deadline, supervision's view
of the stage clock), assuming Monday to Friday for 2027 and saying so (estimates, never a 409 or
a 500). Then the operator loads 2027 once, through the gateway; from then on every service counts
with it, the estimated deadlines are counted again, and a service restarted afterwards or a
replica started after the load counts the same way.

The 2027 schedule loaded here is test data: 2027-01-01 (Fri) and 2027-01-04 (Mon) are holidays,
Saturday 2027-01-09 is an adjusted working day (调休).

Counting (the day a clock starts is not counted; "W" a working day):
- from Mon 12-21, 10 W, 2027 estimated: 12-22 1, 23 2, 24 3, 25 4, 28 5, 29 6, 30 7, 31 8,
  01-01 9 (assumed), Mon 01-04 10;                                              → 2027-01-04 (estimate)
- the same with 2027 loaded: ... 31 8, [01-01, 01-04], 01-05 9, Wed 01-06 10    → 2027-01-06
- from Tue 12-22, 10 W: 12-23 1, 24 2, 25 3, 28 4, 29 5, 30 6, 31 7, 01-05 8, 06 9, Thu 01-07 10
- from Tue 12-22, 12 W: ... 01-07 10, 08 11, Sat 01-09 (调休) 12                → 2027-01-09
- from Wed 12-23, 10 W: 12-24 1, 25 2, 28 3, 29 4, 30 5, 31 6, 01-05 7, 06 8, 07 9, Fri 01-08 10
"""
import io

import pytest
from pypdf import PdfReader

import platforms
from test_end_to_end import eventually, login
from test_four_stage_flow import ATTRIBUTES, FORMS

YEAR_2027 = {"year": 2027, "holidays": ["2027-01-01", "2027-01-04"], "working_weekends": ["2027-01-09"]}


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory):
    with platforms.dated_platform(postgres, tmp_path_factory.mktemp("calendar-platform"), "2026-12-21",
                                  label="calendar") as running:
        yield running


class Actors:
    def __init__(self, platform):
        self.platform = platform
        self.applicant = login(platform, "applicant")
        self.clerk = login(platform, "clerk")
        self.operator = login(platform, "operator")
        self.supervisor = login(platform, "supervisor")
        self.nrp = login(platform, "nrp-officer")
        self.drc = login(platform, "drc-officer")

    def declare_project(self):
        registered = self.applicant.post("/projects", json={
            "name": "焦作市档案馆新馆建设项目", "category": "gov_building", "region": "410800",
            "attributes": ATTRIBUTES})
        assert registered.status_code == 201, registered.text
        code = registered.json()["project_code"]
        declared = self.applicant.post(f"/projects/{code}/declarations", json={
            "stage": "land_use_planning", "form": FORMS["land_use_planning"], "material_ids": []})
        assert declared.status_code == 201, declared.text

        def cases():
            items = self.clerk.get("/cases", params={"project_code": code}).json()["items"]
            return {c["item_code"]: c["case_id"] for c in items} if len(items) == 2 else None
        return code, eventually(cases)

    def act(self, officer, case_id, action, opinion="同意"):
        response = officer.post(f"/cases/{case_id}/actions", json={"action": action, "opinion": opinion})
        assert response.status_code == 200, response.text
        return response.json()

    def consult(self, code, case_id, due_days):
        response = self.nrp.post("/consultations", json={
            "project_code": code, "case_id": case_id, "asked_of": ["DRC"], "due_days": due_days,
            "question": "拟建项目是否涉及已批准的固定资产投资项目调整，请提出意见"})
        assert response.status_code == 201, response.text
        return response.json()

    def consultation(self, consultation_id):
        response = self.nrp.get(f"/consultations/{consultation_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def case(self, case_id):
        response = self.clerk.get(f"/cases/{case_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def supervised_case(self, code, case_id, **expected):
        """The case as supervision shows it, once it shows `expected`."""
        def probe():
            response = self.supervisor.get(f"/supervision/projects/{code}")
            if response.status_code != 200:
                return None
            case = next((c for s in response.json()["stages"] for c in s["cases"] if c["case_id"] == case_id), None)
            return case if case and all(case.get(k) == v for k, v in expected.items()) else None
        return eventually(probe)

    def supplement_notice_text(self, code, case_id, count=1):
        """The text of the newest supplement notice (补正通知书) of a case, once `count` were issued."""
        def notices():
            listed = self.clerk.get(f"/projects/{code}/documents", params={"limit": 200}).json()["items"]
            found = [d for d in listed if d["kind"] == "supplement_notice" and d["case_id"] == case_id]
            return found if len(found) >= count else None
        newest = sorted(eventually(notices), key=lambda d: d["document_no"])[-1]
        pdf = self.clerk.get(f"/documents/{newest['document_id']}/content")
        assert pdf.status_code == 200, pdf.text
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)


def same_clock(stage_case, supervised):
    assert (supervised["due_on"], supervised["light"], supervised["due_estimated"]) == \
        (stage_case["due_on"], stage_case["light"], stage_case["due_estimated"])


@pytest.fixture(scope="module")
def run(platform):
    """The whole December, step by step; the tests below check what each step left."""
    a = Actors(platform)
    seen = {}

    # ---------------------------------------------------------------- Mon 12-21: 2027 not loaded
    assert 2027 not in a.clerk.get("/calendar").json()["loaded_years"]
    code, cases = a.declare_project()
    seen["first"] = {"code": code, "cases": cases}
    seen["nrp_accepted"] = a.act(a.nrp, cases["NRP-001"], "accept")
    seen["drc_supplement"] = a.act(a.drc, cases["DRC-001"], "request_supplement", "缺少节能报告，请补正")
    seen["consultation"] = a.consult(code, cases["NRP-001"], 10)
    seen["notice_before"] = a.supplement_notice_text(code, cases["DRC-001"])
    seen["supervised_before"] = a.supervised_case(code, cases["NRP-001"], due_on="2027-01-04")
    seen["stage_case_before"] = a.case(cases["NRP-001"])

    # ---------------------------------------------------------------- the operator loads 2027
    loaded = a.operator.post("/calendar/years", json=YEAR_2027)
    assert loaded.status_code in (200, 201), loaded.text
    seen["loaded"] = loaded.json()
    seen["stage_case_after"] = a.case(cases["NRP-001"])
    seen["supervised_after"] = a.supervised_case(code, cases["NRP-001"], due_on="2027-01-06")
    seen["consultation_after"] = eventually(
        lambda: (c := a.consultation(seen["consultation"]["consultation_id"]))["due_on"] == "2027-01-06" and c)

    # ---------------------------------------------------------------- Tue 12-22: counted with 2027
    platforms.set_today(platform, "2026-12-22")
    code, cases = a.declare_project()
    seen["second"] = {"code": code, "cases": cases}
    seen["nrp_22"] = a.act(a.nrp, cases["NRP-001"], "accept")
    seen["drc_22"] = a.act(a.drc, cases["DRC-001"], "accept")
    a.act(a.drc, cases["DRC-001"], "request_supplement", "缺少节能报告，请补正")
    seen["consult_22_10"] = a.consult(code, cases["NRP-001"], 10)
    seen["consult_22_12"] = a.consult(code, cases["DRC-001"], 12)
    seen["notice_22"] = a.supplement_notice_text(code, cases["DRC-001"])
    seen["supervised_22"] = a.supervised_case(code, cases["NRP-001"], due_on="2027-01-07")
    seen["stage_case_22"] = a.case(cases["NRP-001"])

    # ---------------------------------------------------------------- restarts and a new replica
    platforms.stop_process(platform, "intake-1")
    platforms.stop_process(platform, "consult-1")
    platform.start_service("intake", 1)
    platform.start_service("consult", 2)     # a replica that never saw the calendar.year_loaded event
    platform.wait_ready()
    platforms.set_today(platform, "2026-12-23")
    seen["consult_23"] = a.consult(code, cases["NRP-001"], 10)
    a.act(a.nrp, cases["NRP-001"], "request_supplement", "缺少用地范围图，请补正")
    seen["notice_23"] = a.supplement_notice_text(code, cases["NRP-001"])
    return seen


def test_before_the_load_2027_dates_are_estimates_everywhere(run):
    accepted, consultation = run["nrp_accepted"], run["consultation"]
    assert (accepted["due_on"], accepted["due_estimated"]) == ("2027-01-04", True)
    assert (consultation["due_on"], consultation["due_estimated"]) == ("2027-01-04", True)
    assert "2027年1月4日" in run["notice_before"] and "预计" in run["notice_before"]
    same_clock(run["stage_case_before"], run["supervised_before"])
    assert run["supervised_before"]["due_estimated"] is True


def test_the_load_is_counted_with_by_every_service(run):
    assert 2027 in run["loaded"]["loaded_years"]
    assert run["loaded"]["recomputed_clocks"] >= 1
    after = run["stage_case_after"]
    assert (after["due_on"], after["due_estimated"]) == ("2027-01-06", False)
    same_clock(after, run["supervised_after"])
    assert (run["consultation_after"]["due_on"], run["consultation_after"]["due_estimated"]) == ("2027-01-06", False)


def test_new_dates_after_the_load_agree_with_the_stage_clock(run):
    nrp, drc = run["nrp_22"], run["drc_22"]
    assert (nrp["due_on"], nrp["due_estimated"]) == ("2027-01-07", False)
    assert (drc["due_on"], drc["due_estimated"]) == ("2027-01-09", False)      # Saturday 调休 counts
    assert (run["consult_22_10"]["due_on"], run["consult_22_10"]["due_estimated"]) == (nrp["due_on"], False)
    assert (run["consult_22_12"]["due_on"], run["consult_22_12"]["due_estimated"]) == (drc["due_on"], False)
    assert "2027年1月7日" in run["notice_22"] and "预计" not in run["notice_22"]
    same_clock(run["stage_case_22"], run["supervised_22"])


def test_restarted_services_and_a_later_replica_count_with_the_loaded_year(run):
    assert (run["consult_23"]["due_on"], run["consult_23"]["due_estimated"]) == ("2027-01-08", False)
    assert "2027年1月8日" in run["notice_23"] and "预计" not in run["notice_23"]
