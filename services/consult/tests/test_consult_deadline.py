"""004 §14 on a real RabbitMQ vhost and a real PostgreSQL database: the consult service records
"no opinion" for departments silent by the deadline and publishes it; the asking department then
countersigns (办结会签) and consultation.closed cites every answer; two replicas sweeping one
database record each silence exactly once; a late reply is refused.
"today" is moved with PLATFORM_DATE_FILE (read by every replica of the process)."""
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from consult.service import ConsultService
from platform_kit.bus import event_handler
from platform_kit.calendar import DATE_FILE_ENV
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, ValidationFailed

OPENED = date(2026, 11, 2)          # a Monday; 3 working days later is Thursday 2026-11-05
DUE = date(2026, 11, 5)
PROJECT = "2026-410800-48-01-000777"


class Recorder:
    name = "consult_recorder"
    seen = []

    @event_handler("consult", "consultation.lapsed")
    def on_lapsed(self, envelope):
        self.seen.append(envelope)

    @event_handler("consult", "consultation.closed")
    def on_closed(self, envelope):
        self.seen.append(envelope)

    @event_handler("consult", "consultation.opened")
    def on_opened(self, envelope):
        self.seen.append(envelope)


@pytest.fixture
def clock(tmp_path, monkeypatch):
    path = tmp_path / "today"
    monkeypatch.setenv(DATE_FILE_ENV, str(path))

    def set_today(day):
        path.write_text(day.isoformat())

    set_today(OPENED)
    return set_today


@pytest.fixture
def config(service_config, container_factory):
    config = service_config("consult", SWEEP_SECONDS=3600)
    recorder = container_factory(Recorder, config)
    recorder.start()
    return config


def rpc(config, token):
    return ServiceRpcProxy("consult", config, context_data={"authorization": token}, timeout=15)


def officer(make_token, department):
    return make_token("officer", sub=f"officer-{department.lower()}", department=department)


DEPARTMENTS = ("DRC", "FIRE", "NRP", "HOUSING", "TAX")


def catalog_loaded(config, container, departments=DEPARTMENTS, rules=()):
    """The departments (and item rules) of a catalog version, delivered as intake publishes them."""
    load = new_event("catalog.loaded", source="intake", project_code=None,
                     actor=Actor(id="operator-1", role="operator"), payload={
                         "version": 1, "loaded_by": "operator-1",
                         "departments": [{"code": d, "name": f"{d} 部门", "region": "410800"} for d in departments],
                         "consultation_rules": list(rules)})
    with entrypoint_waiter(container, "on_catalog_loaded", timeout=10):
        event_dispatcher(config)("intake", "catalog.loaded", load.to_wire())


def reply(kind="agree", opinion="同意", conditions=""):
    return {"kind": kind, "opinion": opinion, "conditions": conditions}


def open_consultation(config, make_token, asked_of, case_id="case-1", due_days=3):
    with rpc(config, officer(make_token, "DRC")) as proxy:
        return proxy.open_consultation({"project_code": PROJECT, "case_id": case_id, "asked_of": asked_of,
                                        "question": "该项目选址是否涉及贵部门管理事项？", "due_days": due_days})


def events(kind, consultation_ids, count, timeout=20):
    deadline = time.time() + timeout
    while True:
        found = [e for e in Recorder.seen if e.type == kind and e.payload["consultation_id"] in consultation_ids]
        if len(found) >= count or time.time() > deadline:
            return found
        time.sleep(0.1)


def test_silent_departments_get_no_opinion_by_the_sweep_and_a_late_reply_is_refused(
        clock, config, container_factory, make_token):
    container = container_factory(ConsultService, dict(config, SWEEP_SECONDS=0.3))
    container.start()
    catalog_loaded(config, container)
    opened = open_consultation(config, make_token, ["FIRE", "NRP", "HOUSING"])
    assert opened["due_on"] == DUE.isoformat()
    with rpc(config, officer(make_token, "NRP")) as proxy:
        assert proxy.reply_to_consultation(opened["id"], reply())["status"] == "open"
    clock(DUE)
    time.sleep(1)   # passes on the deadline day itself: nothing is due yet
    assert events("consultation.lapsed", {opened["id"]}, 0, timeout=0) == []

    day_after = DUE + timedelta(days=1)
    clock(day_after)
    [lapsed] = events("consultation.lapsed", {opened["id"]}, 1)
    assert lapsed.actor.id == "system" and lapsed.project_code == PROJECT
    assert lapsed.payload == {"consultation_id": opened["id"], "case_id": "case-1",
                              "departments": ["FIRE", "HOUSING"], "due_on": DUE, "recorded_on": day_after}
    assert events("consultation.closed", {opened["id"]}, 0, timeout=0) == []   # the countersign closes it

    with rpc(config, officer(make_token, "FIRE")) as proxy:
        with pytest.raises(Conflict) as err:
            proxy.reply_to_consultation(opened["id"], reply(opinion="迟到的意见"))
        assert "答复期限" in err.value.detail and "无意见" in err.value.detail
    with rpc(config, make_token("supervisor")) as proxy:
        shown = proxy.get_consultation(opened["id"])
    assert shown["status"] == "answered" and shown["answered_on"] == day_after.isoformat()
    with rpc(config, officer(make_token, "DRC")) as proxy:
        signed = proxy.countersign_consultation(opened["id"], {"summary": "住建部门同意，其余部门逾期视为无意见"})
    assert (signed["status"], signed["closed_on"], signed["closed_by"]) == ("closed", day_after.isoformat(), "officer-drc")
    [closed] = events("consultation.closed", {opened["id"]}, 1)
    assert closed.version == 2 and closed.payload["closed_on"] == day_after and closed.payload["case_id"] == "case-1"
    assert [(r["department"], r["opinion_kind"]) for r in closed.payload["replies"]] == [
        ("FIRE", "no_opinion"), ("HOUSING", "no_opinion"), ("NRP", "agree")]
    assert closed.payload["summary"] == "住建部门同意，其余部门逾期视为无意见"
    replies = {r["department"]: r for r in signed["replies"]}
    assert replies["NRP"]["opinion_kind"] == "agree" and replies["NRP"]["opinion"] == "同意"
    assert replies["NRP"]["replied_by"] == "officer-nrp" and replies["NRP"]["replied_on"] == OPENED.isoformat()
    for department in ("FIRE", "HOUSING"):
        assert replies[department]["opinion_kind"] == "no_opinion"
        assert replies[department]["replied_by"] == "system"
        assert replies[department]["replied_on"] == day_after.isoformat()
        assert "无意见" in replies[department]["opinion"]

    time.sleep(1)   # later passes find nothing more to record
    assert len(events("consultation.lapsed", {opened["id"]}, 0, timeout=0)) == 1
    assert len(events("consultation.closed", {opened["id"]}, 0, timeout=0)) == 1


def test_the_last_reply_in_time_answers_the_consultation_and_nothing_lapses(
        clock, config, container_factory, make_token):
    container = container_factory(ConsultService, dict(config, SWEEP_SECONDS=0.3))
    container.start()
    catalog_loaded(config, container)
    opened = open_consultation(config, make_token, ["FIRE", "NRP"], case_id=None)
    with rpc(config, officer(make_token, "DRC")) as proxy:   # NRP and FIRE not answered, deadline not past
        with pytest.raises(Conflict) as err:
            proxy.countersign_consultation(opened["id"], {"summary": "汇总"})
        assert "FIRE" in err.value.detail and "NRP" in err.value.detail
    clock(DUE)
    with rpc(config, officer(make_token, "FIRE")) as proxy:
        assert proxy.reply_to_consultation(opened["id"], reply())["status"] == "open"
    with rpc(config, officer(make_token, "NRP")) as proxy:
        answered = proxy.reply_to_consultation(opened["id"], reply("conditional", "有条件同意", "退让道路红线5米"))
    assert answered["status"] == "answered" and answered["answered_on"] == DUE.isoformat()
    assert answered["closed_on"] is None
    clock(DUE + timedelta(days=3))
    time.sleep(1.5)
    assert events("consultation.lapsed", {opened["id"]}, 0, timeout=0) == []
    with rpc(config, officer(make_token, "DRC")) as proxy:
        proxy.countersign_consultation(opened["id"], {"summary": "同意，按规划部门条件执行"})
    [closed] = events("consultation.closed", {opened["id"]}, 1)
    assert closed.actor.id == "officer-drc" and closed.payload["case_id"] is None
    assert [(r["department"], r["opinion_kind"], r["conditions"]) for r in closed.payload["replies"]] == [
        ("FIRE", "agree", ""), ("NRP", "conditional", "退让道路红线5米")]


def test_two_replicas_record_each_no_opinion_exactly_once(clock, config, container_factory, make_token):
    opener = container_factory(ConsultService, config)
    opener.start()
    catalog_loaded(config, opener)
    asked = [["FIRE"], ["FIRE", "NRP"], ["NRP", "HOUSING", "TAX"], ["HOUSING"], ["FIRE", "TAX"],
             ["NRP"], ["FIRE", "NRP", "HOUSING"]]
    opened = [open_consultation(config, make_token, departments, case_id=f"case-{i}")
              for i, departments in enumerate(asked)]
    with rpc(config, officer(make_token, "NRP")) as proxy:   # one answered in full, one in part
        proxy.reply_to_consultation(opened[5]["id"], reply())
        proxy.reply_to_consultation(opened[6]["id"], reply())
    opener.stop()

    fast = dict(config, SWEEP_SECONDS=0.2, SWEEP_BATCH=1)   # batches of one: both replicas claim rows
    replicas = [container_factory(ConsultService, fast) for _ in range(2)]
    for replica in replicas:
        replica.start()
    clock(DUE + timedelta(days=4))
    ids = {o["id"] for o in opened}
    lapsed = events("consultation.lapsed", ids, 6, timeout=30)
    time.sleep(1.5)   # several more passes by both replicas: nothing may be recorded twice
    lapsed = events("consultation.lapsed", ids, 0, timeout=0)
    assert sorted(e.payload["consultation_id"] for e in lapsed) == sorted(o["id"] for o in opened[:5] + opened[6:])
    expected = {(o["id"], d) for o, departments in zip(opened, asked) for d in departments} - {
        (opened[5]["id"], "NRP"), (opened[6]["id"], "NRP")}
    assert {(e.payload["consultation_id"], d) for e in lapsed for d in e.payload["departments"]} == expected

    engine = create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT consultation_id, department, count(*) FROM consultation_replies "
                                     "WHERE opinion_kind = 'no_opinion' GROUP BY consultation_id, department")).all()
            assert {(c, d) for c, d, _ in rows} == expected and all(n == 1 for _, _, n in rows)
            answered = conn.execute(text("SELECT count(*) FROM consultations WHERE answered_on IS NOT NULL")).scalar()
            assert answered == len(opened)
            # the database itself refuses a second answer of one department
            with pytest.raises(IntegrityError):
                conn.execute(text("INSERT INTO consultation_replies (consultation_id, department, opinion, "
                                  "replied_by, replied_on, opinion_kind) VALUES (:c, 'FIRE', '无意见', 'system', "
                                  ":d, 'no_opinion')"), {"c": opened[0]["id"], "d": DUE})
    finally:
        engine.dispose()


def year_loaded(year, holidays, working_weekends=()):
    return new_event("calendar.year_loaded", source="stage", project_code=None,
                     actor=Actor(id="operator-1", role="operator"), payload={
                         "year": year, "holidays": list(holidays), "working_weekends": list(working_weekends),
                         "loaded_by": "operator-1", "loaded_at": datetime(2026, 12, 29, 2, tzinfo=timezone.utc)})


def test_a_deadline_in_a_year_not_loaded_is_estimated_then_counted_again_when_the_year_arrives(
        clock, config, container_factory, make_token):
    """Opened Monday 2026-12-28 with 5 working days, before the 2027 schedule is loaded: 29, 30, 31
    December, then Monday–Friday assumed for 2027 (Fri 1, Mon 4 January): due 2027-01-04, an estimate.
    The operator's 2027 schedule (1 January a holiday) arrives by event: due Tuesday 2027-01-05."""
    clock(date(2026, 12, 28))
    container = container_factory(ConsultService, dict(config, SWEEP_SECONDS=0.3))
    container.start()
    catalog_loaded(config, container)
    opened = open_consultation(config, make_token, ["FIRE", "NRP"], case_id="case-2027", due_days=5)
    assert (opened["due_on"], opened["due_estimated"], opened["due_days"]) == ("2027-01-04", True, 5)
    [published] = [e for e in events("consultation.opened", {opened["id"]}, 1)]
    assert published.payload["due_on"] == date(2027, 1, 4) and published.payload["due_estimated"] is True

    load = year_loaded(2027, [date(2027, 1, 1)])
    dispatch = event_dispatcher(config)
    for _ in range(2):   # redelivered: stored and counted once
        with entrypoint_waiter(container, "on_calendar_year_loaded", timeout=10):
            dispatch("stage", "calendar.year_loaded", load.to_wire())

    with rpc(config, make_token("supervisor")) as proxy:
        shown = proxy.get_consultation(opened["id"])
    assert (shown["due_on"], shown["due_estimated"]) == ("2027-01-05", False)
    [recount] = shown["deadline_recounts"]
    assert (recount["year"], recount["old_due_on"], recount["new_due_on"], recount["still_estimated"],
            recount["loaded_by"]) == (2027, "2027-01-04", "2027-01-05", False, "operator-1")

    # a consultation opened now counts with the loaded year at once: no estimate
    clock(date(2026, 12, 30))
    later = open_consultation(config, make_token, ["FIRE"], case_id="case-later", due_days=2)
    assert (later["due_on"], later["due_estimated"], later["deadline_recounts"]) == ("2027-01-04", False, [])

    # the sweeper goes by the new date: nothing lapses on the estimated one, silence lapses after the new one
    clock(date(2027, 1, 5))
    time.sleep(1.2)
    assert events("consultation.lapsed", {opened["id"]}, 0, timeout=0) == []
    clock(date(2027, 1, 6))
    [lapsed] = events("consultation.lapsed", {opened["id"]}, 1)
    assert lapsed.payload["due_on"] == date(2027, 1, 5) and lapsed.payload["recorded_on"] == date(2027, 1, 6)

    engine = create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM calendar_years WHERE year = 2027")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM consultation_deadline_recounts")).scalar() == 1
    finally:
        engine.dispose()


def test_due_days_stays_within_sixty_working_days(clock, config, container_factory, make_token):
    container_factory(ConsultService, config).start()
    with pytest.raises(ValidationFailed) as err:
        open_consultation(config, make_token, ["FIRE"], due_days=61)
    assert [e["message"] for e in err.value.errors if e["field"] == "due_days"] == ["答复期限须为 1 至 60 个工作日"]


def test_an_estimate_missed_by_a_load_is_counted_again_by_the_sweeper(clock, config, container_factory, make_token):
    """A consultation opened while an operator's load was being stored keeps its estimate past the
    load's own recount; the next sweep counts it again, before any silence could lapse by it."""
    from sqlalchemy.orm import Session

    from platform_kit.calendar_store import record_year

    clock(date(2026, 12, 28))
    container = container_factory(ConsultService, dict(config, SWEEP_SECONDS=0.3))
    container.start()
    catalog_loaded(config, container)
    opened = open_consultation(config, make_token, ["FIRE"], case_id="case-race", due_days=5)
    assert (opened["due_on"], opened["due_estimated"]) == ("2027-01-04", True)
    engine = create_engine(config["DATABASE_URL"])
    try:
        with Session(engine) as session, session.begin():
            record_year(session, 2027, [date(2027, 1, 1)], [], "operator-1")
    finally:
        engine.dispose()
    deadline = time.time() + 10
    while True:
        with rpc(config, make_token("supervisor")) as proxy:
            shown = proxy.get_consultation(opened["id"])
        if not shown["due_estimated"] or time.time() > deadline:
            break
        time.sleep(0.2)
    assert (shown["due_on"], shown["due_estimated"]) == ("2027-01-05", False)
    assert [(r["year"], r["old_due_on"], r["new_due_on"]) for r in shown["deadline_recounts"]] == \
        [(2027, "2027-01-04", "2027-01-05")]
    time.sleep(1)   # later sweeps find nothing more to count
    with rpc(config, make_token("supervisor")) as proxy:
        assert len(proxy.get_consultation(opened["id"])["deadline_recounts"]) == 1


def test_the_item_rule_sets_departments_and_days_and_bad_requests_write_nothing(
        clock, config, container_factory, make_token):
    """Monday 2026-11-02; the item NRP-002 consults FIRE and HOUSING within 5 working days: due Monday
    2026-11-09. An unknown department, or other days than the rule's, is refused and nothing is kept."""
    container = container_factory(ConsultService, config)
    container.start()
    catalog_loaded(config, container, rules=[{"item_code": "NRP-002", "consultations": [
        {"department": "FIRE", "days": 5}, {"department": "HOUSING", "days": 5}]}])
    opened_stage = new_event("stage.opened", source="stage", project_code=PROJECT,
                             actor=Actor(id="system", role="system"), payload={
                                 "stage_id": "stage-1", "declaration_id": "decl-1", "stage": "engineering_permit",
                                 "lead_department": "NRP", "limit_days": 20, "received_on": OPENED,
                                 "cases": [{"case_id": "case-nrp", "item_code": "NRP-002", "department": "NRP",
                                            "limit_days": 15}]})
    with entrypoint_waiter(container, "on_stage_opened", timeout=10):
        event_dispatcher(config)("stage", "stage.opened", opened_stage.to_wire())
    nrp = make_token("officer", sub="officer-nrp", department="NRP", region="410800")
    with rpc(config, nrp) as proxy:
        for asked_of, due_days, field in ((["MARS"], None, "asked_of"), ([], 10, "due_days")):
            with pytest.raises(ValidationFailed) as err:
                proxy.open_consultation({"project_code": PROJECT, "case_id": "case-nrp", "asked_of": asked_of,
                                         "question": "是否符合消防要求？", "due_days": due_days})
            assert [e["field"] for e in err.value.errors] == [field]
        assert proxy.list_consultations({"role": "initiated"})["total"] == 0
        opened = proxy.open_consultation({"project_code": PROJECT, "case_id": "case-nrp", "asked_of": ["TAX"],
                                          "question": "是否符合消防、人防要求？"})
    assert (opened["asked_of"], opened["due_days"], opened["due_on"]) == (["FIRE", "HOUSING", "TAX"], 5, "2026-11-09")
    assert (opened["region"], opened["light"], opened["status"]) == ("410800", "green", "open")
    fire = make_token("officer", sub="officer-fire", department="FIRE", region="410800")
    with rpc(config, fire) as proxy:
        inbox = proxy.list_consultations({})
        assert [c["id"] for c in inbox["items"]] == [opened["id"]] and inbox["total"] == 1
        assert proxy.list_consultations({"light": "red"})["total"] == 0
        assert proxy.list_consultations({"role": "initiated"})["total"] == 0
        with pytest.raises(Exception) as err:
            proxy.list_consultations({"department": "NRP"})
        assert type(err.value).__name__ == "Forbidden"
    clock(date(2026, 11, 6))     # 1 working day left (Mon 11-09): yellow with LIGHT_YELLOW_DAYS 2
    with rpc(config, fire) as proxy:
        assert proxy.list_consultations({"light": "yellow"})["items"][0]["light"] == "yellow"
    elsewhere = make_token("officer", sub="officer-fire-x", department="FIRE", region="410300")
    with rpc(config, elsewhere) as proxy:
        assert proxy.list_consultations({})["total"] == 0
