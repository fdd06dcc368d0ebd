"""The stage service's use cases on in-memory repositories (a fake unit of work, no database):
what each decides, what it records, and that every event carries the state and clock facts that
``get_case`` and ``list_stages`` show on that day. Dates: November 2025 has no holidays; "W" counts
working days."""
import uuid
from datetime import date

import pytest
from stage_fakes import Store

from platform_kit.clock_facts import light_on
from platform_kit.contracts import Actor, new_event, parse_event
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_kit.identity import Identity
from stage import handlers
from stage.domain.case import NO_OPINION

YELLOW = 2
ORG = "91410800MA47Q0R12X"
PROJECT = "2025-410800-48-01-000007"
STEPS = ("accept", "review", "approve", "conclude")
MON, TUE, WED, THU, FRI = (date(2025, 11, d) for d in (3, 4, 5, 6, 7))
SUPERVISOR = Identity(sub="sup", role="supervisor", name="监督员")
APPLICANT = Identity(sub="app", role="applicant", name="建设单位", org=ORG)
CLERK = Identity(sub="clerk", role="clerk", name="窗口")


def officer(department, sub=None, steps=STEPS, region="410800"):
    return Identity(sub=sub or f"{department.lower()}-1", role="officer", name="经办人", department=department,
                    region=region, steps=steps)


NRP, DRC = officer("NRP"), officer("DRC")


def declaration(received_on=MON, declaration_id=None, items=(("NRP-001", "NRP", 5), ("DRC-001", "DRC", 3)),
                stage_limit=10):
    return new_event("declaration.submitted", source="intake", project_code=PROJECT,
                     actor=Actor(id="app", role="applicant"), payload={
                         "declaration_id": declaration_id or str(uuid.uuid4()), "stage": "land_use_planning",
                         "category": "gov_building", "catalog_version": 1, "region": "410800", "applicant_org": ORG,
                         "project_name": "焦作市体育中心改造项目", "lead_department": "NRP",
                         "stage_limit_days": stage_limit, "submitted_on": received_on, "form": {}, "materials": [],
                         "items": [{"item_code": code, "item_name": f"事项 {code}", "department": dept,
                                    "region": "410800", "limit_days": days} for code, dept, days in items]})


class Platform:
    """The store and one fake unit of work per use case, as the service runs them."""

    def __init__(self):
        self.store = Store()
        self.events = []

    def run(self, use_case, *args, **kwargs):
        uow = self.store.unit_of_work()
        result = use_case(*args, uow=uow, **kwargs)
        # what a subscriber receives: the payload through the contract, both ways
        self.last = [parse_event(e.to_wire()) for e in uow.emitted]
        self.events += self.last
        return result

    def read(self, use_case, *args, **kwargs):
        uow = self.store.unit_of_work()
        result = use_case(*args, uow=uow, **kwargs)
        assert uow.emitted == []
        return result

    def open(self, envelope=None):
        return self.run(handlers.open_stage, envelope or declaration(), yellow_days=YELLOW)

    def act(self, case_id, who, action, on, opinion="同意"):
        return self.run(handlers.act_on_case, case_id, {"action": action, "opinion": opinion}, who, today=on,
                        yellow_days=YELLOW)

    def case(self, case_id, on):
        return self.read(handlers.get_case, case_id, SUPERVISOR, today=on, yellow_days=YELLOW)

    def stage(self, stage_id, on):
        items = self.read(handlers.list_stages, PROJECT, {}, SUPERVISOR, today=on, yellow_days=YELLOW)["items"]
        return next(s for s in items if s["stage_id"] == stage_id)

    def case_id(self, stage_id, item_code):
        return next(c.id for c in self.store.cases.values() if c.stage_id == stage_id and c.item_code == item_code)

    def types(self):
        return [e.type for e in self.last]


def same_facts(facts, view, on):
    """The clock facts of an event show what the view shows on that day."""
    if facts is None:
        return view["due_on"] is None and view["used_days"] == 0 and view["extension_days"] == 0
    return (facts["as_of"], facts["due_on"], facts["yellow_on"], facts["used_days"], facts["remaining_days"],
            facts["due_estimated"], facts["extension_days"], light_on(facts, on), facts["yellow_days"]) == \
        (on, view["due_on"], view["yellow_on"], view["used_days"], view["remaining_days"], view["due_estimated"],
         view["extension_days"], view["light"], YELLOW)


def check_latest_events(platform, on):
    """The latest event about each case and each stage of this run carries the state and the clock
    facts get_case and list_stages show that day."""
    latest = {}
    for e in platform.last:
        p = e.payload
        if e.type.startswith("case."):
            latest[("case", p["case_id"])] = e
        elif e.type == "stage.extended" and p["case_id"]:
            latest[("extended case", p["case_id"])] = e
        elif e.type.startswith("stage."):
            latest[("stage", p["stage_id"])] = e
    assert latest
    for (kind, key), e in latest.items():
        p = e.payload
        if kind == "stage":
            view = platform.stage(key, on)
            assert p["state"] == view["state"], e.type
        else:
            view = platform.case(key, on)
            if kind == "case":
                assert p["state"] == view["state"], e.type
            else:
                assert p["state"] == platform.stage(p["stage_id"], on)["state"]
        assert same_facts(p["clock"], view, on), (e.type, p["clock"], view)


@pytest.fixture
def platform():
    return Platform()


# ---------------------------------------------------------------------------- opening a stage
def test_a_declaration_opens_its_stage_once_also_under_another_event_id(platform):
    envelope = declaration()
    stage_id = platform.open(envelope)
    assert platform.types() == ["stage.opened"]
    assert platform.open(envelope) is None and platform.last == []            # redelivered
    again = declaration(declaration_id=envelope.payload["declaration_id"])
    assert platform.open(again) == stage_id and platform.last == []           # another event id
    assert len(platform.store.stages) == 1 and len(platform.store.cases) == 2

    opened = platform.events[0].payload
    view = platform.stage(stage_id, MON)
    assert opened["state"] == "open" and same_facts(opened["clock"], view, MON)
    # stage: 10 W after Mon 11-03 → Mon 11-17
    assert opened["clock"]["due_on"] == date(2025, 11, 17) and opened["clock"]["started_on"] == MON
    assert {(c["item_code"], c["state"], c["acceptance_due_on"]) for c in opened["cases"]} == {
        ("NRP-001", "submitted", WED), ("DRC-001", "submitted", WED)}


# ---------------------------------------------------------------------------- deciding
def test_accept_review_approve_conclude_and_the_stage_concludes(platform):
    stage_id = platform.open(declaration(items=(("NRP-001", "NRP", 5),)))
    case_id = platform.case_id(stage_id, "NRP-001")
    accepted = platform.act(case_id, NRP, "accept", TUE)
    assert platform.types() == ["case.accepted"]
    assert accepted["due_on"] == date(2025, 11, 11) and accepted["state"] == "accepted"   # 5 W after Tue
    check_latest_events(platform, TUE)
    for action, on, kind in (("review", WED, "case.reviewed"), ("approve", THU, "case.approved")):
        platform.act(case_id, NRP, action, on)
        assert platform.types() == [kind]
        check_latest_events(platform, on)
    concluded = platform.act(case_id, NRP, "conclude", FRI)
    assert platform.types() == ["case.concluded", "stage.concluded"]
    check_latest_events(platform, FRI)
    payload = platform.last[0].payload
    assert (payload["state"], payload["outcome"], payload["on_time"], payload["used_days"]) == (
        "concluded", "approved", True, 3)
    assert payload["clock"]["stopped_on"] == FRI and payload["clock"]["light"] == "green"
    assert platform.last[1].payload["state"] == "concluded"
    assert concluded["state"] == "concluded" and [h["action"] for h in concluded["history"]] == [
        "accept", "review", "approve", "conclude"]
    # the stage row was locked before the case row, every time
    locks = platform.store.locks
    assert all(locks[i] == ("stage", stage_id) and locks[i + 1][0] == "case" for i in range(0, len(locks), 2))
    with pytest.raises(Conflict):
        platform.act(case_id, NRP, "review", FRI)


def test_supplement_pauses_the_case_and_the_stage_and_acceptance_resumes_them(platform):
    stage_id = platform.open()
    case_id = platform.case_id(stage_id, "NRP-001")
    platform.act(case_id, NRP, "accept", TUE)
    with pytest.raises(ValidationFailed):
        platform.act(case_id, NRP, "request_supplement", WED, opinion=" ")
    paused = platform.act(case_id, NRP, "request_supplement", WED, opinion="请补充用地预审意见")
    assert platform.types() == ["case.supplement_requested", "stage.paused"]
    assert paused["paused"] is True and paused["due_on"] is None
    check_latest_events(platform, WED)
    assert platform.last[0].payload["clock"]["paused"] is True
    assert platform.last[1].payload["clock"]["paused"] is True
    resumed = platform.act(case_id, NRP, "accept_supplement", date(2025, 11, 10), opinion="补正齐全")
    assert platform.types() == ["case.supplement_accepted", "stage.resumed"]
    check_latest_events(platform, date(2025, 11, 10))
    # nothing used (paused from Wed 11-05, the notice day, which is not counted); 5 W after Mon 11-10
    # → Mon 11-17
    assert resumed["due_on"] == date(2025, 11, 17) and resumed["used_days"] == 0
    assert resumed["state"] == "accepted"


def test_a_supplement_before_acceptance_starts_the_clock_when_accepted(platform):
    stage_id = platform.open()
    case_id = platform.case_id(stage_id, "DRC-001")
    platform.act(case_id, DRC, "request_supplement", TUE, opinion="缺少核准申请报告")
    assert platform.last[0].payload["clock"] is None and platform.last[0].payload["state"] == "supplementing"
    check_latest_events(platform, TUE)
    platform.act(case_id, DRC, "accept_supplement", THU)
    assert platform.types() == ["case.accepted", "stage.resumed"]
    check_latest_events(platform, THU)
    assert platform.last[0].payload["clock"]["started_on"] == THU


def test_return_ends_the_case_clock_and_resubmission_starts_afresh(platform):
    stage_id = platform.open()
    case_id = platform.case_id(stage_id, "DRC-001")
    platform.act(case_id, DRC, "accept", TUE)
    returned = platform.act(case_id, DRC, "return", WED, opinion="项目性质变更")
    assert platform.types() == ["case.returned", "stage.paused"]
    check_latest_events(platform, WED)
    assert returned["state"] == "returned" and platform.last[0].payload["clock"]["stopped_on"] == WED
    with pytest.raises(Forbidden):
        platform.act(case_id, DRC, "resubmit", THU)                    # the applicant's act
    again = platform.act(case_id, APPLICANT, "resubmit", THU, opinion="已修改")
    assert platform.types() == ["case.resubmitted", "stage.resumed"]
    check_latest_events(platform, THU)
    assert again["round"] == 2 and again["state"] == "submitted" and again["acceptance_due_on"] == date(2025, 11, 10)
    assert platform.last[0].payload["clock"] is None


def test_refusal_closes_the_case_with_its_reasons(platform):
    stage_id = platform.open(declaration(items=(("DRC-001", "DRC", 3),)))
    case_id = platform.case_id(stage_id, "DRC-001")
    with pytest.raises(ValidationFailed):
        platform.act(case_id, DRC, "refuse", TUE, opinion="")
    with pytest.raises(Forbidden):
        platform.act(case_id, NRP, "refuse", TUE, opinion="不属于本部门")
    refused = platform.act(case_id, DRC, "refuse", TUE, opinion="不符合产业政策")
    assert platform.types() == ["case.refused", "stage.concluded"]
    check_latest_events(platform, TUE)
    assert refused["state"] == "refused" and refused["history"][-1]["opinion"] == "不符合产业政策"


def test_deemed_acceptance_as_of_receipt_before_any_later_act(platform):
    """002 §7(二): nobody asked a supplement within 2 W of receipt: accepted as of receipt."""
    stage_id = platform.open()
    case_id = platform.case_id(stage_id, "NRP-001")
    late = platform.act(case_id, NRP, "request_supplement", THU, opinion="请补充")
    assert platform.types() == ["case.accepted", "case.supplement_requested", "stage.paused"]
    deemed = platform.last[0]
    assert deemed.actor.id == "system" and deemed.payload["deemed"] is True and deemed.payload["on"] == MON
    assert deemed.payload["state"] == "accepted" and deemed.payload["clock"]["started_on"] == MON
    check_latest_events(platform, THU)
    assert [h["action"] for h in late["history"]] == ["deemed_accept", "request_supplement"]
    assert late["accepted_on"] == MON and late["used_days"] == 2    # Tue, Wed counted; paused from Thu


def test_the_sweep_deems_acceptance_then_records_no_opinion_once(platform):
    stage_id = platform.open(declaration(items=(("DRC-001", "DRC", 3),)))
    case_id = platform.case_id(stage_id, "DRC-001")
    assert platform.run(handlers.sweep, today=WED, yellow_days=YELLOW) == 0
    assert platform.run(handlers.sweep, today=THU, yellow_days=YELLOW) == 1
    assert platform.types() == ["case.accepted"] and platform.last[0].payload["deemed"] is True
    check_latest_events(platform, THU)
    # accepted as of Mon: due Thu 11-06; Fri: the opinion is missing (004 §14)
    assert platform.run(handlers.sweep, today=THU, yellow_days=YELLOW) == 0
    assert platform.run(handlers.sweep, today=FRI, yellow_days=YELLOW) == 1
    lapsed = platform.last[0].payload
    assert platform.types() == ["case.lapsed", "case.recalled"] and lapsed["opinion"] == NO_OPINION \
        and lapsed["due_on"] == THU and lapsed["lapse_action"] == "return_to_lead"
    check_latest_events(platform, FRI)
    assert lapsed["clock"]["light"] == "red" and lapsed["state"] == "accepted"
    assert platform.run(handlers.sweep, today=date(2025, 11, 10), yellow_days=YELLOW) == 0
    case = platform.case(case_id, FRI)
    assert case["lapsed_on"] == FRI and [h["action"] for h in case["history"]] == \
        ["deemed_accept", "no_opinion", "recall"]
    assert case["recalled_to"] == "NRP"


def test_extensions_by_the_lead_department_carry_the_extended_clock(platform):
    stage_id = platform.open()
    case_id = platform.case_id(stage_id, "DRC-001")
    platform.act(case_id, DRC, "accept", TUE)
    with pytest.raises(Forbidden):
        platform.run(handlers.extend_limit, {"case_id": case_id, "days": 2, "reason": "复杂"}, DRC, today=WED,
                     yellow_days=YELLOW)
    out = platform.run(handlers.extend_limit, {"case_id": case_id, "days": 2, "reason": "需现场踏勘"}, NRP,
                       today=WED, yellow_days=YELLOW)["case"]
    assert platform.types() == ["stage.extended"]
    extended = platform.last[0].payload
    assert extended["case_id"] == case_id and extended["clock"]["extension_days"] == 2
    assert out["due_on"] == date(2025, 11, 11) == extended["due_on"]     # 3 + 2 W after Tue 11-04
    check_latest_events(platform, WED)
    out = platform.run(handlers.extend_limit, {"stage_id": stage_id, "days": 3, "reason": "并联审批协调"}, NRP,
                       today=WED, yellow_days=YELLOW)["stage"]
    assert platform.last[0].payload["case_id"] is None and out["extension_days"] == 3
    check_latest_events(platform, WED)
    with pytest.raises(NotFound):
        platform.run(handlers.extend_limit, {"stage_id": "nope", "days": 1, "reason": "x"}, NRP, today=WED,
                     yellow_days=YELLOW)


def test_special_handling_is_recorded_with_its_reason(platform):
    stage_id = platform.open()
    case_id = platform.case_id(stage_id, "NRP-001")
    platform.act(case_id, NRP, "accept", TUE)
    cmd = {"action": "review", "opinion": "特殊处理", "reason": "审核人长期病假", "attachment_ref": "att-1"}
    with pytest.raises(Forbidden):
        platform.run(handlers.special_handle, case_id, cmd, DRC, today=WED, yellow_days=YELLOW)
    with pytest.raises(ValidationFailed):
        platform.run(handlers.special_handle, case_id, dict(cmd, action="resubmit"), NRP, today=WED,
                     yellow_days=YELLOW)
    # a person not named for the step passes it under special handling (004 §17)
    out = platform.run(handlers.special_handle, case_id, cmd, officer("NRP", sub="nrp-2", steps=()), today=WED,
                       yellow_days=YELLOW)
    assert platform.types() == ["case.reviewed", "case.special_handled"]
    check_latest_events(platform, WED)
    special = platform.last[1].payload
    assert (special["from_state"], special["to_state"], special["reason"]) == ("accepted", "reviewed", "审核人长期病假")
    last = out["history"][-1]
    assert last["special"] is True and last["reason"] == "审核人长期病假" and last["attachment_ref"] == "att-1"


# ---------------------------------------------------------------------------- responsible persons
def test_named_persons_narrow_a_step_and_every_change_is_recorded(platform):
    admin = Identity(sub="nrp-admin", role="dept_admin", name="管理员", department="NRP", region="410800")
    with pytest.raises(Forbidden):
        platform.run(handlers.configure_step, {"item_code": "NRP-001", "step": "accept", "officer": "nrp-2",
                                               "granted": True, "reason": "x"}, NRP)
    out = platform.run(handlers.configure_step, {"item_code": "NRP-001", "step": "accept", "officer": "nrp-2",
                                                 "granted": True, "reason": "科室分工"}, admin)
    assert out["current"] == [{"department": "NRP", "item_code": "NRP-001", "region": "410800", "step": "accept",
                               "officers": ["nrp-2"]}]
    assert out["history"][0]["changed_by"] == "nrp-admin" and out["history"][0]["changed_at"]
    stage_id = platform.open()
    case_id = platform.case_id(stage_id, "NRP-001")
    with pytest.raises(Forbidden):
        platform.act(case_id, NRP, "accept", TUE)                 # nrp-1 is not named for it
    assert platform.act(case_id, officer("NRP", sub="nrp-2"), "accept", TUE)["state"] == "accepted"
    out = platform.run(handlers.configure_step, {"item_code": "NRP-001", "step": "accept", "officer": "nrp-2",
                                                 "granted": False, "reason": "调岗"}, admin)
    assert out["current"] == [] and [h["granted"] for h in out["history"]] == [True, False]


# ---------------------------------------------------------------------------- who sees what
def test_visibility_is_one_rule_for_single_reads_and_lists(platform):
    stage_id = platform.open()
    nrp_case, drc_case = platform.case_id(stage_id, "NRP-001"), platform.case_id(stage_id, "DRC-001")

    def cases(who):
        return {c["case_id"] for c in platform.run(handlers.list_cases, {}, who, today=TUE,
                                                   yellow_days=YELLOW)["items"]}

    assert cases(NRP) == {nrp_case} and cases(APPLICANT) == {nrp_case, drc_case} == cases(CLERK)
    assert cases(officer("NRP", region="410900")) == set()
    assert cases(Identity(sub="x", role="applicant", name="x", org="other")) == set()
    assert platform.run(handlers.get_case, nrp_case, NRP, today=TUE, yellow_days=YELLOW)["case_id"] == nrp_case
    with pytest.raises(Forbidden):
        platform.run(handlers.get_case, drc_case, NRP, today=TUE, yellow_days=YELLOW)
    with pytest.raises(NotFound):
        platform.run(handlers.get_case, drc_case, Identity(sub="x", role="applicant", name="x", org="other"),
                     today=TUE, yellow_days=YELLOW)
    with pytest.raises(Forbidden):
        platform.run(handlers.list_cases, {}, Identity(sub="d", role="dept_admin", name="d", department="NRP"),
                     today=TUE, yellow_days=YELLOW)

    def stages(who):
        return platform.run(handlers.list_stages, PROJECT, {}, who, today=TUE, yellow_days=YELLOW)["items"]

    # a department taking part sees the whole stage (parallel approval), without the case histories
    seen = stages(DRC)
    assert len(seen) == 1 and len(seen[0]["cases"]) == 2 and "history" not in seen[0]["cases"][0]
    assert "history" in stages(APPLICANT)[0]["cases"][0]
    for outsider in (officer("FIRE"), Identity(sub="x", role="applicant", name="x", org="other")):
        with pytest.raises(Forbidden):
            stages(outsider)


# ---------------------------------------------------------------------------- the calendar
def test_loading_a_year_publishes_it_and_recounts_the_estimated_clocks(platform):
    # received Mon 2026-12-14, a 20-day stage reaches into 2027, whose schedule is not loaded
    received = date(2026, 12, 14)
    stage_id = platform.open(declaration(received_on=received, items=(("NRP-001", "NRP", 15),), stage_limit=20))
    case_id = platform.case_id(stage_id, "NRP-001")
    accepted = platform.act(case_id, NRP, "accept", date(2026, 12, 15))
    assert accepted["due_estimated"] is True and accepted["due_on"] == date(2027, 1, 5)   # Mon–Fri assumed
    cmd = {"year": 2027, "holidays": [date(2027, 1, 1), date(2027, 1, 4)], "working_weekends": []}
    with pytest.raises(ValidationFailed):
        platform.run(handlers.load_calendar_year, dict(cmd, working_weekends=[date(2027, 1, 1)]),
                     Identity(sub="ops", role="operator", name="运维"), today=date(2026, 12, 16), yellow_days=YELLOW)
    assert platform.store.loads == []
    out = platform.run(handlers.load_calendar_year, cmd, Identity(sub="ops", role="operator", name="运维"),
                       today=date(2026, 12, 16), yellow_days=YELLOW)
    assert out["recomputed_clocks"] == 2 and 2027 in out["loaded_years"]
    assert platform.types() == ["calendar.year_loaded", "stage.clock_recomputed", "stage.clock_recomputed"]
    loaded = platform.last[0]
    assert loaded.project_code is None and loaded.payload["year"] == 2027
    assert loaded.payload["holidays"] == cmd["holidays"] and loaded.payload["loaded_by"] == "ops"
    assert platform.store.loads[0]["event_id"] == loaded.event_id
    stage_fact, case_fact = (e.payload for e in platform.last[1:])
    assert (stage_fact["case_id"], case_fact["case_id"], case_fact["year"]) == (None, case_id, 2027)
    today = date(2026, 12, 16)
    assert same_facts(stage_fact["clock"], platform.stage(stage_id, today), today)
    assert same_facts(case_fact["clock"], platform.case(case_id, today), today)
    # 01-01 and 01-04 are holidays now: 15 W after 12-15 → Thu 2027-01-07, no longer an estimate
    assert case_fact["clock"]["due_on"] == date(2027, 1, 7) and case_fact["clock"]["due_estimated"] is False
    listed = platform.run(handlers.list_calendar_years)
    assert listed["operator_loads"][0]["year"] == 2027 and listed["operator_loads"][0]["loaded_by"] == "ops"


def test_the_workbench_counts_the_callers_cases_and_lists_them_by_todays_light(platform):
    stage_id = platform.open()   # NRP-001 (5 W) and DRC-001 (3 W), received Mon 11-03
    nrp_case, drc_case = platform.case_id(stage_id, "NRP-001"), platform.case_id(stage_id, "DRC-001")
    platform.act(nrp_case, NRP, "accept", MON)      # due Mon 11-10
    platform.act(drc_case, DRC, "accept", MON)      # due Thu 11-06
    platform.act(drc_case, DRC, "request_supplement", THU, opinion="请补充节能报告")   # Tue, Wed used: 1 W left

    def counters(who, on):
        return platform.read(handlers.count_cases, who, today=on, yellow_days=YELLOW)

    assert counters(NRP, WED) == {"todo": 1, "supplementing": 0, "due_soon": 0, "overdue": 0, "done": 0,
                                  "as_of": WED}
    # Thu: 2 W left (Fri, Mon) → yellow; the DRC case waits for its supplement, yellow as it was paused
    assert counters(NRP, THU)["due_soon"] == 1
    assert counters(DRC, THU) == {"todo": 0, "supplementing": 1, "due_soon": 1, "overdue": 0, "done": 0,
                                  "as_of": THU}
    later = date(2025, 11, 11)
    assert counters(SUPERVISOR, later) == {"todo": 1, "supplementing": 1, "due_soon": 1, "overdue": 1, "done": 0,
                                           "as_of": later}
    with pytest.raises(Forbidden):
        counters(Identity(sub="a", role="dept_admin", name="管理员", department="NRP", region="410800"), later)

    def listed(who, light, on):
        page = platform.read(handlers.list_cases, {"light": light, "limit": 50, "offset": 0}, who, today=on,
                             yellow_days=YELLOW)
        assert all(c["light"] == light for c in page["items"])
        return [c["case_id"] for c in page["items"]]

    assert listed(SUPERVISOR, "red", later) == [nrp_case]
    assert listed(SUPERVISOR, "yellow", later) == [drc_case]
    assert listed(NRP, "green", WED) == [nrp_case] and listed(DRC, "green", WED) == []
