"""The exchange's push on PostgreSQL and MariaDB, without a platform: staged rows wait in the outbound
queue with their front rows ready to write; a row goes only with or after its parent row (never the
child alone), a row whose parent was never staged goes once EXCHANGE_ORPHAN_SECONDS have passed, the
push records its run, and the queue is empty once everything went, each (DFSJZJ, version) once.
"""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

import platforms
import province_checker
from exchange_front import Front
from platform_kit.db import make_engine, transaction
from supervision.exchange import handlers, store
from supervision.exchange.front import FrontDatabase
from supervision.exchange.mapping import Mapping
from supervision.exchange.tables import metadata, outbound

CODE = "2026-410800-48-01-700001"
FLOW = {"flow_code": "gov_building", "flow_version": 1, "region": "410800", "name": "政府投资房屋建筑类",
        "category": "gov_building", "effective_at": "2026-01-01 00:00:00", "description": ""}
PROJECT = {"project_code": CODE, "name": "焦作市档案馆建设项目", "category": "gov_building", "region": "410800",
           "flow_code": "gov_building", "flow_version": 1, "planned_start": "2026-03-01",
           "planned_completion": "2027-06-30", "concluded": 0}
UNIT = {"project_code": CODE, "role": "builder", "region": "410800", "credit_code": "91410800MA47Q0R12X",
        "name": "焦作市城市建设投资有限公司"}


class Db:
    def __init__(self, url):
        self.engine = make_engine(url)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def unit_of_work(self):
        return transaction(self.sessions, metadata)


@pytest.fixture
def exchange(postgres):
    db = Db(postgres.fresh("supervision"))
    with platforms.front_database("push") as url:
        reader = Front(url)
        province_checker.create(reader.engine)      # the province publishes its tables first
        front = FrontDatabase(url, Mapping.load())
        yield db, front, reader
        front.dispose()
        reader.close()
    db.engine.dispose()


def stage(db, *records):
    with db.unit_of_work() as uow:
        return handlers.stage_records(uow, Mapping.load(), list(records), "test")


def queued(db):
    with db.unit_of_work() as uow:
        return uow.session.execute(select(outbound.c.table_name, outbound.c.front)).all()


def test_a_child_goes_only_with_or_after_its_parent(exchange):
    db, front, reader = exchange
    stage(db, ("flow", FLOW), ("unit", UNIT))        # the unit's project is not staged yet
    [(_, ready), _] = sorted(queued(db))
    assert (ready["DFSJZJ"], ready["SJBB"], ready["SJSCZT"], ready["XZQHDM"]) == ("gov_building:1", 1, 0, "410800")
    assert handlers.push(db, front, settle_seconds=0) == 1       # the flow; the unit waits for its project
    assert (reader.count("flow"), reader.count("unit")) == (1, 0)
    stage(db, ("project", PROJECT))
    assert handlers.push(db, front, settle_seconds=0) == 2       # the project, then its unit, one batch
    [project], [unit] = reader.rows("project"), reader.rows("unit")
    assert project["SCSJ"] <= unit["SCSJ"] and (project["XMDM"], unit["XMDM"]) == (CODE, CODE)
    assert queued(db) == [] and reader.duplicates() == {}
    with db.unit_of_work() as uow:
        assert store.last_runs(uow.session)["push"]["rows"] == 2
        assert store.backlog(uow.session) == {}
        assert store.sent_counts(uow.session) == {"SPGL_DFXMSPLCXXB": 1, "SPGL_XMJBXXB": 1, "SPGL_XMDWXXB": 1}


def test_a_row_whose_parent_was_never_staged_goes_after_the_orphan_wait(exchange):
    db, front, reader = exchange
    stage(db, ("unit", UNIT))
    assert handlers.push(db, front, settle_seconds=0, orphan_seconds=300) == 0
    assert handlers.push(db, front, settle_seconds=0, orphan_seconds=0) == 1
    assert reader.count("unit") == 1 and queued(db) == []


def test_an_edit_is_queued_and_sent_as_the_next_version(exchange):
    db, front, reader = exchange
    stage(db, ("flow", FLOW), ("project", PROJECT))
    assert stage(db, ("project", PROJECT)) == []                 # the same content: nothing new
    stage(db, ("project", {**PROJECT, "site": "焦作市解放区人民路北侧 8 号"}))
    assert handlers.push(db, front, batch=2, settle_seconds=0) == 2
    assert handlers.push(db, front, batch=2, settle_seconds=0) == 1
    assert [(r["SJBB"], r["JSDD"]) for r in reader.rows("project")] == [(1, None), (2, "焦作市解放区人民路北侧 8 号")]
