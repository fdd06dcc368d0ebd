"""Benchmark of the supervision service's statistics. Prints a table; asserts nothing.

- the counters of 100,000 closed cases over two years (29 departments, 12 regions, 45 items, four
  stages, three officers per department and region), made the way events make them: every case's
  stage.opened, case.accepted (some refused, some supplemented, some lapsed or special-handled) and
  case.concluded go through the same counting rules (``domain.statistics.tallies``), summed per
  counter, and the counters are loaded into PostgreSQL in bulk;
- counting as it happens: events per second through ``handlers.statistics.count``, one
  transaction per event;
- the statistics query (``handlers.statistics.read``: the month, the month before, the same month
  a year before and the department ranking) for the operator, a county supervisor and an officer,
  grouped several ways, timed over many calls: p50 and p95.

Usage: .venv/bin/python bench/bench_statistics.py [--cases 100000] [--calls 200]
Needs PostgreSQL on 127.0.0.1 (TEST_PG_URL), like the tests.
"""
import argparse
import platform as host
import random
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import sessionmaker

from platform_kit.db import UnitOfWork, make_engine
from platform_kit.identity import Identity
from platform_kit.testing import PostgresDatabases
from supervision.adapters.orm import metadata
from supervision.adapters.statistics_orm import StatisticsCounterRow
from supervision.domain import statistics
from supervision.domain.statistics import Tally, Where
from supervision.handlers import statistics as counting
from bench_kit import percentile

STAGES = ("land_use_planning", "engineering_permit", "construction_permit", "completion_acceptance")
REGIONS = ("410800",) + tuple(f"4108{n:02d}" for n in (2, 3, 4, 11, 21, 22, 23, 25, 81, 82, 83))
DEPARTMENTS = tuple(f"D{n:02d}" for n in range(29))
ITEMS = {d: [f"{d}-{k:03d}" for k in range(1, 3)] for d in DEPARTMENTS}   # 58 items, near the catalog's 45
FIRST = date(2025, 1, 1)
SYSTEM = SimpleNamespace(id="system", role="system")


def envelope(kind, payload, actor):
    return SimpleNamespace(type=kind, payload=payload, actor=actor, event_id=str(uuid.uuid4()),
                           occurred_at=datetime.combine(payload.get("on") or payload.get("received_on"),
                                                        datetime.min.time(), tzinfo=timezone.utc),
                           project_code=None)


def case_events(rng, n):
    """The events of one closed case, as the stage service publishes them (only what counting reads)."""
    department = rng.choice(DEPARTMENTS)
    region = rng.choice(REGIONS)
    item = rng.choice(ITEMS[department])
    stage = rng.choice(STAGES)
    officer = SimpleNamespace(id=f"{department}-{region}-{rng.randrange(3)}", role="officer")
    received = FIRST + timedelta(days=rng.randrange(700))
    case_id = f"case-{n}"
    base = {"case_id": case_id, "department": department, "region": region, "item_code": item, "stage": stage}
    out = [envelope("stage.opened", {"stage": stage, "received_on": received, "cases": [
        {"case_id": case_id, "department": department, "item_code": item}]}, SYSTEM)]
    if rng.random() < 0.05:
        out.append(envelope("case.refused", dict(base, on=received + timedelta(days=1)), officer))
        return out, base
    accepted = received + timedelta(days=1)
    out.append(envelope("case.accepted", dict(base, on=accepted), officer))
    if rng.random() < 0.15:
        out.append(envelope("case.supplement_requested", dict(base, on=accepted + timedelta(days=1)), officer))
    limit = rng.choice((5, 10, 15, 20))
    used = rng.randint(1, limit + 5)
    concluded = accepted + timedelta(days=used + used // 5 * 2)
    if used > limit and rng.random() < 0.3:
        out.append(envelope("case.lapsed", dict(base, on=accepted + timedelta(days=limit + 2)), SYSTEM))
    if rng.random() < 0.02:
        out.append(envelope("case.special_handled", dict(base, on=concluded), officer))
    light = "red" if used > limit else "yellow" if used >= limit - 2 else "green"
    out.append(envelope("case.concluded", dict(base, on=concluded, used_days=used, on_time=used <= limit,
                                               clock={"limit_days": limit, "extension_days": 0, "light": light}),
                        officer))
    return out, base


def load_counters(session_factory, cases, seed=1):
    """Every case's events through the counting rules; the counters upserted in bulk."""
    rng = random.Random(seed)
    merged, marks, events = {}, set(), 0
    started = time.perf_counter()
    for n in range(cases):
        evs, base = case_events(rng, n)
        where = Where(base["department"], base["region"], base["item_code"], base["stage"])
        for ev in evs:
            events += 1
            for t in statistics.tallies(ev, lambda _: where):
                if t.once_for:
                    if (t.once_for, t.indicator) in marks:
                        continue
                    marks.add((t.once_for, t.indicator))
                key = (t.month, t.where, t.officer, t.indicator)
                count, used, limit, longest = merged.get(key, (0, 0, 0, 0))
                merged[key] = (count + t.count, used + t.used_days, limit + t.limit_days, max(longest, t.used_days))
    counted = time.perf_counter() - started
    counters = {}
    for (month, where, officer, indicator), (count, used, limit, longest) in merged.items():
        for key in statistics.counter_keys(Tally(indicator, month, where, officer)):
            ident = tuple(sorted(key.items()))
            c, u, lim, lo = counters.get(ident, (0, 0, 0, 0))
            counters[ident] = (c + count, u + used, lim + limit, max(lo, longest))
    rows = [dict(ident, count=c, used_days=u, limit_days=lim, longest_days=lo)
            for ident, (c, u, lim, lo) in counters.items()]
    # counters are made as events arrive, month after month: stored in that order
    rows.sort(key=lambda r: (r["grain"], r["month"], r["department"], r["region"], r["item_code"], r["stage"],
                             r["officer"], r["indicator"]))
    started = time.perf_counter()
    for start in range(0, len(rows), 20000):   # the keys are distinct: a plain bulk insert
        with session_factory() as session, session.begin():
            session.execute(insert(StatisticsCounterRow), rows[start:start + 20000])
    loaded = time.perf_counter() - started
    with session_factory() as session, session.begin():
        total_rows = session.execute(select(func.count()).select_from(StatisticsCounterRow)).scalar_one()
        session.execute(text("ANALYZE statistics_counters"))
    return events, total_rows, counted, loaded


def bench_counting(session_factory, events=2000):
    """Events per second through count(), one transaction each, as the event handler runs it."""
    rng = random.Random(99)
    evs = []
    for n in range(events):
        more, _ = case_events(rng, 10_000_000 + n)
        evs.extend(more)
    evs = evs[:events]
    started = time.perf_counter()
    for ev in evs:
        with session_factory() as session, session.begin():
            counting.count(UnitOfWork(session, metadata, None), ev)
    return len(evs) / (time.perf_counter() - started)


def bench_reads(session_factory, calls):
    today = date(2026, 11, 16)
    who = {
        "平台运营": Identity(sub="operator-1", role="operator", name="运营"),
        "县级督查": Identity(sub="sup-1", role="supervisor", name="督查", region="410821"),
        "部门人员": Identity(sub="off-1", role="officer", name="审批", department="D03", region="410800"),
    }
    cases = [("平台运营", {"month": "2026-06", "group_by": "department"}),
             ("平台运营", {"month": "2026-06", "group_by": "item"}),
             ("平台运营", {"month": "2026-06", "group_by": "officer"}),
             ("平台运营", {"from": "2026-01", "to": "2026-06", "group_by": "month"}),
             ("平台运营", {"from": "2025-01", "to": "2026-12", "group_by": "region"}),
             ("县级督查", {"month": "2026-06", "group_by": "department"}),
             ("部门人员", {"month": "2026-06", "group_by": "officer"})]
    results = []
    for role, filters in cases:
        cmd = dict(filters, limit=50, offset=0)
        times = []
        for _ in range(calls):
            with session_factory() as session:
                started = time.perf_counter()
                answer = counting.read(SimpleNamespace(session=session), who[role], cmd, today)
                times.append((time.perf_counter() - started) * 1000)
                session.rollback()
        results.append((role, filters, answer["total"], answer["totals"]["concluded"],
                        percentile(times, 0.5), percentile(times, 0.95)))
    return results



def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    databases = PostgresDatabases()
    try:
        engine = make_engine(databases.fresh("supervision"))
        session_factory = sessionmaker(engine, expire_on_commit=False)
        events, rows, counted, loaded = load_counters(session_factory, args.cases)
        per_second = bench_counting(session_factory)
        reads = bench_reads(session_factory, args.calls)
        engine.dispose()
    finally:
        databases.drop_all()
    print(f"# statistics — {host.python_implementation()} {host.python_version()}, {host.machine()}, "
          f"PostgreSQL on 127.0.0.1")
    print()
    print("| what | figure |")
    print("|---|---|")
    print(f"| closed cases / their events counted | {args.cases:,} / {events:,} |")
    print(f"| counter rows loaded (2 years) | {rows:,} |")
    print(f"| counting rules over every event (in memory) | {counted:.1f} s |")
    print(f"| bulk load of the counters | {loaded:.1f} s |")
    print(f"| counting as events arrive, one transaction each | {per_second:,.0f} events/s |")
    print()
    print(f"| reader | filters | groups | concluded | p50 ms | p95 ms ({args.calls} calls) |")
    print("|---|---|---|---|---|---|")
    for role, filters, groups, concluded, p50, p95 in reads:
        shown = ", ".join(f"{k}={v}" for k, v in filters.items())
        print(f"| {role} | {shown} | {groups} | {concluded:,} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
