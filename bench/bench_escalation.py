"""Benchmark of the supervision service's escalation pass. Prints a table; asserts nothing.

Over 100,000 open case clocks in PostgreSQL (20,000 stages of five cases, clock facts as the stage
service publishes them), the pass (every level, batch after batch, each batch its own transaction:
escalation rows, notices and ``alert.raised`` outbox rows) when nothing is due, and when a share
of the clocks turned yellow, red and red for the configured working days (督办); then the same
backlog passed by two processes at once (as two replicas would), with the escalations counted.

Usage: .venv/bin/python bench/bench_escalation.py [--clocks 100000] [--due 0,3000,15000] [--batch 2000]
Needs PostgreSQL on 127.0.0.1 (TEST_PG_URL), like the tests.
"""
import argparse
import multiprocessing
import platform as host
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "supervision"))

from platform_kit.calendar import today_in_shanghai  # noqa: E402
from platform_kit.db import UnitOfWork, make_engine, utcnow  # noqa: E402
from platform_kit.testing import PostgresDatabases  # noqa: E402
from supervision.adapters.orm import CaseClockRow, ProjectRow, StageClockRow, metadata  # noqa: E402
from supervision.domain.escalation import Rules  # noqa: E402
from supervision.handlers.escalating import escalation_pass  # noqa: E402

RULES = Rules(red_days=2)


def _facts(started, due, yellow, today):
    return {"limit_days": 20, "extension_days": 0, "started_on": started.isoformat(), "due_on": due.isoformat(),
            "due_estimated": False, "yellow_on": yellow.isoformat(), "yellow_days": 2, "paused": False,
            "stopped_on": None, "used_days": 5, "remaining_days": 15, "light": "green", "as_of": today.isoformat()}


def seed(engine, clocks, due, today):
    """`clocks` open case clocks; of the first `due`, a third yellow, a third red for one day, a third
    red for two weeks (督办). The rest green."""
    with engine.begin() as conn:
        for table in ("escalations", "notifications", "outbox", "case_clocks", "stage_clocks", "projects"):
            conn.execute(text(f"DELETE FROM {table}"))
    now = utcnow()
    started = today - timedelta(days=20)
    projects, stages, cases = [], [], []
    stage_id = None
    for n in range(clocks):
        if n % 5 == 0:
            code = f"2026-4108{n % 3:02d}-48-01-{n // 5:06d}"
            stage_id = str(uuid.uuid4())
            projects.append({"project_code": code, "name": f"项目 {n // 5}", "region": code[5:11]})
            stages.append({"stage_id": stage_id, "project_code": code, "stage": "land_use_planning",
                           "lead_department": "NRP", "state": "open", "clock_known": False, "updated_at": now})
        if n < due:
            kind = n % 3
            due_on = (today + timedelta(days=1), today - timedelta(days=1), today - timedelta(days=14))[kind]
        else:
            due_on = today + timedelta(days=30)
        yellow_on = due_on - timedelta(days=2)
        cases.append({"case_id": str(uuid.uuid4()), "stage_id": stage_id, "project_code": code,
                      "stage": "land_use_planning", "item_code": "DRC-001", "item_name": "企业投资项目核准",
                      "department": ("DRC", "NRP", "HOUSING", "FIRE", "ENV")[n % 5], "region": code[5:11],
                      "limit_days": 20, "round": 1, "state": "accepted", "accepted_on": started, "due_on": due_on,
                      "started_on": started, "yellow_on": yellow_on, "yellow_days": 2, "paused": False,
                      "remaining_days": 15, "light": "green", "as_of": today, "clock_known": True,
                      "clock": _facts(started, due_on, yellow_on, today), "positions": {}, "updated_at": now})
    with engine.begin() as conn:
        for table, rows in ((ProjectRow, projects), (StageClockRow, stages), (CaseClockRow, cases)):
            for i in range(0, len(rows), 10_000):
                conn.execute(insert(table), rows[i:i + 10_000])
        conn.execute(text("ANALYZE"))


def run_pass(engine, today, batch):
    sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def unit_of_work():
        class Scope:
            def __enter__(self):
                self.session = sessions()
                return UnitOfWork(self.session, metadata)

            def __exit__(self, kind, *_):
                try:
                    if kind is None:
                        self.session.commit()
                    else:
                        self.session.rollback()
                finally:
                    self.session.close()
        return Scope()

    started = time.perf_counter()
    done = escalation_pass(unit_of_work, today, RULES, batch=batch)
    return time.perf_counter() - started, done


def _process(url, today, batch, results):
    engine = make_engine(url, pool_size=1)
    total = {}
    seconds = 0.0
    while True:   # a replica that found the other one passing tries again, as the timer would
        spent, done = run_pass(engine, today, batch)
        seconds += spent
        for level, n in done.items():
            total[level] = total.get(level, 0) + n
        if not any(done.values()) or sum(done.values()) < batch:
            break
    results.put((seconds, total))
    engine.dispose()


def in_parallel(url, today, batch, processes=2):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_process, args=(url, today, batch, results)) for _ in range(processes)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    outcomes = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return time.perf_counter() - started, [total for _, total in outcomes]


def describe(done):
    return ", ".join(f"{level} {n:,}" for level, n in done.items())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--due", default="0,3000,15000")
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    today = today_in_shanghai()
    rows = []
    databases = PostgresDatabases(prefix=f"bench{uuid.uuid4().hex[:6]}")
    try:
        url = databases.fresh("supervision")
        engine = make_engine(url, pool_size=2)
        for due in [int(x) for x in args.due.split(",")]:
            began = time.perf_counter()
            seed(engine, args.clocks, due, today)
            seeded = time.perf_counter() - began
            seconds, done = run_pass(engine, today, args.batch)
            with engine.connect() as conn:
                notices = conn.execute(text("SELECT count(*) FROM notifications")).scalar()
            rows.append((f"pass: {args.clocks:,} open clocks, {due:,} reached a level", f"{seconds:.3f} s",
                         f"{describe(done)}; {notices:,} notices; seeding {seeded:.1f} s"))
            again, done = run_pass(engine, today, args.batch)
            rows.append(("  the next pass (nothing new)", f"{again:.3f} s", describe(done)))
        due = max(int(x) for x in args.due.split(","))
        seed(engine, args.clocks, due, today)
        engine.dispose()
        seconds, shares = in_parallel(url, today, args.batch)
        engine = make_engine(url, pool_size=1)
        with engine.connect() as conn:
            counted = conn.execute(text("SELECT count(*), count(DISTINCT (clock_id, level)) FROM escalations")).one()
            events = conn.execute(text("SELECT count(*) FROM outbox WHERE event_type = 'alert.raised'")).scalar()
        engine.dispose()
        rows.append((f"2 processes: {args.clocks:,} open clocks, {due:,} reached a level", f"{seconds:.3f} s",
                     f"shares {' + '.join(describe(s) or '0' for s in shares)}; escalations {counted[0]:,} "
                     f"({counted[1]:,} distinct), alert.raised {events:,}"))
    finally:
        databases.drop_all()

    print(f"\nsupervision escalation benchmark — {host.python_implementation()} {host.python_version()}, "
          f"{host.machine()}, today {today}, batch {args.batch}")
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'result':>10}  notes")
    print("-" * (width + 40))
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
