"""Statistics counted from events: a seeded month of events delivered through RabbitMQ into the real
supervision service and PostgreSQL; the answers equal counts made here from the same seed."""
import base64
import csv
import io
import random
import uuid
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from openpyxl import load_workbook

from platform_kit.asyncapi import PUBLISHERS
from platform_kit.calendar import DATE_FILE_ENV
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Forbidden, ValidationFailed
from supervision.service import SupervisionService, handler_name

DEPARTMENTS = {"NRP": ("NRP-001", "建设用地规划许可证", "自然资源和规划局"),
               "DRC": ("DRC-001", "企业投资项目核准", "发展和改革委员会")}
REGIONS = ("410800", "410821")
OFFICERS = {d: [f"officer-{d.lower()}-{n}" for n in (1, 2)] for d in DEPARTMENTS}
OUTCOMES = ("on_time", "on_time_yellow", "late", "refused", "lapsed_then_late", "supplemented", "special",
            "open")
_MOMENT = [datetime(2026, 9, 1, 1, 0, tzinfo=timezone.utc)]


def event(event_type, payload, actor=Actor.SYSTEM, project_code=None):
    envelope = new_event(event_type, source=PUBLISHERS[event_type], project_code=project_code, actor=actor,
                         payload=payload)
    _MOMENT[0] += timedelta(seconds=1)
    object.__setattr__(envelope, "occurred_at", _MOMENT[0])
    return envelope


def facts(as_of, limit_days, used_days, light, stopped=True):
    return {"limit_days": limit_days, "extension_days": 0, "started_on": as_of - timedelta(days=used_days),
            "due_on": as_of, "due_estimated": False, "yellow_on": as_of, "yellow_days": 2, "paused": False,
            "stopped_on": as_of if stopped else None, "used_days": used_days,
            "remaining_days": max(limit_days - used_days, 0), "light": light, "as_of": as_of}


def seed_cases(rng, month_start, count, serial):
    """Cases received in the month of `month_start`, each with a department, region, officer and outcome."""
    cases = []
    for n in range(count):
        department = rng.choice(sorted(DEPARTMENTS))
        received = month_start + timedelta(days=rng.randrange(0, 10))
        cases.append({"case_id": str(uuid.uuid4()), "stage_id": str(uuid.uuid4()), "department": department,
                      "region": rng.choice(REGIONS), "officer": rng.choice(OFFICERS[department]),
                      "project_code": f"2026-410800-48-01-{serial + n:06d}", "received_on": received,
                      "accepted_on": received + timedelta(days=1), "decided_on": received + timedelta(days=rng.randrange(3, 15)),
                      "limit_days": 10, "used_days": rng.randrange(2, 14), "outcome": rng.choice(OUTCOMES),
                      "deemed": rng.random() < 0.2})
    return cases


def events_of(case):
    """The events the platform publishes for one seeded case, in the order of the flow."""
    department, region, officer = case["department"], case["region"], case["officer"]
    item_code, item_name, _ = DEPARTMENTS[department]
    code, received = case["project_code"], case["received_on"]
    decl = case["stage_id"][:8] + "-decl"
    actor = Actor(id=officer, role="officer", department=department, region=region)
    yield event("declaration.submitted", {
        "declaration_id": decl, "stage": "land_use_planning", "category": "government_investment",
        "catalog_version": 1, "region": "410800", "applicant_org": "91410800MA00000001", "project_name": "统计项目",
        "lead_department": "NRP", "stage_limit_days": 20, "submitted_on": received, "form": {}, "materials": [],
        "items": [{"item_code": item_code, "item_name": item_name, "department": department, "region": region,
                   "limit_days": case["limit_days"]}]}, project_code=code)
    yield event("stage.opened", {
        "stage_id": case["stage_id"], "declaration_id": decl, "stage": "land_use_planning",
        "lead_department": "NRP", "limit_days": 20, "received_on": received, "state": "open",
        "cases": [{"case_id": case["case_id"], "item_code": item_code, "department": department,
                   "limit_days": case["limit_days"], "state": "submitted"}]}, project_code=code)
    base = {"case_id": case["case_id"], "stage_id": case["stage_id"], "stage": "land_use_planning",
            "item_code": item_code, "item_name": item_name, "department": department, "region": region}

    def fact(event_type, on, who=actor, **extra):
        return event(event_type, dict(base, on=on, **extra), who, project_code=code)

    outcome, decided, used = case["outcome"], case["decided_on"], case["used_days"]
    if outcome == "refused":
        yield fact("case.refused", case["accepted_on"], state="refused")
        return
    yield fact("case.accepted", case["accepted_on"], Actor.SYSTEM if case["deemed"] else actor,
               limit_days=case["limit_days"], due_on=case["accepted_on"] + timedelta(days=14), state="accepted",
               deemed=case["deemed"])
    if outcome == "open":
        return
    if outcome == "supplemented":
        yield fact("case.supplement_requested", case["accepted_on"] + timedelta(days=1), used_days=1,
                   state="supplementing")
    if outcome == "special":
        yield fact("case.special_handled", decided, Actor(id="lead-1", role="officer", department="NRP",
                                                          region="410800"),
                   action="approve", from_state="accepted", to_state="approved", reason="特事特办",
                   attachment_ref="会议纪要")
    if outcome == "lapsed_then_late":
        yield fact("case.lapsed", decided, Actor.SYSTEM, due_on=decided, used_days=case["limit_days"],
                   state="accepted", lapse_action="return_to_lead")
    on_time = outcome not in ("late", "lapsed_then_late")
    used = min(used, case["limit_days"]) if on_time else max(used, case["limit_days"] + 1)
    light = "yellow" if outcome == "on_time_yellow" else "green" if on_time else "red"
    yield fact("case.concluded", decided, outcome="approved", accepted_on=case["accepted_on"],
               due_on=case["accepted_on"] + timedelta(days=14), on_time=on_time, used_days=used, state="concluded",
               clock=facts(decided, case["limit_days"], used, light))
    case["final_used"] = used


def expected(cases, month, key):
    """Counts made from the seed alone (not with the service's rules): {group: {indicator: n}}."""
    out = defaultdict(Counter)
    in_month = lambda day: day.strftime("%Y-%m") == month  # noqa: E731
    for c in cases:
        concluded = c["outcome"] not in ("refused", "open")
        rows = []
        if in_month(c["received_on"]):
            rows.append(("received", ""))
        if c["outcome"] == "refused":
            if in_month(c["accepted_on"]):
                rows.append(("refused", c["officer"]))
        elif in_month(c["accepted_on"]):
            rows.append(("accepted", "" if c["deemed"] else c["officer"]))
        if c["outcome"] == "supplemented" and in_month(c["accepted_on"] + timedelta(days=1)):
            rows.append(("supplements", c["officer"]))
        if concluded and in_month(c["decided_on"]):
            rows.append(("concluded", c["officer"]))
            if c["outcome"] in ("late", "lapsed_then_late"):
                rows.append(("overdue", "" if c["outcome"] == "lapsed_then_late" else c["officer"]))
            else:
                rows.append(("on_time", c["officer"]))
            if c["outcome"] == "on_time_yellow":
                rows.append(("yellow", c["officer"]))
            if c["outcome"] == "lapsed_then_late":
                rows.append(("lapses", ""))
            if c["outcome"] == "special":
                rows.append(("special_handled", "lead-1"))
        for indicator, officer in rows:
            group = {"department": c["department"], "region": c["region"], "officer": officer}[key]
            out[group][indicator] += 1
    return out


@pytest.fixture
def supervision(container_factory, service_config, tmp_path, monkeypatch):
    path = tmp_path / "today"
    monkeypatch.setenv(DATE_FILE_ENV, str(path))
    path.write_text(date(2026, 11, 16).isoformat())
    config = service_config("supervision")
    container = container_factory(SupervisionService, config)
    container.start()
    dispatch = event_dispatcher(config)

    def deliver(envelope):
        with entrypoint_waiter(container, handler_name(envelope.type), timeout=10):
            dispatch(envelope.source, envelope.type, envelope.to_wire())

    return config, deliver


def rpc(config, token):
    return ServiceRpcProxy("supervision", config, context_data={"authorization": token}, timeout=10)


def test_a_seeded_month_of_events_gives_the_counts_of_the_seed(supervision, make_token):
    config, deliver = supervision
    rng = random.Random(20261001)
    cases = (seed_cases(rng, date(2026, 10, 1), 24, 100) + seed_cases(rng, date(2026, 9, 3), 8, 200)
             + seed_cases(rng, date(2025, 10, 2), 6, 300))
    deliver(event("catalog.loaded", {"version": 1, "loaded_by": "operator-1", "departments": [
        {"code": code, "name": name, "region": "410800"} for code, (_, _, name) in DEPARTMENTS.items()]}))
    sent = []
    for case in cases:
        for envelope in events_of(case):
            deliver(envelope)
            sent.append(envelope)
    for envelope in sent[::7]:   # redelivered events count nothing again
        deliver(envelope)

    operator = make_token("operator", sub="operator-1")
    with rpc(config, operator) as proxy:
        by_department = proxy.get_statistics({"month": "2026-10", "group_by": "department"})
        by_region = proxy.get_statistics({"month": "2026-10", "group_by": "region"})
        by_officer = proxy.get_statistics({"month": "2026-10", "group_by": "officer", "limit": 200})
        september = proxy.get_statistics({"month": "2026-09"})
        a_year_before = proxy.get_statistics({"month": "2025-10"})
        by_month = proxy.get_statistics({"from": "2026-09", "to": "2026-10", "group_by": "month"})
    counts = ("received", "accepted", "refused", "concluded", "on_time", "yellow", "overdue", "supplements",
              "lapses", "special_handled")
    for answer, key in ((by_department, "department"), (by_region, "region"), (by_officer, "officer")):
        want = expected(cases, "2026-10", key)
        got = {row["key"]: {name: row[name] for name in counts} for row in answer["items"]}
        assert got == {group: {name: want[group][name] for name in counts} for group in want}, key
    names = {row["key"]: row["name"] for row in by_department["items"]}
    assert names == {"NRP": "自然资源和规划局", "DRC": "发展和改革委员会"}

    # rates and days from the seed
    october = [c for c in cases if c["decided_on"].strftime("%Y-%m") == "2026-10"
               and c["outcome"] not in ("refused", "open")]
    totals = by_department["totals"]
    assert totals["concluded"] == len(october)
    assert totals["longest_days"] == max(c["final_used"] for c in october)
    assert totals["average_days"] == round(sum(c["final_used"] for c in october) / len(october), 2)
    assert totals["time_use_rate"] == round(sum(c["final_used"] for c in october) / (10 * len(october)), 4)
    assert totals["on_time_rate"] == round(totals["on_time"] / totals["concluded"], 4)
    assert totals["acceptance_rate"] == round(totals["accepted"] / totals["received"], 4)

    # 环比 against September, 同比 against October 2025
    previous, last_year = september["totals"], a_year_before["totals"]
    assert by_department["previous_period"] == {"from": "2026-09", "to": "2026-09"}
    assert totals["mom"]["received"] == round((totals["received"] - previous["received"]) / previous["received"], 4)
    assert totals["yoy"]["received"] == round(
        (totals["received"] - last_year["received"]) / last_year["received"], 4)
    months = {row["key"]: row for row in by_month["items"]}
    assert months["2026-10"]["received"] == totals["received"]
    assert months["2026-10"]["mom"]["received"] == totals["mom"]["received"]

    # ranking by on-time rate
    ranking = by_department["ranking"]
    assert [r["rank"] for r in ranking] == [1, 2]
    rates = [r["on_time_rate"] for r in ranking]
    assert rates == sorted(rates, reverse=True)


def test_reach_files_and_charts(supervision, make_token):
    config, deliver = supervision
    rng = random.Random(7)
    cases = seed_cases(rng, date(2026, 10, 1), 8, 500)
    for case in cases:
        for envelope in events_of(case):
            deliver(envelope)
    want_county = expected([c for c in cases if c["region"] == "410821"], "2026-10", "department")
    with rpc(config, make_token("supervisor", sub="sup-county", region="410821")) as proxy:
        county = proxy.get_statistics({"month": "2026-10"})
        assert {r["key"]: r["received"] for r in county["items"]} == {d: n["received"] for d, n in want_county.items()}
        with pytest.raises(Forbidden):
            proxy.get_statistics({"month": "2026-10", "region": "410800"})
    want_nrp = expected([c for c in cases if c["department"] == "NRP"], "2026-10", "region")
    with rpc(config, make_token("officer", sub="officer-nrp-1", department="NRP")) as proxy:
        nrp = proxy.get_statistics({"month": "2026-10", "group_by": "region"})
        assert {r["key"]: r["received"] for r in nrp["items"]} == {g: n["received"] for g, n in want_nrp.items()}
        with pytest.raises(Forbidden):
            proxy.get_statistics({"month": "2026-10", "department": "DRC"})
    for role in ("applicant", "clerk"):
        with rpc(config, make_token(role, org="91410800MA00000001")) as proxy:
            with pytest.raises(Forbidden):
                proxy.get_statistics({"month": "2026-10"})
    with rpc(config, make_token("operator")) as proxy:
        with pytest.raises(ValidationFailed):
            proxy.get_statistics({"month": "2026-13"})
        with pytest.raises(ValidationFailed):
            proxy.get_statistics({"from": "2026-10", "to": "2026-01"})
        answer = proxy.get_statistics({"month": "2026-10"})
        csv_file = proxy.export_statistics({"month": "2026-10", "format": "csv"})
        xlsx_file = proxy.export_statistics({"month": "2026-10", "format": "xlsx"})
        ranking_svg = proxy.statistics_chart({"month": "2026-10", "kind": "ranking"})
        trend_svg = proxy.statistics_chart({"month": "2026-10", "kind": "trend"})
    content = base64.b64decode(csv_file["content_base64"])
    assert content.startswith("\ufeff".encode("utf-8")) and csv_file["name"].endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [r["部门"] for r in rows] == [r["key"] for r in answer["items"]] + [""]
    assert [int(r["接件数"]) for r in rows] == [r["received"] for r in answer["items"]] + [
        answer["totals"]["received"]]
    sheet = load_workbook(io.BytesIO(base64.b64decode(xlsx_file["content_base64"]))).active
    header = [cell.value for cell in sheet[1]]
    values = [dict(zip(header, [cell.value for cell in row])) for row in sheet.iter_rows(min_row=2)]
    assert values[-1]["名称"] == "合计" and values[-1]["办结数"] == answer["totals"]["concluded"]
    for svg in (ranking_svg, trend_svg):
        root = ET.fromstring(svg.encode("utf-8"))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "部门按时办结率排名" in ranking_svg and "接件数" in trend_svg
