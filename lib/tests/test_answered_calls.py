"""A keyed write call is acted on once and answered alike (platform_kit.calls), against real RabbitMQ
and PostgreSQL: a small ledger service, called as the gateway calls it (gateway.rpc.RpcClient)."""
import threading
from datetime import timedelta

import pytest
from nameko.extensions import DependencyProvider
from sqlalchemy import Column, Integer, String, Table, create_engine, func, insert, select, update

from gateway.rpc import RpcClient
from platform_kit import calls
from platform_kit.db import Database, service_metadata
from platform_kit.errors import CallAnswerLost, Conflict
from platform_kit.rpc import rpc
from platform_kit.times import utcnow

metadata = service_metadata()
entries = Table("entries", metadata, Column("id", Integer, primary_key=True), Column("text", String(80)))
answered = metadata.tables["answered_calls"]


class WorkerContext(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return worker_ctx


class Ledger:
    name = "ledger"
    db = Database(metadata)
    worker = WorkerContext()
    hold = None   # an Event the next add waits for inside its transaction

    @rpc(expected_exceptions=Conflict)
    def add(self, text):
        with self.db.unit_of_work() as uow:
            entry_id = uow.session.execute(insert(entries).values(text=text).returning(entries.c.id)).scalar()
            if Ledger.hold is not None:
                Ledger.hold.wait(10)
        return {"entry_id": entry_id, "text": text, "carries_key_on": calls.CALL_KEY in self.worker.context_data}

    @rpc(expected_exceptions=Conflict)
    def add_then_refuse(self, text):
        with self.db.unit_of_work() as uow:
            uow.session.execute(insert(entries).values(text=text))
        raise Conflict("第二步不允许")

    @rpc(expected_exceptions=Conflict)
    def refuse(self, text):
        with self.db.unit_of_work() as uow:
            uow.session.execute(insert(entries).values(text=text))
            raise Conflict("不允许")

    @rpc
    def compute(self, text):
        return {"length": len(text)}


@pytest.fixture
def ledger(container_factory, rabbit_config, postgres):
    url = postgres.blank()
    engine = create_engine(url)
    metadata.create_all(engine)
    container = container_factory(Ledger, dict(rabbit_config, DATABASE_URL=url, max_workers=4, DB_POOL_IDLE=1))
    container.start()
    client = RpcClient(rabbit_config["AMQP_URI"], timeout=15)
    Ledger.hold = None
    yield client, engine
    Ledger.hold = None
    client.close()
    engine.dispose()


def rows(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(table)).mappings().all()


def count(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(entries)).scalar()


def test_a_call_made_again_with_its_key_is_answered_not_acted_on(ledger):
    client, engine = ledger
    first = client.call("ledger", "add", ["受理"], call_key="k1")
    again = client.call("ledger", "add", ["受理"], call_key="k1")
    assert again == first and count(engine) == 1
    assert first["carries_key_on"] is False   # calls and events the worker makes do not carry the key
    [kept] = rows(engine, answered)
    assert kept["call_key"] == "k1" and kept["operation"] == "ledger.add" and kept["answered_at"] is not None
    # another key, or none, is another call
    assert client.call("ledger", "add", ["受理"], call_key="k2")["entry_id"] != first["entry_id"]
    client.call("ledger", "add", ["受理"])
    assert count(engine) == 3 and len(rows(engine, answered)) == 2


def test_a_refused_call_leaves_no_key_and_is_acted_on_when_made_again(ledger):
    client, engine = ledger
    for _ in range(2):
        with pytest.raises(Conflict):
            client.call("ledger", "refuse", ["甲"], call_key="k-refused")
    assert count(engine) == 0 and rows(engine, answered) == []
    # a unit of work committed, then the call failed: the key is forgotten, a retry acts anew
    with pytest.raises(Conflict):
        client.call("ledger", "add_then_refuse", ["乙"], call_key="k-later")
    assert count(engine) == 1 and rows(engine, answered) == []
    with pytest.raises(Conflict):
        client.call("ledger", "add_then_refuse", ["乙"], call_key="k-later")
    assert count(engine) == 2


def test_a_call_that_writes_nothing_keeps_its_answer_too(ledger):
    client, engine = ledger
    assert client.call("ledger", "compute", ["四个字符"], call_key="k-compute") == {"length": 4}
    [kept] = rows(engine, answered)
    assert kept["operation"] == "ledger.compute" and calls._decode(kept["answer"]) == {"length": 4}


def test_two_calls_with_one_key_at_once_act_once_and_answer_alike(ledger):
    client, engine = ledger
    Ledger.hold = threading.Event()
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(client.call("ledger", "add", ["并发"], call_key="k-race")))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    threading.Timer(0.5, Ledger.hold.set).start()
    for thread in threads:
        thread.join(20)
    assert len(answers) == 2 and answers[0] == answers[1] and count(engine) == 1


def test_a_key_whose_answer_was_lost_is_refused_with_a_clear_conflict(ledger, monkeypatch):
    client, engine = ledger
    monkeypatch.setattr(calls, "WAIT_FOR_ANSWER", 0.3)
    with engine.begin() as conn:   # acted on, then the service stopped before keeping the answer
        conn.execute(insert(answered).values(call_key="k-lost", operation="ledger.add", created_at=utcnow()))
    with pytest.raises(CallAnswerLost) as refused:
        client.call("ledger", "add", ["丢失"], call_key="k-lost")
    assert refused.value.status == 409 and "已办理" in refused.value.detail
    assert count(engine) == 0


def test_a_key_names_a_new_call_once_its_time_is_over_and_old_keys_are_pruned(ledger):
    client, engine = ledger
    first = client.call("ledger", "add", ["一天前"], call_key="k-old")
    with engine.begin() as conn:
        conn.execute(update(answered).values(created_at=utcnow() - calls.KEEP_FOR - timedelta(minutes=1)))
    again = client.call("ledger", "add", ["一天前"], call_key="k-old")
    assert again["entry_id"] != first["entry_id"] and count(engine) == 2
    with engine.begin() as conn:
        conn.execute(insert(answered).values(call_key="k-older", operation="ledger.add",
                                             created_at=utcnow() - calls.KEEP_FOR - timedelta(hours=2)))
    assert calls.AnsweredCalls(engine, answered).prune() == 1
    assert [r["call_key"] for r in rows(engine, answered)] == ["k-old"]
