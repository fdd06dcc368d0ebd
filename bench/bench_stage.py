"""Benchmark of the stage service's legal clock. Prints a table; asserts nothing.

- deadline computations per second: an uninterrupted deadline, and a full clock life
  (accept → supplement → resume → extend → conclude) over random dates of 2025–2026;
- the deadline sweeper over 100,000 open case clocks on PostgreSQL: a pass when nothing is due
  (the index answers), and passes that act on 1,000 and 10,000 lapsed deadlines (each a
  decision row, a case update and an outbox event), until the backlog is cleared;
- the same 10,000-deadline backlog cleared by two sweeper processes at once (as two replicas
  would), with the count of "no opinion" decisions checked: each deadline acted on once.

Usage: .venv/bin/python bench/bench_stage.py [--clocks 100000] [--lapsed 1000,10000]
Needs PostgreSQL on 127.0.0.1 (TEST_PG_URL), like the tests.
"""
import argparse
import multiprocessing
import platform as host
import random
import time
import uuid
from datetime import date, timedelta

from sqlalchemy import insert, text
from sqlalchemy.orm import sessionmaker

from platform_kit.calendar import official_calendar, today_in_shanghai
from platform_kit.db import UnitOfWork, make_engine
from platform_kit.testing import PostgresDatabases
from stage import handlers
from stage.adapters.orm import CaseRow, StageRow, metadata
from stage.adapters.repositories import repositories
from stage.domain.clock import Clock, deadline

CAL = official_calendar()
YELLOW_DAYS = 2   # LIGHT_YELLOW_DAYS, the stage service's default


def rate(fn, seconds=2.0):
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - started)


def bench_deadlines():
    rnd = random.Random(4)
    first, span = date(2025, 1, 1), 640

    def one_deadline():
        deadline(first + timedelta(days=rnd.randrange(span)), rnd.randint(1, 60), CAL)

    def one_life():
        start = first + timedelta(days=rnd.randrange(span))
        clock = Clock.start(rnd.randint(5, 30), start, CAL)
        clock.pause(start + timedelta(days=3), CAL)
        clock.resume(start + timedelta(days=10), CAL)
        clock.extend(2, CAL)
        clock.stop(start + timedelta(days=20), CAL)

    return rate(one_deadline), rate(one_life)


def seed(engine, clocks, lapsed, today):
    """`clocks` open, running case clocks; `lapsed` of them past their deadline."""
    stage_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE case_decisions, cases, stages, outbox CASCADE"))
        conn.execute(insert(StageRow.__table__).values(
            id=stage_id, declaration_id=str(uuid.uuid4()), project_code="2026-410800-48-01-000001",
            stage="land_use_planning", region="410800", applicant_org="91410800MA47Q0R12X",
            project_name="基准项目", lead_department="NRP", received_on=today, state="open", limit_days=60,
            extension_days=0, clock_started_on=today, clock_used_before=0, clock_segments=[],
            clock_running_since=today, due_on=today + timedelta(days=90), due_estimated=False))
        rows = []
        accepted_late = today - timedelta(days=30)
        for n in range(clocks):
            late = n < lapsed
            accepted = accepted_late if late else today - timedelta(days=1)
            clock = Clock.start(5 if late else 20, accepted, CAL)
            rows.append({
                "id": str(uuid.uuid4()), "stage_id": stage_id, "project_code": "2026-410800-48-01-000001",
                "stage": "land_use_planning", "item_code": f"ITEM-{n:06d}", "item_name": "基准事项",
                "department": "NRP", "region": "410800", "applicant_org": "91410800MA47Q0R12X",
                "project_name": "基准项目", "state": "accepted", "round": 1, "received_on": accepted,
                "acceptance_due_on": accepted + timedelta(days=2), "accepted_on": accepted,
                "limit_days": clock.limit_days, "extension_days": 0, "clock_started_on": accepted,
                "clock_used_before": 0, "clock_segments": [], "clock_running_since": accepted,
                "due_on": clock.due_on, "due_estimated": clock.estimated})
            if len(rows) == 5000:
                conn.execute(insert(CaseRow.__table__), rows)
                rows = []
        if rows:
            conn.execute(insert(CaseRow.__table__), rows)
        conn.execute(text("ANALYZE cases"))


def sweep_all(engine, today, batch):
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    started = time.perf_counter()
    total, passes = 0, 0
    while True:
        session = sessions()
        try:
            uow = UnitOfWork(session, metadata, repositories)
            acted = handlers.sweep(uow, today, YELLOW_DAYS, batch=batch)
            session.commit()
        finally:
            session.close()
        total += acted
        passes += 1
        if acted < batch:
            break
    return time.perf_counter() - started, total, passes


def _sweeper_process(url, today, batch, results):
    engine = make_engine(url, pool_size=1)
    results.put(sweep_all(engine, today, batch))
    engine.dispose()


def sweep_in_parallel(url, today, batch, processes=2):
    results = multiprocessing.get_context("fork").Queue()
    workers = [multiprocessing.get_context("fork").Process(target=_sweeper_process,
                                                           args=(url, today, batch, results))
               for _ in range(processes)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    outcomes = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return time.perf_counter() - started, [acted for _, acted, _ in outcomes]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--lapsed", default="0,1000,10000")
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    per_deadline, per_life = bench_deadlines()
    rows = [("deadline (one uninterrupted clock)", f"{per_deadline:,.0f} /s", ""),
            ("clock life (accept, pause, resume, extend, stop)", f"{per_life:,.0f} /s", "")]

    databases = PostgresDatabases(prefix=f"bench{uuid.uuid4().hex[:6]}")
    try:
        url = databases.fresh("stage")
        engine = make_engine(url, pool_size=2)
        today = today_in_shanghai()
        for lapsed in [int(x) for x in args.lapsed.split(",")]:
            started = time.perf_counter()
            seed(engine, args.clocks, lapsed, today)
            seeded = time.perf_counter() - started
            seconds, acted, passes = sweep_all(engine, today, args.batch)
            rows.append((f"sweeper: {args.clocks:,} open clocks, {lapsed:,} lapsed",
                         f"{seconds:.3f} s", f"acted on {acted:,} in {passes} pass(es); seeding {seeded:.1f} s"))
            again, acted_again, _ = sweep_all(engine, today, args.batch)
            rows.append(("  the next pass (nothing left to do)", f"{again:.3f} s", f"acted on {acted_again}"))
        lapsed = max(int(x) for x in args.lapsed.split(","))
        seed(engine, args.clocks, lapsed, today)
        engine.dispose()
        seconds, shares = sweep_in_parallel(url, today, args.batch)
        engine = make_engine(url, pool_size=1)
        with engine.connect() as conn:
            decisions = conn.execute(text("SELECT count(*), count(DISTINCT case_id) FROM case_decisions "
                                          "WHERE action = 'no_opinion'")).one()
        engine.dispose()
        rows.append((f"2 sweeper processes: {args.clocks:,} open clocks, {lapsed:,} lapsed", f"{seconds:.3f} s",
                     f"shares {' + '.join(f'{n:,}' for n in shares)}; no-opinion decisions {decisions[0]:,} "
                     f"on {decisions[1]:,} cases"))
    finally:
        databases.drop_all()

    print(f"\nstage service clock benchmark — {host.python_implementation()} {host.python_version()}, "
          f"{host.machine()}, today {today_in_shanghai()}")
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'result':>14}  notes")
    print("-" * (width + 40))
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>14}  {note}")


if __name__ == "__main__":
    main()
