"""The legal clock end to end: one government-investment building project (gov_building) through
all four stages, over HTTP only, on real RabbitMQ and PostgreSQL, in simulated days of 2026.

Every process of the platform reads "today" from one date file (PLATFORM_DATE_FILE); the test
moves it forward day by day, across the Spring Festival (adjusted working Saturdays 02-14 and
02-28), Labour Day (working Saturday 05-09), Mid-Autumn and National Day (working Sunday 09-20,
working Saturday 10-10). On the way: one supplement (补正, 002 §8), one return and resubmission
(退回, 000 §12), one acceptance deemed by the deadline sweeper (002 §7(二)). Every date the stage
service and supervision report is compared with the hand computation written next to it.

Convention (DESIGN.md §4): the day a clock starts is not counted; the deadline is the N-th
working day after it. A pause from day S does not count S; a resumption on day R counts from the
day after R. Stopping on day C counts C. "W" below means a working day of the official schedule;
"(调休)" marks an adjusted working weekend day; [..] a run of days that are not counted.

The platform reports to the province all along (001 §10–§11): its exchange process pushes to a
provincial front database on MariaDB, which the province's checker (scripts/province_checker.py)
takes in. After the walk the front database holds the flows, stages and stage items, the project and
its units, every case with every step (national state codes), the licences and the material, the
red-line boundary and the intermediary service entered on the way, parents before children, each
once per version, and the window's correction of the project as a new version.
"""
import io
import time
import uuid
from datetime import date, timedelta

import pytest
import requests
from pypdf import PdfReader
from sqlalchemy import create_engine, text

import platforms
import province_checker
from exchange_front import TABLES, Front
from platform_kit.calendar import official_calendar
from test_end_to_end import PASSWORD, PDF, Client, assert_problem, eventually, login

D = date.fromisoformat
ATTRIBUTES = {"floor_area_m2": 1500.0}   # < 2000 m²: no civil-air-defence items (CAD-001/002/003)
CONTACT = {"contact_name": "王建国", "contact_phone": "13903910000"}
FORMS = {
    "land_use_planning": {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 1500.0,
                          "investment_10k_yuan": 2600, **CONTACT},
    "engineering_permit": {"design_unit": "焦作市建筑设计研究院有限公司", "floors": 4, **CONTACT},
    "construction_permit": {"construction_unit": "河南焦作建工集团有限公司", "supervision_unit": "焦作市建设监理有限公司",
                            "contract_price_10k_yuan": 2100, "planned_start": "2026-11-01", **CONTACT},
    "completion_acceptance": {"completion_date": "2026-10-12", "acceptance_result": "合格", **CONTACT},
}
# the items a 1500 m² gov_building project gets in each stage (demo catalog), with their limits
STAGE_ITEMS = {
    "land_use_planning": {"NRP-001": 10, "DRC-001": 12},
    "engineering_permit": {"NRP-002": 15, "DRC-002": 15, "CMB-001": 5, "MET-001": 5},
    "construction_permit": {"HCD-010": 10, "HCD-001": 7, "HCD-005": 5, "HCD-006": 3},
    "completion_acceptance": {"HCD-002": 5, "NRP-003": 10, "HCD-008": 5, "MET-002": 5, "HCD-009": 5},
}
STAGE_LIMITS = {"land_use_planning": 18, "engineering_permit": 20, "construction_permit": 11,
                "completion_acceptance": 10}
STEPS = ["accept", "review", "approve", "conclude"]
# what the province is told besides the walk: the land red-line boundary, an intermediary service and a
# correction of the project by the window
BOUNDARY = {"type": "Polygon", "coordinates": [[[113.241, 35.215], [113.245, 35.215], [113.245, 35.218],
                                                [113.241, 35.218], [113.241, 35.215]]]}
INTERMEDIARY = {"service_name": "环境影响评价报告表编制", "agency_name": "河南绿源环境工程有限公司",
                "agency_code": "91410800MA44ABCD1X", "started_on": "2026-01-05", "finished_on": "2026-01-30"}
CORRECTED_SITE = "焦作市解放区人民路北侧 8 号"
# a case's history → the national step state (mapping v1 ``step_states``) its event is sent with; a
# case's first step is its receipt (1), sent when its stage opens; an approval is told by the licence
STEP_CODES = {"accept": 3, "deemed_accept": 3, "request_supplement": 6, "accept_supplement": 7, "review": 8,
              "return": 4, "resubmit": 1, "conclude": 11}

# ------------------------------------------------------------------------------ the hand computation
# Stage clocks: received_on (not counted), due_on, concluded_on, working days used.
EXPECTED_STAGES = {
    # Received Tue 02-10, limit 18. Paused from Fri 02-13 (DRC-001 supplement; counted 02-11, 02-12 = 2),
    # resumed Wed 02-25; 16 left: 02-26 3, 02-27 4, Sat 02-28 (调休) 5, 03-02 6, 03 7, 04 8, 05 9, 06 10,
    # 09 11, 10 12, 11 13, 12 14, 13 15, 16 16, 17 17, Wed 03-18 18. Concluded Wed 03-04 with DRC-001:
    # used 02-11, 02-12, 02-26, 02-27, 02-28, 03-02, 03-03, 03-04 = 8.
    "land_use_planning": {"received_on": "2026-02-10", "due_on": "2026-03-18", "concluded_on": "2026-03-04",
                          "used_days": 8},
    # Received Thu 04-23, limit 20, never paused: 04-24 1, 27 2, 28 3, 29 4, 30 5, [05-01..05-05],
    # 05-06 6, 07 7, 08 8, Sat 05-09 (调休) 9, 11 10, 12 11, 13 12, 14 13, 15 14, 18 15, 19 16, 20 17,
    # 21 18, 22 19, Mon 05-25 20. Concluded Thu 05-14 (13th working day).
    "engineering_permit": {"received_on": "2026-04-23", "due_on": "2026-05-25", "concluded_on": "2026-05-14",
                           "used_days": 13},
    # Received Fri 09-18, limit 11. Sun 09-20 (调休) 1, Mon 09-21 2; paused from Tue 09-22 (HCD-001
    # returned), resumed Wed 09-30 on resubmission; 9 left: [10-01..10-07], 10-08 3, 10-09 4,
    # Sat 10-10 (调休) 5, 10-12 6, 13 7, 14 8, 15 9, 16 10, Mon 10-19 11. Concluded Wed 10-14:
    # used 09-20, 09-21, 10-08, 10-09, 10-10, 10-12, 10-13, 10-14 = 8.
    "construction_permit": {"received_on": "2026-09-18", "due_on": "2026-10-19", "concluded_on": "2026-10-14",
                            "used_days": 8},
    # Received Thu 10-15, limit 10: 10-16 1, 19 2, 20 3, 21 4, 22 5, 23 6, 26 7, 27 8, 28 9, Thu 10-29 10.
    # Concluded Wed 10-28 with NRP-003 (9th working day).
    "completion_acceptance": {"received_on": "2026-10-15", "due_on": "2026-10-29", "concluded_on": "2026-10-28",
                              "used_days": 9},
}

# Case clocks: received_on, accepted_on (not counted), due_on, concluded_on, used_days, round.
EXPECTED_CASES = {
    # --- land_use_planning
    # accepted Tue 02-10, 10 days: 02-11 1, 12 2, 13 3, Sat 02-14 (调休) 4, [02-15..02-23 Spring Festival],
    # 02-24 5, 25 6, 26 7, 27 8, Sat 02-28 (调休) 9, Mon 03-02 10. Concluded Tue 02-24: 02-11..02-14, 02-24 = 5.
    "NRP-001": {"received_on": "2026-02-10", "accepted_on": "2026-02-10", "due_on": "2026-03-02",
                "concluded_on": "2026-02-24", "used_days": 5, "round": 1},
    # accepted Wed 02-11, 12 days. Supplement asked Fri 02-13: only 02-12 counted (1). Supplement accepted
    # Wed 02-25, counting from 02-26; 11 left: 02-26 2, 27 3, Sat 02-28 (调休) 4, 03-02 5, 03 6, 04 7, 05 8,
    # 06 9, 09 10, 10 11, Wed 03-11 12. Concluded Wed 03-04: 02-12, 02-26, 02-27, 02-28, 03-02, 03-03, 03-04 = 7.
    "DRC-001": {"received_on": "2026-02-10", "accepted_on": "2026-02-11", "due_on": "2026-03-11",
                "concluded_on": "2026-03-04", "used_days": 7, "round": 1},
    # --- engineering_permit
    # accepted Thu 04-23, 15 days: 04-24 1, 27 2, 28 3, 29 4, 30 5, [05-01..05-05], 05-06 6, 07 7, 08 8,
    # Sat 05-09 (调休) 9, 11 10, 12 11, 13 12, 14 13, 15 14, Mon 05-18 15. Concluded Mon 05-11: 10.
    "NRP-002": {"received_on": "2026-04-23", "accepted_on": "2026-04-23", "due_on": "2026-05-18",
                "concluded_on": "2026-05-11", "used_days": 10, "round": 1},
    # accepted Fri 04-24, 15 days: 04-27 1, 28 2, 29 3, 30 4, 05-06 5, 07 6, 08 7, Sat 05-09 8, 11 9, 12 10,
    # 13 11, 14 12, 15 13, 18 14, Tue 05-19 15. Concluded Thu 05-14: 12.
    "DRC-002": {"received_on": "2026-04-23", "accepted_on": "2026-04-24", "due_on": "2026-05-19",
                "concluded_on": "2026-05-14", "used_days": 12, "round": 1},
    # never accepted by hand: acceptance due 04-24 1, Mon 04-27 2; on Tue 04-28 the sweeper deems it accepted
    # as of receipt, Thu 04-23 (002 §7(二)). 5 days: 04-24 1, 27 2, 28 3, 29 4, Thu 04-30 5. Concluded 04-30: 5.
    "CMB-001": {"received_on": "2026-04-23", "accepted_on": "2026-04-23", "due_on": "2026-04-30",
                "concluded_on": "2026-04-30", "used_days": 5, "round": 1},
    # accepted Mon 04-27 (the last day before deemed acceptance), 5 days: 04-28 1, 29 2, 30 3,
    # [05-01..05-05], 05-06 4, Thu 05-07 5. Concluded 05-07: 5.
    "MET-001": {"received_on": "2026-04-23", "accepted_on": "2026-04-27", "due_on": "2026-05-07",
                "concluded_on": "2026-05-07", "used_days": 5, "round": 1},
    # --- construction_permit
    # accepted Fri 09-18, 10 days: Sun 09-20 (调休) 1, 21 2, 22 3, 23 4, 24 5, [09-25..09-27 Mid-Autumn],
    # 28 6, 29 7, 30 8, [10-01..10-07 National Day], 10-08 9, Fri 10-09 10. Concluded Wed 09-30: 8.
    "HCD-010": {"received_on": "2026-09-18", "accepted_on": "2026-09-18", "due_on": "2026-10-09",
                "concluded_on": "2026-09-30", "used_days": 8, "round": 1},
    # round 1: accepted 09-18, returned Tue 09-22 (09-20, 09-21, 09-22 = 3 used; clock ended). Resubmitted
    # Wed 09-30: round 2 received 09-30, acceptance due [10-01..10-07] 10-08 1, Fri 10-09 2. Accepted Thu 10-08
    # with the full 7 days: 10-09 1, Sat 10-10 (调休) 2, 12 3, 13 4, 14 5, 15 6, Fri 10-16 7.
    # Concluded Wed 10-14: 10-09, 10-10, 10-12, 10-13, 10-14 = 5.
    "HCD-001": {"received_on": "2026-09-30", "accepted_on": "2026-10-08", "due_on": "2026-10-16",
                "concluded_on": "2026-10-14", "used_days": 5, "round": 2},
    # accepted 09-18, 5 days: Sun 09-20 (调休) 1, 21 2, 22 3, 23 4, Thu 09-24 5. Concluded on its due day: 5.
    "HCD-005": {"received_on": "2026-09-18", "accepted_on": "2026-09-18", "due_on": "2026-09-24",
                "concluded_on": "2026-09-24", "used_days": 5, "round": 1},
    # accepted on the working Sunday 09-20 (acceptance due Sun 09-20 1, Mon 09-21 2), 3 days:
    # 21 1, 22 2, Wed 09-23 3. Concluded 09-23: 3.
    "HCD-006": {"received_on": "2026-09-18", "accepted_on": "2026-09-20", "due_on": "2026-09-23",
                "concluded_on": "2026-09-23", "used_days": 3, "round": 1},
    # --- completion_acceptance (no holiday: October after National Day)
    # accepted Thu 10-15, 5 days: 16 1, 19 2, 20 3, 21 4, Thu 10-22 5. Concluded Tue 10-20: 3.
    "HCD-002": {"received_on": "2026-10-15", "accepted_on": "2026-10-15", "due_on": "2026-10-22",
                "concluded_on": "2026-10-20", "used_days": 3, "round": 1},
    # accepted Fri 10-16, 10 days: 19 1, 20 2, 21 3, 22 4, 23 5, 26 6, 27 7, 28 8, 29 9, Fri 10-30 10.
    # Concluded Wed 10-28: 8.
    "NRP-003": {"received_on": "2026-10-15", "accepted_on": "2026-10-16", "due_on": "2026-10-30",
                "concluded_on": "2026-10-28", "used_days": 8, "round": 1},
    # accepted 10-15, due 10-22 (as HCD-002); concluded Fri 10-16: 1.
    "HCD-008": {"received_on": "2026-10-15", "accepted_on": "2026-10-15", "due_on": "2026-10-22",
                "concluded_on": "2026-10-16", "used_days": 1, "round": 1},
    # accepted Fri 10-16, 5 days: 19 1, 20 2, 21 3, 22 4, Fri 10-23 5. Concluded Thu 10-22: 4.
    "MET-002": {"received_on": "2026-10-15", "accepted_on": "2026-10-16", "due_on": "2026-10-23",
                "concluded_on": "2026-10-22", "used_days": 4, "round": 1},
    # accepted 10-15, due 10-22; concluded Wed 10-21: 16, 19, 20, 21 = 4.
    "HCD-009": {"received_on": "2026-10-15", "accepted_on": "2026-10-15", "due_on": "2026-10-22",
                "concluded_on": "2026-10-21", "used_days": 4, "round": 1},
}
# the day each case was approved: its licence is issued (and dated) that day
APPROVED_ON = {
    "NRP-001": "2026-02-14", "DRC-001": "2026-03-03", "NRP-002": "2026-05-09", "DRC-002": "2026-05-13",
    "CMB-001": "2026-04-29", "MET-001": "2026-05-06", "HCD-010": "2026-09-29", "HCD-001": "2026-10-13",
    "HCD-005": "2026-09-22", "HCD-006": "2026-09-22", "HCD-002": "2026-10-19", "NRP-003": "2026-10-27",
    "HCD-008": "2026-10-16", "MET-002": "2026-10-21", "HCD-009": "2026-10-20",
}


# ------------------------------------------------------------------------------ the platform
@pytest.fixture(scope="module")
def province():
    """The provincial front database (MariaDB, a database of its own) and a reader of it."""
    with platforms.front_database("fourstage") as url:
        front = Front(url)
        yield front
        front.close()


@pytest.fixture(scope="module")
def dated_platform(postgres, tmp_path_factory, province):
    """A platform of its own whose processes all read today's date from one file, with a deadline
    sweeper and an escalation pass every second, and two supervision replicas; its exchange process
    pushes to the provincial front database, which the province's checker takes in."""
    with platforms.dated_platform(postgres, tmp_path_factory.mktemp("dated-platform"), "2026-02-10", extra_env={
            "SUPERVISION_SWEEP_SECONDS": "1", "ESCALATION_RED_DAYS": "2", "CHECKER_SECONDS": "1"},
            front_url=province.url) as running:
        running.start_service("supervision", 2)   # escalation acts once per clock and level whatever both do
        yield running


def new_officer(platform, operator, account, department, name):
    """An officer account for a department without a demo account: created by the operator through
    the gateway, its initial password changed by its holder (required before the first login)."""
    created = operator.post("/accounts", json={
        "account": account, "password": "Init#2026x", "role": "officer", "name": name,
        "department": department, "region": "410800", "steps": STEPS})
    assert created.status_code == 201, created.text
    changed = requests.post(f"{platform.url}/auth/password", timeout=10, json={
        "account": account, "current_password": "Init#2026x", "new_password": PASSWORD})
    assert changed.status_code == 204, changed.text
    return login(platform, account)


# ------------------------------------------------------------------------------ the run
class Project:
    """The project as it goes through the platform: each step on a day, as one of its actors."""

    def __init__(self, platform):
        self.platform = platform
        self.applicant = login(platform, "applicant")
        self.clerk = login(platform, "clerk")
        operator = login(platform, "operator")
        self.officers = {"NRP": login(platform, "nrp-officer"), "DRC": login(platform, "drc-officer"),
                         "HCD": login(platform, "hcd-officer"),
                         "CMB": new_officer(platform, operator, "cmb-officer", "CMB", "城市管理局 审批人员"),
                         "MET": new_officer(platform, operator, "met-officer", "MET", "气象局 审批人员")}
        self.code = None
        self.cases = {}      # item code -> case id
        self.today = None
        self.material = self.intermediary = None

    def on(self, day):
        """From now on it is `day` for every process of the platform (once supervision shows every
        clock of the day that ends as the stage service does)."""
        assert self.today is None or D(day) >= self.today, "days only move forward"
        if self.code is not None:
            self.clocks_agree()
        # written aside and renamed over: a process never reads a half-written (empty) file, which
        # would mean the real date to it (and the sweeper would act on that date)
        platforms.set_today(self.platform, day)
        self.today = D(day)

    def clocks_agree(self):
        """One clock (the stage service computes, supervision shows): every stage and case clock of
        the project, open, paused or closed, has the same due date, light and estimate flag in both."""
        def clock(record):
            return record["due_on"], record["light"], record["due_estimated"]

        def stage_view():
            return {(s["stage"], c["case_id"]): clock(c) for s in self.stages()["items"] for c in s["cases"]} | \
                {(s["stage"], None): clock(s) for s in self.stages()["items"]}

        def supervision_view():
            body = self.overview(lambda b: True)
            return {(s["stage"], c["case_id"]): clock(c) for s in body["stages"] for c in s["cases"]} | \
                {(s["stage"], None): clock(s) for s in body["stages"]}
        last = {}

        def agree():
            last["stage"], last["supervision"] = stage_view(), supervision_view()
            return last["stage"] == last["supervision"]
        try:
            eventually(agree, timeout=20)
        except AssertionError:
            differing = {k: (v, last["supervision"].get(k)) for k, v in last["stage"].items()
                         if last["supervision"].get(k) != v}
            raise AssertionError(f"{self.today}: stage service vs supervision differ: {differing}") from None

    def register(self):
        registered = self.applicant.post("/projects", json={
            "name": "焦作市疾病预防控制中心业务用房建设项目", "category": "gov_building", "region": "410800",
            "attributes": ATTRIBUTES})
        assert registered.status_code == 201, registered.text
        self.code = registered.json()["project_code"]

    def stages(self):
        response = self.clerk.get(f"/projects/{self.code}/stages")
        assert response.status_code == 200, response.text
        return response.json()

    def stage(self, name):
        return next(s for s in self.stages()["items"] if s["stage"] == name)

    def case(self, item):
        response = self.clerk.get(f"/cases/{self.cases[item]}")
        assert response.status_code == 200, response.text
        return response.json()

    def declare(self, stage, material_ids=()):
        declared = self.applicant.post(f"/projects/{self.code}/declarations",
                                       json={"stage": stage, "form": FORMS[stage], "material_ids": list(material_ids)})
        assert declared.status_code == 201, declared.text
        declaration = declared.json()
        assert declaration["submitted_on"] == self.today.isoformat()
        assert {i["item_code"]: i["limit_days"] for i in declaration["items"]} == STAGE_ITEMS[stage]
        assert declaration["stage_limit_days"] == STAGE_LIMITS[stage]

        def opened():
            found = [s for s in self.stages()["items"] if s["stage"] == stage]
            return found[0] if found and len(found[0]["cases"]) == len(STAGE_ITEMS[stage]) else None
        opened_stage = eventually(opened)
        self.cases.update({c["item_code"]: c["case_id"] for c in opened_stage["cases"]})
        return opened_stage

    def wait_until_concluded(self, stage):
        """intake learns from stage.concluded that the next stage may be declared."""
        eventually(lambda: stage in self.applicant.get(f"/projects/{self.code}").json()["concluded_stages"])

    def act(self, item, action, opinion=None, as_=None):
        who = as_ or self.officers[item.split("-")[0]]
        body = {"action": action, "opinion": opinion or f"{action}：同意"}
        response = who.post(f"/cases/{self.cases[item]}/actions", json=body)
        assert response.status_code == 200, f"{item} {action} on {self.today}: {response.text}"
        case = response.json()
        if action == "approve":
            self.licence_issued_today(item)
        return case

    def licence_issued_today(self, item):
        """The certificate service issues the licence of an approved case from case.approved; the day
        does not move on before it has (the licence is dated the day it is issued)."""
        def issued():
            items = self.applicant.get(f"/projects/{self.code}/licences").json()["items"]
            return next((l for l in items if l["document"]["case_id"] == self.cases[item]), None)
        licence = eventually(issued)
        assert licence["document"]["item_code"] == item
        assert licence["document"]["approved_on"] == self.today.isoformat()
        assert licence["document"]["issued_on"] == self.today.isoformat()

    def overview(self, ready):
        supervisor = login(self.platform, "supervisor")

        def probe():
            response = supervisor.get(f"/supervision/projects/{self.code}")
            if response.status_code != 200:
                return None
            try:
                return response.json() if ready(response.json()) else None
            except StopIteration:   # the stage or case has not reached the read model yet
                return None
        return eventually(probe)


def supervised_case(body, item):
    return next(c for s in body["stages"] for c in s["cases"] if c["item_code"] == item)


def supervised_stage(body, stage):
    return next(s for s in body["stages"] if s["stage"] == stage)


def timeline_has(body, event_type, count):
    return [e["type"] for e in body["timeline"]].count(event_type) >= count


def dates(record, *names):
    return {name: record[name] for name in names}


@pytest.fixture(scope="module")
def project(dated_platform):
    p = Project(dated_platform)

    # ================= stage 1: land_use_planning, Spring Festival, one supplement =================
    p.on("2026-02-10")                                   # Tue
    p.register()
    upload = p.applicant.post(f"/projects/{p.code}/materials", data={"name": "建设项目用地预审与选址意见书"},
                              files={"file": ("site.pdf", PDF, "application/pdf")})
    assert upload.status_code == 201, upload.text
    p.material = upload.json()
    stage = p.declare("land_use_planning", [p.material["material_id"]])
    # what the province needs besides the walk: the red line, an intermediary service, a correction
    boundary = p.applicant.put(f"/projects/{p.code}/boundary", json={"name": "用地红线图", "geometry": BOUNDARY})
    assert boundary.status_code == 200, boundary.text
    service = p.clerk.post(f"/projects/{p.code}/intermediary-services", json=INTERMEDIARY)
    assert service.status_code == 201, service.text
    p.intermediary = service.json()
    corrected = p.clerk.post(f"/projects/{p.code}/corrections", json={
        "attributes": {"construction_site": CORRECTED_SITE}, "reason": "建设地点门牌号补充"})
    assert corrected.status_code == 200, corrected.text
    # 02-11 1, 12 2, 13 3, Sat 14 (调休) 4, [Spring Festival], 24 5, 25 6, 26 7, 27 8, Sat 28 (调休) 9,
    # 03-02 10, 03 11, 04 12, 05 13, 06 14, 09 15, 10 16, 11 17, Thu 03-12 18 (before any pause)
    assert (stage["received_on"], stage["due_on"]) == ("2026-02-10", "2026-03-12")
    nrp = p.act("NRP-001", "accept")
    assert (nrp["accepted_on"], nrp["due_on"]) == ("2026-02-10", "2026-03-02")
    # acceptance due: 02-11 1, Thu 02-12 2 (002 §7(二))
    assert p.case("DRC-001")["acceptance_due_on"] == "2026-02-12"

    p.on("2026-02-11")                                   # Wed
    drc = p.act("DRC-001", "accept")
    # 02-12 1, 13 2, Sat 14 (调休) 3, [Spring Festival], 24 4, 25 5, 26 6, 27 7, Sat 28 (调休) 8, 03-02 9,
    # 03-03 10, 03-04 11, Thu 03-05 12
    assert (drc["accepted_on"], drc["due_on"]) == ("2026-02-11", "2026-03-05")

    p.on("2026-02-12")
    p.act("NRP-001", "review")

    p.on("2026-02-13")                                   # Fri: supplement notice, paused from today
    drc = p.act("DRC-001", "request_supplement", "节能报告：缺少能耗计算书，请补正")
    assert (drc["state"], drc["paused"], drc["used_days"], drc["due_on"]) == ("supplementing", True, 1, None)
    stage = p.stage("land_use_planning")
    assert (stage["paused"], stage["used_days"], stage["due_on"]) == (True, 2, None)   # 02-11, 02-12
    body = p.overview(lambda b: supervised_case(b, "DRC-001")["state"] == "supplementing"
                      and timeline_has(b, "stage.paused", 1))
    assert dates(supervised_case(body, "DRC-001"), "paused_on", "used_days", "light") == \
        {"paused_on": "2026-02-13", "used_days": 1, "light": "green"}   # kept while paused: 11 of 12 left
    assert dates(supervised_stage(body, "land_use_planning"), "paused", "due_on") == {"paused": True, "due_on": None}

    p.on("2026-02-14")                                   # Sat, adjusted working day
    p.act("NRP-001", "approve")

    p.on("2026-02-24")                                   # Tue, first working day after the Spring Festival
    nrp = p.act("NRP-001", "conclude")
    assert (nrp["concluded_on"], nrp["used_days"], nrp["light"]) == ("2026-02-24", 5, "green")
    stage = p.stage("land_use_planning")
    assert (stage["paused"], stage["used_days"]) == (True, 2)   # the pause consumed no working day
    assert p.case("DRC-001")["used_days"] == 1

    p.on("2026-02-25")                                   # Wed: complete supplement accepted
    drc = p.act("DRC-001", "accept_supplement", "补正材料齐全")
    assert (drc["state"], drc["paused"], drc["used_days"], drc["due_on"]) == ("accepted", False, 1, "2026-03-11")
    stage = p.stage("land_use_planning")
    assert (stage["paused"], stage["used_days"], stage["due_on"]) == (False, 2, "2026-03-18")
    body = p.overview(lambda b: supervised_case(b, "DRC-001")["state"] == "accepted"
                      and timeline_has(b, "stage.resumed", 1))
    assert dates(supervised_case(body, "DRC-001"), "paused_on", "used_days", "due_on") == \
        {"paused_on": None, "used_days": 1, "due_on": "2026-03-11"}
    assert dates(supervised_stage(body, "land_use_planning"), "paused", "due_on") == \
        {"paused": False, "due_on": "2026-03-18"}   # the stage service's deadline, moved by the pause

    p.on("2026-02-28")                                   # Sat, adjusted working day
    p.act("DRC-001", "review")
    p.on("2026-03-03")
    p.act("DRC-001", "approve")
    p.on("2026-03-04")
    p.act("DRC-001", "conclude")
    p.wait_until_concluded("land_use_planning")

    # ================= stage 2: engineering_permit, Labour Day, one deemed acceptance ==============
    p.on("2026-04-23")                                   # Thu
    stage = p.declare("engineering_permit")
    assert (stage["received_on"], stage["due_on"]) == ("2026-04-23", "2026-05-25")   # see EXPECTED_STAGES
    # acceptance due 04-24 1, Mon 04-27 2
    assert {p.case(i)["acceptance_due_on"] for i in STAGE_ITEMS["engineering_permit"]} == {"2026-04-27"}
    p.act("NRP-002", "accept")
    p.on("2026-04-24")
    p.act("DRC-002", "accept")
    p.on("2026-04-27")                                   # Mon: the last day to accept (or ask for supplement)
    p.act("MET-001", "accept")
    assert p.case("CMB-001")["state"] == "submitted"

    p.on("2026-04-28")                                   # Tue: the sweeper acts by itself
    cmb = eventually(lambda: (lambda c: c if c["state"] == "accepted" else None)(p.case("CMB-001")))
    assert (cmb["accepted_on"], cmb["due_on"]) == ("2026-04-23", "2026-04-30")
    assert [(h["action"], h["on"]) for h in cmb["history"]] == [("deemed_accept", "2026-04-23")]
    p.act("CMB-001", "review")
    p.on("2026-04-29")
    cmb = p.act("CMB-001", "approve")
    # 4 of 5 days used (04-24, 27, 28, 29): at most 2 left is yellow, in both views (000 §18)
    assert (cmb["used_days"], cmb["remaining_days"], cmb["light"]) == (4, 1, "yellow")
    body = p.overview(lambda b: supervised_case(b, "CMB-001")["state"] == "approved")
    assert supervised_case(body, "CMB-001")["light"] == "yellow"
    p.on("2026-04-30")
    p.act("CMB-001", "conclude")
    p.act("MET-001", "review")
    p.on("2026-05-06")                                   # Wed, after Labour Day
    p.act("MET-001", "approve")
    p.act("NRP-002", "review")
    p.on("2026-05-07")
    p.act("MET-001", "conclude")
    p.on("2026-05-09")                                   # Sat, adjusted working day
    p.act("NRP-002", "approve")
    p.on("2026-05-11")
    p.act("NRP-002", "conclude")
    p.on("2026-05-12")
    p.act("DRC-002", "review")
    p.on("2026-05-13")
    p.act("DRC-002", "approve")
    p.on("2026-05-14")
    p.act("DRC-002", "conclude")
    p.wait_until_concluded("engineering_permit")

    # ================= stage 3: construction_permit, Mid-Autumn and National Day, one return =======
    p.on("2026-09-18")                                   # Fri
    stage = p.declare("construction_permit")
    # Sun 09-20 (调休) 1, 21 2, 22 3, 23 4, 24 5, [Mid-Autumn], 28 6, 29 7, 30 8, [National Day],
    # 10-08 9, 09 10, Sat 10-10 (调休) 11
    assert (stage["received_on"], stage["due_on"]) == ("2026-09-18", "2026-10-10")
    for item in ("HCD-010", "HCD-001", "HCD-005"):
        p.act(item, "accept")
    p.on("2026-09-20")                                   # Sun, adjusted working day
    p.act("HCD-006", "accept")
    p.on("2026-09-21")
    for item in ("HCD-005", "HCD-006", "HCD-001"):
        p.act(item, "review")

    p.on("2026-09-22")                                   # Tue: HCD-001 returned
    p.act("HCD-005", "approve")
    p.act("HCD-006", "approve")
    returned = p.act("HCD-001", "return", "结构设计文件与施工图审查意见不一致，退回修改")
    assert (returned["state"], returned["used_days"], returned["accepted_on"]) == ("returned", 3, "2026-09-18")
    stage = p.stage("construction_permit")
    assert (stage["paused"], stage["used_days"], stage["due_on"]) == (True, 2, None)   # 09-20, 09-21
    body = p.overview(lambda b: supervised_case(b, "HCD-001")["state"] == "returned"
                      and timeline_has(b, "stage.paused", 2))
    assert dates(supervised_case(body, "HCD-001"), "returned_on", "used_days", "round") == \
        {"returned_on": "2026-09-22", "used_days": 3, "round": 1}
    assert dates(supervised_stage(body, "construction_permit"), "paused", "due_on") == \
        {"paused": True, "due_on": None}

    p.on("2026-09-23")
    p.act("HCD-006", "conclude")
    p.on("2026-09-24")
    p.act("HCD-005", "conclude")
    p.on("2026-09-28")                                   # Mon, after Mid-Autumn
    p.act("HCD-010", "review")
    assert p.stage("construction_permit")["used_days"] == 2   # still paused: 09-22..09-28 not counted
    p.on("2026-09-29")
    p.act("HCD-010", "approve")

    p.on("2026-09-30")                                   # Wed: resubmitted by the applicant
    p.act("HCD-010", "conclude")
    again = p.act("HCD-001", "resubmit", "已按意见修改结构设计文件", as_=p.applicant)
    assert dates(again, "state", "round", "received_on", "acceptance_due_on", "accepted_on", "due_on") == {
        "state": "submitted", "round": 2, "received_on": "2026-09-30", "acceptance_due_on": "2026-10-09",
        "accepted_on": None, "due_on": None}
    stage = p.stage("construction_permit")
    assert (stage["paused"], stage["used_days"], stage["due_on"]) == (False, 2, "2026-10-19")
    body = p.overview(lambda b: supervised_case(b, "HCD-001")["state"] == "submitted"
                      and timeline_has(b, "stage.resumed", 2))
    assert dates(supervised_case(body, "HCD-001"), "round", "accepted_on", "due_on", "returned_on") == \
        {"round": 2, "accepted_on": None, "due_on": None, "returned_on": None}
    assert dates(supervised_stage(body, "construction_permit"), "paused", "due_on") == \
        {"paused": False, "due_on": "2026-10-19"}

    p.on("2026-10-08")                                   # Thu, after National Day
    fresh = p.act("HCD-001", "accept")
    assert (fresh["accepted_on"], fresh["due_on"], fresh["used_days"]) == ("2026-10-08", "2026-10-16", 0)
    p.on("2026-10-10")                                   # Sat, adjusted working day
    p.act("HCD-001", "review")
    p.on("2026-10-13")
    p.act("HCD-001", "approve")
    # the next stage cannot be declared while this one is open
    early = p.applicant.post(f"/projects/{p.code}/declarations", json={
        "stage": "completion_acceptance", "form": FORMS["completion_acceptance"], "material_ids": []})
    assert_problem(early, 409)
    p.on("2026-10-14")
    p.act("HCD-001", "conclude")
    p.wait_until_concluded("construction_permit")

    # ================= stage 4: completion_acceptance ==============================================
    p.on("2026-10-15")                                   # Thu
    stage = p.declare("completion_acceptance")
    assert (stage["received_on"], stage["due_on"]) == ("2026-10-15", "2026-10-29")
    for item in ("HCD-002", "HCD-008", "HCD-009"):
        p.act(item, "accept")
    p.on("2026-10-16")
    p.act("NRP-003", "accept")
    p.act("MET-002", "accept")
    for action in ("review", "approve", "conclude"):
        p.act("HCD-008", action)
    p.act("HCD-002", "review")
    p.on("2026-10-19")
    p.act("HCD-002", "approve")
    p.act("HCD-009", "review")
    p.on("2026-10-20")
    p.act("HCD-002", "conclude")
    p.act("HCD-009", "approve")
    p.act("MET-002", "review")
    p.on("2026-10-21")
    p.act("HCD-009", "conclude")
    p.act("MET-002", "approve")
    p.on("2026-10-22")
    p.act("MET-002", "conclude")
    p.act("NRP-003", "review")
    p.on("2026-10-27")
    p.act("NRP-003", "approve")
    p.on("2026-10-28")
    p.act("NRP-003", "conclude")
    p.wait_until_concluded("completion_acceptance")
    p.clocks_agree()
    return p


# ------------------------------------------------------------------------------ the checks
CASE_FIELDS = ("received_on", "accepted_on", "due_on", "concluded_on", "used_days", "round")


def test_every_stage_in_order_with_the_hand_computed_dates(project):
    stages = project.stages()
    assert [s["stage"] for s in stages["items"]] == list(EXPECTED_STAGES)
    got = {s["stage"]: {k: s[k] for k in EXPECTED_STAGES[s["stage"]]} for s in stages["items"]}
    assert got == EXPECTED_STAGES
    assert {s["stage"]: s["state"] for s in stages["items"]} == dict.fromkeys(EXPECTED_STAGES, "concluded")
    # 001 §8: 8 + 13 + 8 + 9 = 38 of the 59 working days of the whole flow
    assert stages["overall"] == {"cap_days": 59, "used_days": 38, "remaining_days": 21, "over_cap": False}


def test_every_case_with_the_hand_computed_dates(project):
    stages = project.stages()["items"]
    listed = {c["item_code"]: c for s in stages for c in s["cases"]}
    assert {s["stage"]: sorted(c["item_code"] for c in s["cases"]) for s in stages} == \
        {stage: sorted(items) for stage, items in STAGE_ITEMS.items()}
    for item, expected in EXPECTED_CASES.items():
        case = project.case(item)    # GET /cases/{id}
        assert dates(case, *CASE_FIELDS) == expected, item
        assert dates(listed[item], *CASE_FIELDS) == expected, item
        assert (case["state"], case["light"], case["overdue_days"], case["lapsed_on"]) == \
            ("concluded", "green", 0, None), item


def test_every_decision_recorded_on_its_day(project):
    drc = project.case("DRC-001")
    assert [(h["action"], h["on"]) for h in drc["history"]] == [
        ("accept", "2026-02-11"), ("request_supplement", "2026-02-13"), ("accept_supplement", "2026-02-25"),
        ("review", "2026-02-28"), ("approve", "2026-03-03"), ("conclude", "2026-03-04")]
    returned = project.case("HCD-001")
    assert [(h["action"], h["on"]) for h in returned["history"]] == [
        ("accept", "2026-09-18"), ("review", "2026-09-21"), ("return", "2026-09-22"),
        ("resubmit", "2026-09-30"), ("accept", "2026-10-08"), ("review", "2026-10-10"),
        ("approve", "2026-10-13"), ("conclude", "2026-10-14")]
    assert returned["history"][3]["who"] == "applicant"


def test_supervision_read_model_agrees(project):
    def all_concluded(body):
        cases = [c for s in body["stages"] for c in s["cases"]]
        return (len(body["stages"]) == 4 and all(s["concluded_on"] for s in body["stages"])
                and len(cases) == len(EXPECTED_CASES) and all(c["concluded_on"] and c["licence_no"]
                                                              for c in cases))
    body = project.overview(all_concluded)
    assert [s["stage"] for s in body["stages"]] == list(EXPECTED_STAGES)
    for stage in body["stages"]:
        expected = EXPECTED_STAGES[stage["stage"]]
        assert dates(stage, "received_on", "due_on", "concluded_on") == \
            {k: expected[k] for k in ("received_on", "due_on", "concluded_on")}, stage["stage"]
        assert (stage["state"], stage["on_time"], stage["paused"], stage["light"]) == \
            ("concluded", True, False, "green"), stage["stage"]   # stopped within its limit
        assert stage["limit_days"] == STAGE_LIMITS[stage["stage"]]
    for item, expected in EXPECTED_CASES.items():
        case = supervised_case(body, item)
        assert dates(case, "accepted_on", "due_on", "concluded_on", "used_days", "round") == \
            {k: expected[k] for k in ("accepted_on", "due_on", "concluded_on", "used_days", "round")}, item
        assert (case["state"], case["outcome"], case["on_time"], case["paused_on"], case["returned_on"]) == \
            ("concluded", "approved", True, None, None), item
        assert case["deemed"] is (item == "CMB-001"), item
        assert case["limit_days"] == next(v[item] for v in STAGE_ITEMS.values() if item in v)
    # the timeline tells the supplement, the deemed acceptance and the return once each
    types = [e["type"] for e in body["timeline"]]
    assert (types.count("case.supplement_requested"), types.count("case.supplement_accepted"),
            types.count("case.returned"), types.count("case.resubmitted"), types.count("stage.concluded")) == \
        (1, 1, 1, 1, 4)


def test_a_licence_for_every_approved_case(project):
    licences = eventually(lambda: (lambda items: items if len(items) == len(EXPECTED_CASES) else None)(
        project.applicant.get(f"/projects/{project.code}/licences", params={"limit": 50}).json()["items"]))
    by_case = {l["document"]["case_id"]: l for l in licences}
    assert set(by_case) == {project.cases[item] for item in EXPECTED_CASES}   # exactly one each
    for item, approved_on in APPROVED_ON.items():
        licence = by_case[project.cases[item]]
        document = licence["document"]
        assert (document["item_code"], document["approved_on"], document["issued_on"], licence["status"]) == \
            (item, approved_on, approved_on, "valid"), item
        assert document["licence_no"].startswith(f"410800-{item.split('-')[0]}-2026-"), item
        # the stage service shows the same licence number on the case
        assert eventually(lambda: project.case(item)["licence_no"]) == document["licence_no"], item
        verified = Client(project.platform.url).post("/licences/verify", json={
            "document": document, "signature": licence["signature"], "key_id": licence["key_id"]})
        assert verified.status_code == 200 and verified.json()["valid"] is True, verified.text



def test_the_window_notices_follow_the_supplement_and_the_return(project):
    """intake issues the acceptance, supplement and return notices from the stage service's events (002 §7–8)."""
    listed = project.clerk.get(f"/projects/{project.code}/documents", params={"limit": 200}).json()["items"]
    items = {case_id: item for item, case_id in project.cases.items()}
    notices = [(d["kind"], d["issued_on"]) for d in listed if items.get(d["case_id"]) in ("DRC-001", "HCD-001")]
    assert sorted(notices) == sorted([
        ("acceptance_notice", "2026-02-11"), ("supplement_notice", "2026-02-13"),
        ("acceptance_notice", "2026-02-25"),              # the clock resumes
        ("acceptance_notice", "2026-09-18"), ("acceptance_notice", "2026-10-08"),   # round 1, round 2
        ("return_notice", "2026-09-22"),                  # returned in round 1 (000 §12)
        ("completion_notice", "2026-03-04"), ("completion_notice", "2026-10-14")])  # approved, concluded
    assert [d["issued_on"] for d in listed if d["kind"] == "registration_voucher"] == \
        [s["received_on"] for s in EXPECTED_STAGES.values()]
    # 002 §7(二): the deemed acceptance's notice is issued the day the platform decided it (04-28)
    # and states acceptance as of receipt (04-23)
    deemed = [d for d in listed if items.get(d["case_id"]) == "CMB-001" and d["kind"] == "acceptance_notice"]
    assert [d["issued_on"] for d in deemed] == ["2026-04-28"]
    pdf = project.clerk.get(f"/documents/{deemed[0]['document_id']}/content")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "视为受理" in text and "2026年4月23日" in text


# ------------------------------------------------------------------ what the province holds
def staged_rows(platform):
    """Every row version the exchange staged: (table, DFSJZJ, version)."""
    engine = create_engine(platform.database_urls["supervision"])
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT table_name, dfsjzj, version FROM exchange_rows")).all())
    finally:
        engine.dispose()


def test_the_province_holds_every_row_once_per_version_parents_first(dated_platform, project, province):
    """001 §10–§11: after the walk the front database holds every row the province needs, each
    (DFSJZJ, version) exactly once, every staged version sent, parents written before children, all
    taken in by the province's checker; the window's correction went as a new version of the project."""
    front, code = province, project.code
    case_ids = {case_id: item for item, case_id in project.cases.items()}

    histories = {case_id: project.case(item)["history"] for case_id, item in case_ids.items()}
    expected_steps = {case_id: sorted([1] + [STEP_CODES[h["action"]] for h in history if h["action"] in STEP_CODES])
                      for case_id, history in histories.items()}

    def written():
        return {(TABLES[kind], r["DFSJZJ"], r["SJBB"]) for kind in TABLES for r in front.rows(kind)}

    def steps():
        found = {}
        for r in front.rows("step"):
            found.setdefault(r["SPSXSLBM"], []).append(int(r["BLZT"]))
        return {case_id: sorted(codes) for case_id, codes in found.items()}

    def complete():        # the last events of the walk told, and every version staged so far sent
        staged = staged_rows(dated_platform)
        last["steps"], last["missing"] = steps(), staged - written()
        concluded = [r for r in front.rows("project") if str(r["XMSFWQBJ"]) == "1"]
        return staged if (last["steps"] == expected_steps and not last["missing"] and concluded
                          and len(front.rows("document")) == len(EXPECTED_CASES)) else None
    last = {}
    try:
        staged = eventually(complete, timeout=60, interval=1)
    except AssertionError:
        raise AssertionError(f"the front database lacks {last['missing']}; steps {last['steps']} "
                             f"expected {expected_steps}") from None
    assert front.duplicates() == {}                      # each (DFSJZJ, version) exactly once
    assert written() == staged

    rows = {kind: front.rows(kind) for kind in TABLES}
    assert len({r["SPLCBM"] for r in rows["flow"]}) == 7          # every flow of the demo catalog
    assert rows["stage"] and rows["item"]
    assert {r["SPSXBM"] for r in rows["item"] if r["SPLCBM"] == "gov_building"} >= \
        {item for items in STAGE_ITEMS.values() for item in items}
    assert {r["XMDM"] for r in rows["project"]} == {code}
    units = {(u["DWLX"], u["DWMC"]) for u in rows["unit"]}
    assert {"焦作市建筑设计研究院有限公司", "河南焦作建工集团有限公司", "焦作市建设监理有限公司"} <= {name for _, name in units}
    assert {c["SPSXSLBM"] for c in rows["case"]} == set(case_ids)                  # every case
    assert {d["SPSXSLBM"] for d in rows["document"]} == set(case_ids)              # every licence
    assert len(rows["document"]) == len(EXPECTED_CASES)
    stage_1 = {project.cases[item] for item in STAGE_ITEMS["land_use_planning"]}
    assert {(a["SPSXSLBM"], a["FJMC"]) for a in rows["attachment"]} == \
        {(case_id, "建设项目用地预审与选址意见书") for case_id in stage_1}           # the material, per case
    [redline] = rows["redline"]
    assert redline["XMDM"] == code and '"Polygon"' in redline["JZWJFJ"]
    [service] = rows["intermediary"]
    assert (service["XMDM"], service["ZJJGDM"], service["DFSJZJ"]) == \
        (code, INTERMEDIARY["agency_code"], project.intermediary["record_id"])
    # parents first: every row was written no later than a row of its parent (the province's own
    # parent keys), and the province never found a parent missing
    for table, (parent_table, keys) in province_checker.PARENTS.items():
        if table not in KINDS:       # special procedures (特别程序): none in this walk
            continue
        kind, parent_kind = KINDS[table], KINDS[parent_table]
        for row in rows[kind]:
            parents = [p for p in rows[parent_kind] if all(str(p[there]) == str(row[here]) for here, there in keys)]
            assert parents and min(p["SCSJ"] for p in parents) <= row["SCSJ"], (table, row["DFSJZJ"])
    reasons = [r["SBYY"] for kind in TABLES for r in rows[kind] if r["SJSCZT"] == 2]
    assert not any(reason.startswith("上级数据不存在") for reason in reasons), reasons

    # the window's correction: the project sent again as a new version, the earlier ones kept
    versions = sorted(rows["project"], key=lambda r: r["SJBB"])
    assert [r["SJBB"] for r in versions] == list(range(1, len(versions) + 1))
    sites = [r["JSDD"] for r in versions]
    first = sites.index(CORRECTED_SITE)
    assert first > 0 and sites[first - 1] != CORRECTED_SITE and set(sites[first:]) == {CORRECTED_SITE}
    assert str(versions[-1]["XMSFWQBJ"]) == "1"                  # concluded with its last stage

    def taken_in():        # the province took the latest version of every row in
        latest = {}
        for kind in TABLES:
            for r in front.rows(kind):
                latest[(kind, r["DFSJZJ"])] = r
        refused = {key: r["SBYY"] for key, r in latest.items() if r["SJSCZT"] != 1}
        seen["refused"] = refused
        return not refused
    seen = {}
    try:
        eventually(taken_in, timeout=30, interval=1)
    except AssertionError:
        raise AssertionError(f"not taken in: {seen['refused']}") from None


KINDS = {table: kind for kind, table in TABLES.items()}


# ------------------------------------------------------------------ automatic escalation
def inbox(client, kind, case_id):
    response = client.get("/inbox", params={"kind": kind, "limit": 200})
    assert response.status_code == 200, response.text
    return [n for n in response.json()["items"] if n["case_id"] == case_id]


def test_yellow_red_and_supervision_each_reach_their_people_once(dated_platform, project):
    """000 §18, 002 §2(三), 004 §21, on this platform with two supervision replicas, after the walk:
    a case of a stage another department leads is accepted; when its light turns yellow its
    officers are reminded (inbox), when it turns red the department's head is urged and the lead
    department told, and ESCALATION_RED_DAYS working days after its deadline the region's
    supervisors are told to supervise it (督办); each exactly once, whatever both replicas do."""
    platform = dated_platform
    platforms.set_today(platform, "2026-12-01")          # Tue, after the walk
    operator, applicant, clerk = (login(platform, name) for name in ("operator", "applicant", "clerk"))
    drc, nrp, supervisor = (login(platform, name) for name in ("drc-officer", "nrp-officer", "supervisor"))
    head = f"drc-head-{uuid.uuid4().hex[:6]}"
    created = operator.post("/accounts", json={"account": head, "password": "Init#2026x", "role": "dept_admin",
                                               "name": "发展和改革委员会 负责人", "department": "DRC",
                                               "region": "410800"})
    assert created.status_code == 201, created.text
    changed = requests.post(f"{platform.url}/auth/password", timeout=10, json={
        "account": head, "current_password": "Init#2026x", "new_password": PASSWORD})
    assert changed.status_code == 204, changed.text
    drc_head = login(platform, head)

    registered = applicant.post("/projects", json={"name": "焦作市规划展览馆建设项目", "category": "gov_building",
                                                   "region": "410800", "attributes": ATTRIBUTES})
    assert registered.status_code == 201, registered.text
    code = registered.json()["project_code"]
    declared = applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": FORMS["land_use_planning"], "material_ids": []})
    assert declared.status_code == 201, declared.text

    def drc_case():
        items = clerk.get("/cases", params={"project_code": code}).json()["items"]
        return next((c for c in items if c["department"] == "DRC"), None)
    case = eventually(drc_case)
    accepted = drc.post(f"/cases/{case['case_id']}/actions", json={"action": "accept", "opinion": "受理"})
    assert accepted.status_code == 200, accepted.text
    case_id = case["case_id"]

    def clock():
        items = supervisor.get("/supervision/clocks", params={"project_code": code, "kind": "case"}).json()["items"]
        mine = next((c for c in items if c["case_id"] == case_id), None)
        return mine if mine and mine["due_on"] and mine["yellow_on"] else None
    facts = eventually(clock)
    due_on, yellow_on = date.fromisoformat(facts["due_on"]), date.fromisoformat(facts["yellow_on"])
    assert facts["light"] == "green"

    # yellow: the department's officers are reminded
    platforms.set_today(platform, yellow_on.isoformat())
    [reminder] = eventually(lambda: inbox(drc, "reminder", case_id), timeout=40)
    assert reminder["title"].startswith("临近时限提醒") and due_on.isoformat() in reminder["body"]
    assert inbox(drc_head, "urge", case_id) == [] and inbox(supervisor, "supervision", case_id) == []

    # red: the department head is urged, the lead department told
    platforms.set_today(platform, (due_on + timedelta(days=1)).isoformat())
    [urge] = eventually(lambda: inbox(drc_head, "urge", case_id), timeout=40)
    assert urge["title"].startswith("超时限催办") and urge["urgency"] == "urgent"
    [told] = eventually(lambda: inbox(nrp, "reminder", case_id), timeout=40)
    assert told["title"].startswith("牵头阶段办件超时限")
    assert inbox(supervisor, "supervision", case_id) == []

    # red for two working days after the deadline: 督办 to the region's supervisors
    platforms.set_today(platform, official_calendar().add_working_days(due_on, 2).isoformat())
    [supervised] = eventually(lambda: inbox(supervisor, "supervision", case_id), timeout=40)
    assert supervised["title"].startswith("督办") and supervised["urgency"] == "very_urgent"

    time.sleep(4)   # several more passes by both replicas: nothing is told twice
    assert len(inbox(drc, "reminder", case_id)) == 1
    assert len(inbox(drc_head, "urge", case_id)) == 1
    assert len(inbox(nrp, "reminder", case_id)) == 1
    assert len(inbox(supervisor, "supervision", case_id)) == 1
