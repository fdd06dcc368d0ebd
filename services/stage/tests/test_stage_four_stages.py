"""A four-stage project with one supplement, one return, one extension, one deemed acceptance and
one missing opinion, run through the stage service's use cases on a real PostgreSQL database on
chosen days, with every date computed by hand below ("W" = working day of the official schedule).
"""
import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from platform_kit.contracts import Actor, new_event
from platform_kit.db import UnitOfWork, make_engine
from platform_kit.identity import Identity
from stage import handlers
from stage.adapters.orm import metadata
from stage.adapters.repositories import repositories
from stage.schemas import CaseOut, ExtensionOut, StageListOut

ORG = "91410800MA47Q0R12X"
PROJECT = "2025-410800-48-01-000042"
STEPS = ("accept", "review", "approve", "conclude")


class Platform:
    def __init__(self, url):
        self.engine = make_engine(url, pool_size=2)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def run(self, fn, *args, **kwargs):
        session = self.sessions()
        try:
            uow = UnitOfWork(session, metadata, repositories)
            result = fn(*args, uow=uow, **kwargs)
            session.commit()
            return result
        finally:
            session.close()

    def outbox(self, event_type):
        table = metadata.tables["outbox"]
        with self.engine.connect() as conn:
            rows = conn.execute(select(table.c.body).where(table.c.event_type == event_type)
                                .order_by(table.c.id)).scalars().all()
        return [r["payload"] for r in rows]


def officer(department):
    return Identity(sub=f"{department.lower()}-officer", role="officer", name="经办人", department=department,
                    region="410800", steps=STEPS)


APPLICANT = Identity(sub="applicant", role="applicant", name="建设单位", org=ORG)


def declare(platform, stage, received_on, limit, lead, items):
    envelope = new_event("declaration.submitted", source="intake", project_code=PROJECT,
                         actor=Actor(id="applicant", role="applicant"), payload={
                             "declaration_id": str(uuid.uuid4()), "stage": stage, "category": "gov_building",
                             "catalog_version": 1, "region": "410800", "applicant_org": ORG,
                             "project_name": "焦作市第一人民医院门诊楼建设项目", "lead_department": lead,
                             "stage_limit_days": limit, "submitted_on": received_on, "form": {}, "materials": [],
                             "items": [{"item_code": code, "item_name": code, "department": code.split("-")[0],
                                        "region": "410800", "limit_days": days} for code, days in items]})
    stage_id = platform.run(lambda uow: handlers.open_stage(envelope, uow, 2))
    return {c["item_code"]: c for c in view(platform, stage_id)["cases"]}, stage_id


def view(platform, stage_id, today=date(2026, 11, 1)):
    def read(uow):
        stages = handlers.list_stages(PROJECT, {}, Identity(sub="clerk", role="clerk", name="窗口"), uow, today, 2)
        stages = StageListOut().dump(stages)   # as the RPC answers: dates as ISO strings
        return next(s for s in stages["items"] if s["stage_id"] == stage_id)
    return platform.run(read)


def act(platform, case, who, action, on, opinion="同意"):
    return CaseOut().dump(platform.run(lambda uow: handlers.act_on_case(
        case["case_id"], {"action": action, "opinion": opinion}, who, uow, on, 2)))


def flow(platform, case, who, steps):
    result = None
    for action, on in steps:
        result = act(platform, case, who, action, on)
    return result


@pytest.fixture
def platform(postgres):
    running = Platform(postgres.fresh("stage"))
    yield running
    running.engine.dispose()


def test_four_stages_dates_match_the_hand_computation(platform):
    nrp, drc, fire, housing = officer("NRP"), officer("DRC"), officer("FIRE"), officer("HOUSING")

    # ---- stage 1, land_use_planning: received Thu 2025-09-25, stage limit 10 ------------------
    cases, s1 = declare(platform, "land_use_planning", date(2025, 9, 25), 10, "NRP",
                        [("NRP-001", 5), ("DRC-001", 3)])
    a = act(platform, cases["NRP-001"], nrp, "accept", date(2025, 9, 25))
    # Fri 09-26 1, Sun 09-28 (调休) 2, 09-29 3, 09-30 4, [10-01..10-08 National Day], Thu 10-09 5
    assert a["due_on"] == "2025-10-09"
    b = act(platform, cases["DRC-001"], drc, "accept", date(2025, 9, 26))
    assert b["due_on"] == "2025-09-30"                         # Sun 09-28 1, 09-29 2, 09-30 3
    b = act(platform, cases["DRC-001"], drc, "request_supplement", date(2025, 9, 29), "补充项目申请报告")
    assert b["used_days"] == 1 and b["paused"] and b["due_on"] is None   # only 09-28 counted
    s = view(platform, s1, date(2025, 10, 9))
    assert s["paused"] and s["used_days"] == 2                  # stage: 09-26, 09-28; 09-29 not counted
    b = act(platform, cases["DRC-001"], drc, "accept_supplement", date(2025, 10, 10))
    assert b["due_on"] == "2025-10-13"                          # Sat 10-11 (调休) 2, Mon 10-13 3
    s = view(platform, s1, date(2025, 10, 10))
    # stage resumes 10-10, 8 left: Sat 10-11, 10-13, 14, 15, 16, 17, 20, Tue 10-21
    assert not s["paused"] and s["due_on"] == "2025-10-21"
    a = flow(platform, cases["NRP-001"], nrp, [("review", date(2025, 9, 30)), ("approve", date(2025, 10, 9)),
                                                ("conclude", date(2025, 10, 9))])
    assert a["used_days"] == 5 and a["concluded_on"] == "2025-10-09" and a["light"] == "green"
    b = flow(platform, cases["DRC-001"], drc, [("review", date(2025, 10, 11)), ("approve", date(2025, 10, 13)),
                                                ("conclude", date(2025, 10, 13))])
    assert b["used_days"] == 3                                   # 09-28, 10-11, 10-13
    s = view(platform, s1)
    assert (s["state"], s["concluded_on"], s["used_days"]) == ("concluded", "2025-10-13", 4)

    # ---- stage 2, engineering_permit: received Mon 2025-12-29, stage limit 8 -------------------
    cases, s2 = declare(platform, "engineering_permit", date(2025, 12, 29), 8, "NRP",
                        [("NRP-002", 5), ("FIRE-001", 4)])
    a = act(platform, cases["NRP-002"], nrp, "accept", date(2025, 12, 29))
    # 12-30 1, 12-31 2, [01-01..01-03 New Year], Sun 2026-01-04 (调休) 3, 01-05 4, 01-06 5
    assert a["due_on"] == "2026-01-06"
    f = act(platform, cases["FIRE-001"], fire, "return", date(2025, 12, 31), "消防设计文件与规划方案不一致")
    assert f["state"] == "returned"
    assert view(platform, s2, date(2026, 1, 5))["used_days"] == 1   # stage paused from 12-31: only 12-30
    f = act(platform, cases["FIRE-001"], APPLICANT, "resubmit", date(2026, 1, 6))
    assert f["round"] == 2 and f["acceptance_due_on"] == "2026-01-08"
    # stage resumes 01-06, 7 left: 01-07, 08, 09, 12, 13, 14, Thu 01-15
    assert view(platform, s2, date(2026, 1, 6))["due_on"] == "2026-01-15"
    f = act(platform, cases["FIRE-001"], fire, "accept", date(2026, 1, 7))
    assert f["due_on"] == "2026-01-13"                            # fresh full limit: 01-08, 09, 12, 13
    extended = ExtensionOut().dump(platform.run(lambda uow: handlers.extend_limit(
        {"case_id": f["case_id"], "days": 1, "reason": "退件重报，牵头部门决定延长"}, nrp, uow,
        date(2026, 1, 12), 2)))["case"]
    assert extended["due_on"] == "2026-01-14"
    flow(platform, cases["NRP-002"], nrp, [("review", date(2025, 12, 31)), ("approve", date(2026, 1, 5)),
                                           ("conclude", date(2026, 1, 6))])
    f = flow(platform, cases["FIRE-001"], fire, [("review", date(2026, 1, 9)), ("approve", date(2026, 1, 12)),
                                                 ("conclude", date(2026, 1, 14))])
    assert f["used_days"] == 5 and f["light"] == "green"           # 5 of 4 + 1 extension
    s = view(platform, s2)
    assert (s["concluded_on"], s["used_days"], s["due_on"]) == ("2026-01-14", 7, "2026-01-15")

    # ---- stage 3, construction_permit: received Thu 2026-02-12, stage limit 5 ------------------
    cases, s3 = declare(platform, "construction_permit", date(2026, 2, 12), 5, "HOUSING", [("HOUSING-001", 3)])
    h = cases["HOUSING-001"]
    assert h["acceptance_due_on"] == "2026-02-14"                # 02-13 1, Sat 02-14 (调休) 2
    assert platform.run(lambda uow: handlers.sweep(uow, date(2026, 2, 14), 2)) == 0
    # Tue 02-24, after the Spring Festival: accepted as of receipt (002 §7(二)); due 02-13, 02-14, 02-24
    assert platform.run(lambda uow: handlers.sweep(uow, date(2026, 2, 24), 2)) == 1
    assert platform.run(lambda uow: handlers.sweep(uow, date(2026, 2, 24), 2)) == 0
    # Wed 02-25: the opinion due 02-24 is missing → no opinion (004 §14), once
    assert platform.run(lambda uow: handlers.sweep(uow, date(2026, 2, 25), 2)) == 1
    assert platform.run(lambda uow: handlers.sweep(uow, date(2026, 2, 26), 2)) == 0
    h = flow(platform, h, housing, [("review", date(2026, 2, 25)), ("approve", date(2026, 2, 26)),
                                    ("conclude", date(2026, 2, 26))])
    assert (h["accepted_on"], h["due_on"], h["lapsed_on"]) == ("2026-02-12", "2026-02-24", "2026-02-25")
    assert h["used_days"] == 5 and h["overdue_days"] == 2 and h["light"] == "red"
    assert [x["action"] for x in h["history"]] == \
        ["deemed_accept", "no_opinion", "recall", "review", "approve", "conclude"]
    s = view(platform, s3)
    assert (s["due_on"], s["concluded_on"], s["used_days"]) == ("2026-02-26", "2026-02-26", 5)

    # ---- stage 4, completion_acceptance: received Wed 2026-09-30, stage limit 5 ----------------
    cases, s4 = declare(platform, "completion_acceptance", date(2026, 9, 30), 5, "HOUSING", [("HOUSING-002", 2)])
    h = act(platform, cases["HOUSING-002"], housing, "accept", date(2026, 9, 30))
    assert h["due_on"] == "2026-10-09"                          # [10-01..10-07], 10-08 1, 10-09 2
    flow(platform, cases["HOUSING-002"], housing, [("review", date(2026, 10, 8)), ("approve", date(2026, 10, 9)),
                                                   ("conclude", date(2026, 10, 9))])
    s = view(platform, s4)
    # stage: 10-08, 10-09, Sat 10-10 (调休), 10-12, 10-13
    assert (s["due_on"], s["concluded_on"], s["used_days"]) == ("2026-10-13", "2026-10-09", 2)

    # ---- the facts the platform was told ------------------------------------------------------
    concluded = {p["item_code"]: p for p in platform.outbox("case.concluded")}
    assert {k: (v["due_on"], v["on_time"], v["used_days"]) for k, v in concluded.items()} == {
        "NRP-001": ("2025-10-09", True, 5), "DRC-001": ("2025-10-13", True, 3),
        "NRP-002": ("2026-01-06", True, 5), "FIRE-001": ("2026-01-14", True, 5),
        "HOUSING-001": ("2026-02-24", False, 5), "HOUSING-002": ("2026-10-09", True, 2)}
    stages = {p["stage"]: (p["received_on"], p["due_on"], p["concluded_on"], p["on_time"])
              for p in platform.outbox("stage.concluded")}
    assert stages == {
        "land_use_planning": ("2025-09-25", "2025-10-21", "2025-10-13", True),
        "engineering_permit": ("2025-12-29", "2026-01-15", "2026-01-14", True),
        "construction_permit": ("2026-02-12", "2026-02-26", "2026-02-26", True),
        "completion_acceptance": ("2026-09-30", "2026-10-13", "2026-10-09", True)}
    assert [(p["on"], p["used_days"], p["due_on"]) for p in platform.outbox("stage.paused")] == [
        ("2025-09-29", 2, None), ("2025-12-31", 1, None)]
    assert [(p["on"], p["used_days"], p["due_on"]) for p in platform.outbox("stage.resumed")] == [
        ("2025-10-10", 2, "2025-10-21"), ("2026-01-06", 1, "2026-01-15")]
    assert [p["case_id"] for p in platform.outbox("case.lapsed")] == [cases_id(platform, "HOUSING-001")]
    # each event states where its case or stage stands, and the facts of its clock that day
    for p in platform.outbox("case.concluded"):
        assert p["state"] == "concluded" and p["clock"]["stopped_on"] == p["on"]
        assert (p["clock"]["used_days"], p["clock"]["due_on"]) == (p["used_days"], p["due_on"])
    for p in platform.outbox("stage.concluded"):
        assert p["state"] == "concluded" and p["clock"]["stopped_on"] == p["concluded_on"]
    assert [(p["clock"]["paused"], p["clock"]["due_on"]) for p in platform.outbox("stage.paused")] == [
        (True, None), (True, None)]
    assert [p["clock"]["due_on"] for p in platform.outbox("stage.resumed")] == ["2025-10-21", "2026-01-15"]
    lapsed = platform.outbox("case.lapsed")[0]
    assert (lapsed["state"], lapsed["clock"]["light"], lapsed["clock"]["as_of"]) == ("accepted", "red", "2026-02-25")
    overall = platform.run(lambda uow: handlers.list_stages(
        PROJECT, {}, APPLICANT, uow, date(2026, 11, 1), 2, 59))["overall"]
    assert overall == {"cap_days": 59, "used_days": 4 + 7 + 5 + 2, "remaining_days": 41, "over_cap": False}


def cases_id(platform, item_code):
    from stage.adapters.orm import CaseRow
    with platform.engine.connect() as conn:
        return conn.execute(select(CaseRow.id).where(CaseRow.item_code == item_code)).scalar_one()
