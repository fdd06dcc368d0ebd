"""Benchmark of the exchange's push to the provincial front database (MariaDB). Prints a table;
asserts nothing.

Stages their flow, N project rows and N construction-unit rows (the exchange's own staging:
``handlers.stage_records`` through the mapping, each row queued ready to write) in a fresh supervision
database on PostgreSQL, then pushes them to a fresh front database (tables made by
``scripts/province_checker.py``) with ``handlers.push`` in batches of 2000 (the exchange's default), the
way the exchange process does (advisory lock, queued rows in dependency order taken off the queue in one statement, the existing
``(DFSJZJ, version)`` pairs read first, one front transaction per batch). In the same
run, the same rows are inserted into a second front database by raw batched ``executemany`` through
the same driver (PyMySQL), batches of the same size, one transaction each: the ceiling. The two take turns batch by
batch (a raw batch, then a push of the same rows), so both meet the same load on a shared machine.
BENCH_PROFILE=1 prints a cProfile of the push.

Usage: .venv/bin/python bench/bench_exchange.py [--projects 10000] [--batch 2000]
Needs PostgreSQL (TEST_PG_URL) and MariaDB (MARIADB_ADMIN_URL, default root@127.0.0.1:3306).
"""
import argparse
import os
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import province_checker  # noqa: E402

from platform_kit.db import make_engine, transaction  # noqa: E402
from platform_kit.migrate import upgrade  # noqa: E402
from platform_kit.testing import PostgresDatabases  # noqa: E402
from supervision.exchange import handlers  # noqa: E402
from supervision.exchange.front import FrontDatabase  # noqa: E402
from supervision.exchange.mapping import Mapping  # noqa: E402
from supervision.exchange.tables import metadata  # noqa: E402

TABLES = ("SPGL_DFXMSPLCXXB", "SPGL_XMJBXXB", "SPGL_XMDWXXB")
ADMIN = os.environ.get("MARIADB_ADMIN_URL", "mysql+pymysql://root@127.0.0.1:3306/")


class Db:
    """The unit of work the handlers take, on one engine."""

    def __init__(self, url):
        self.engine = make_engine(url)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def unit_of_work(self):
        return transaction(self.sessions, metadata)


def records(n):
    # the flow the projects follow (staged on first connection): a project goes only with or after it
    yield "flow", {"flow_code": "gov_building", "flow_version": 1, "region": "410800", "name": "政府投资房屋建筑类",
                   "category": "gov_building", "effective_at": "2026-01-01 00:00:00", "description": ""}
    for i in range(n):
        code = f"2026-410800-48-01-{i:06d}"
        project = {"project_code": code, "name": f"焦作市基准测试项目{i}", "category": "gov_building",
                   "region": "410800", "flow_code": "gov_building", "flow_version": 1, "scope": "房屋建筑",
                   "investment": 1000.0 + i, "site": "焦作市解放区", "floor_area": 1500.0,
                   "planned_start": "2026-03-01", "planned_completion": "2027-06-30", "concluded": 0}
        yield "project", project
        yield "unit", {"project_code": code, "role": "builder", "region": "410800",
                       "credit_code": "91410800MA47Q0R12X", "name": "焦作市城市建设投资有限公司"}


def front(name):
    """A fresh front database with the province's tables: its URL and an engine on it (the raw inserts'
    engine: no ping before use and no rollback when a connection is given back, nothing but the inserts
    and the commit)."""
    province_checker.create_database(ADMIN, name)
    url = f"{ADMIN.rstrip('/')}/{name}?charset=utf8mb4"
    engine = create_engine(url, pool_reset_on_return=None)
    province_checker.create(engine)
    return url, engine


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10000)   # 20,001 rows: ten full batches and one row, so no one batch's fixed cost weighs much
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    postgres = PostgresDatabases(prefix="bench")
    suffix = uuid.uuid4().hex[:6]
    names = (f"bench_front_{suffix}", f"bench_raw_{suffix}")
    try:
        url = postgres.blank("exchange")
        upgrade("supervision", url)
        db, mapping = Db(url), Mapping.load()
        started = time.perf_counter()
        with db.unit_of_work() as uow:
            staged = len(handlers.stage_records(uow, mapping, list(records(args.projects)), "bench"))
        stage_seconds = time.perf_counter() - started

        front_url, front_engine = front(names[0])
        target = FrontDatabase(front_url, mapping)
        raw_url, raw_engine = front(names[1])
        raw = FrontDatabase(raw_url, mapping)
        for table in TABLES:     # both read the province's tables before timing
            target.table(table), raw.table(table)
        # the ceiling: the same rows, raw batched inserts through the same driver. Batch by batch in
        # turns (a raw batch, then a push of the same rows), so both meet the same load on a shared machine
        with db.unit_of_work() as uow:
            rows = [dict(r) for r in uow.session.execute(text(
                "SELECT * FROM exchange_outbound ORDER BY rank, row_id")).mappings()]
        payloads = [(r["table_name"], raw.payload(r, "2026-12-01 00:00:00")) for r in rows]
        for engine in (front_engine, raw_engine, target.engine, raw.engine):     # connections open before timing
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        profiler = None
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            profiler = cProfile.Profile()
        raw_seconds = push_seconds = 0.0
        pushed = 0
        for start in range(0, len(payloads), args.batch):
            chunk = payloads[start:start + args.batch]
            started = time.perf_counter()
            with raw_engine.begin() as conn:
                for table in dict.fromkeys(t for t, _ in chunk):
                    conn.execute(insert(raw.table(table)), [p for t, p in chunk if t == table])
            raw_seconds += time.perf_counter() - started
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            pushed += handlers.push(db, target, batch=args.batch, settle_seconds=0)
            push_seconds += time.perf_counter() - started
            if profiler:
                profiler.disable()
        if profiler:
            import pstats
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)

        with front_engine.connect() as conn:
            written = sum(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
                          for t in TABLES)
        push_rate, raw_rate = pushed / push_seconds, len(payloads) / raw_seconds
        print(f"\nExchange push to the front database (MariaDB, PyMySQL), {args.projects} projects, "
              f"batches of {args.batch}\n")
        print(f"| {'measure':<52} | {'rows':>7} | {'seconds':>8} | {'rows/s':>8} |")
        print(f"|{'-' * 54}|{'-' * 9}|{'-' * 10}|{'-' * 10}|")
        print(f"| {'staging (mapping, versions, one transaction)':<52} | {staged:>7} | {stage_seconds:>8.2f} | "
              f"{staged / stage_seconds:>8.0f} |")
        print(f"| {'exchange push (handlers.push)':<52} | {pushed:>7} | {push_seconds:>8.2f} | {push_rate:>8.0f} |")
        print(f"| {'raw batched executemany, same driver':<52} | {len(payloads):>7} | {raw_seconds:>8.2f} | "
              f"{raw_rate:>8.0f} |")
        print(f"\npush / raw: {push_rate / raw_rate:.0%} (target at least 50%); front rows written: {written}")
        target.dispose()
        raw.dispose()
        front_engine.dispose()
        raw_engine.dispose()
        db.engine.dispose()
    finally:
        for name in names:
            province_checker.drop_database(ADMIN, name)
        postgres.release()


if __name__ == "__main__":
    main()
