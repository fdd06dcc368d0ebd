"""Benchmark of the walking skeleton. Prints a table; asserts nothing.

- end-to-end latency of the full stage-1 flow over HTTP (register → declare → two departments
  accept/review/approve/conclude → two licences issued → stage concluded → supervision shows it),
  median and p95 over repeated runs, with every service a separate process;
- events/s through the outbox relay (claim rows, publish with confirms + mandatory, mark), and
  the same events consumed from a bound queue;
- raw kombu publish + consume per second on the same broker in the same run, with a confirm per
  message and with the relay's strategy (a batch, then its confirms), so the relay's overhead
  reads as a ratio.

Usage: .venv/bin/python bench/bench_platform.py [--runs 10] [--events 5000]
Needs RabbitMQ (with management API) and PostgreSQL on 127.0.0.1, like the tests.
"""
import argparse
import os
import platform as host
import statistics
import sys
import tempfile
import time
from pathlib import Path

import eventlet

eventlet.monkey_patch()

from kombu import Connection, Exchange, Queue  # noqa: E402
from sqlalchemy import create_engine, insert  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

from launcher import SERVICES, Platform  # noqa: E402

from platform_kit.contracts import Actor, new_event  # noqa: E402
from platform_kit.db import service_metadata, utcnow  # noqa: E402
from platform_kit.outbox import OutboxRelay  # noqa: E402
from platform_kit.testing import PostgresDatabases  # noqa: E402
from bench_kit import api_caller, drop_vhost, make_vhost, percentile  # noqa: E402



def drain(amqp_uri, queue, n, timeout=120):
    received = 0
    with Connection(amqp_uri) as conn:
        def on_message(body, message):
            nonlocal received
            received += 1
            message.ack()
        with conn.Consumer(queue, callbacks=[on_message], prefetch_count=500):
            deadline = time.time() + timeout
            while received < n and time.time() < deadline:
                try:
                    conn.drain_events(timeout=1)
                except TimeoutError:
                    pass
    return received


def bench_raw_kombu(amqp_uri, n):
    exchange = Exchange("bench.raw", type="topic", durable=True)
    queue = Queue("bench-raw", exchange=exchange, routing_key="case.accepted", durable=True)
    body = new_event("consultation.replied", source="bench", project_code="2026-410800-48-01-000001",
                     actor=Actor(id="bench", role="system"),
                     payload={"consultation_id": "c", "department": "FIRE", "opinion": "同意"}).to_wire()
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        queue(conn.default_channel).declare()
        producer = conn.Producer(serializer="json")
        start = time.perf_counter()
        for _ in range(n):
            producer.publish(body, exchange=exchange, routing_key="case.accepted", mandatory=True,
                             delivery_mode=2)
        published = time.perf_counter() - start
    got = drain(amqp_uri, queue, n)
    total = time.perf_counter() - start
    assert got == n, f"raw kombu: consumed {got} of {n}"
    return n / published, n / total


def bench_raw_kombu_batched(amqp_uri, n, batch=200):
    """Raw publishing with the relay's confirm strategy: a batch out, then its confirms awaited."""
    exchange = Exchange("bench.raw-batched", type="topic", durable=True)
    queue = Queue("bench-raw-batched", exchange=exchange, routing_key="case.accepted", durable=True)
    body = new_event("consultation.replied", source="bench", project_code="2026-410800-48-01-000001",
                     actor=Actor(id="bench", role="system"),
                     payload={"consultation_id": "c", "department": "FIRE", "opinion": "同意"}).to_wire()
    with Connection(amqp_uri, heartbeat=0) as conn:
        channel = conn.channel()
        queue(channel).declare()
        channel.confirm_select()
        acked = [0]
        channel.events["basic_ack"].add(lambda tag, multiple: acked.__setitem__(0, tag))
        producer = conn.Producer(channel, serializer="json")
        start = time.perf_counter()
        sent = 0
        while sent < n:
            for _ in range(min(batch, n - sent)):
                producer.publish(body, exchange=exchange, routing_key="case.accepted", mandatory=True,
                                 delivery_mode=2)
                sent += 1
            while acked[0] < sent:
                conn.drain_events(timeout=30)
        published = time.perf_counter() - start
    got = drain(amqp_uri, queue, n)
    total = time.perf_counter() - start
    assert got == n, f"raw kombu batched: consumed {got} of {n}"
    return n / published, n / total


def bench_outbox(amqp_uri, postgres, n):
    metadata = service_metadata()
    url = postgres.blank("outbox")
    engine = create_engine(url, pool_size=4)
    metadata.create_all(engine)
    exchange = Exchange("bench.events", type="topic", durable=True)
    queue = Queue("bench-relayed", exchange=exchange, routing_key="consultation.replied", durable=True)
    with Connection(amqp_uri) as conn:
        exchange(conn.default_channel).declare()
        queue(conn.default_channel).declare()
    actor = Actor(id="bench", role="system")
    rows = []
    for i in range(n):
        envelope = new_event("consultation.replied", source="bench", project_code="2026-410800-48-01-000001",
                             actor=actor, payload={"consultation_id": f"c{i}", "department": "FIRE",
                                                   "opinion": "同意"})
        rows.append({"event_id": envelope.event_id, "event_type": envelope.type, "source": "bench",
                     "body": envelope.to_wire(), "created_at": utcnow(), "attempts": 0})
    with engine.begin() as conn:
        conn.execute(insert(metadata.tables["outbox"]), rows)
    relay = OutboxRelay(engine, metadata, {"AMQP_URI": amqp_uri})
    start = time.perf_counter()
    while relay.publish_pending():
        pass
    published = time.perf_counter() - start
    got = drain(amqp_uri, queue, n)
    total = time.perf_counter() - start
    engine.dispose()
    assert relay.published == n and got == n, f"outbox: published {relay.published}, consumed {got} of {n}"
    return n / published, n / total


def run_flow(platform, tokens, catalog_token):
    """One stage-1 flow; returns seconds from registration to supervision showing the stage concluded."""
    call = api_caller(platform.url)

    def wait(probe, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            result = probe()
            if result:
                return result
            time.sleep(0.02)
        raise RuntimeError("flow did not complete")

    from test_end_to_end import PDF, STAGE_1_FORM
    start = time.perf_counter()
    code = call("POST", "/projects", tokens["applicant"], json={
        "name": "基准测试项目", "category": "gov_building", "region": "410800", "attributes": {}})["project_code"]
    material = call("POST", f"/projects/{code}/materials", tokens["applicant"], data={"name": "选址意见书"},
                    files={"file": ("site.pdf", PDF, "application/pdf")})
    call("POST", f"/projects/{code}/declarations", tokens["applicant"], json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": [material["material_id"]]})
    for account in ("nrp-officer", "drc-officer"):
        case = wait(lambda: call("GET", "/cases", tokens[account], params={"project_code": code})["items"])[0]
        for action in ("accept", "review", "approve", "conclude"):
            call("POST", f"/cases/{case['case_id']}/actions", tokens[account], json={"action": action, "opinion": "同意"})

    def done():
        overview = call("GET", f"/supervision/projects/{code}", tokens["supervisor"])
        licences = call("GET", f"/projects/{code}/licences", tokens["applicant"])["items"]
        stages = overview.get("stages") or []
        return stages and stages[0].get("concluded_on") and len(licences) == 2
    wait(done)
    return time.perf_counter() - start


def bench_flow(postgres, vhost, runs):
    workdir = Path(tempfile.mkdtemp(prefix="bench-platform-"))
    urls = {name: postgres.fresh(name) for name in SERVICES + ("gateway",)}
    platform = Platform(amqp_uri=f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}", database_urls=urls,
                        keys_dir=workdir / "keys", port=18765, workdir=workdir,
                        extra_env={"GATEWAY_WORKERS": "2"})
    platform.start()
    try:
        platform.wait_ready()
        platform.seed_accounts()
        platform.seed_catalog()
        tokens = {a: platform.login(a) for a in ("applicant", "nrp-officer", "drc-officer", "supervisor")}
        run_flow(platform, tokens, None)  # warm-up
        return [run_flow(platform, tokens, None) for _ in range(runs)]
    finally:
        platform.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--skip-flow", action="store_true")
    args = parser.parse_args()
    postgres = PostgresDatabases(os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    vhost = make_vhost()
    amqp_uri = f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}"
    try:
        raw_pub, raw_total = bench_raw_kombu(amqp_uri, args.events)
        batched_pub, batched_total = bench_raw_kombu_batched(amqp_uri, args.events)
        relay_pub, relay_total = bench_outbox(amqp_uri, postgres, args.events)
        latencies = [] if args.skip_flow else bench_flow(postgres, vhost, args.runs)
    finally:
        drop_vhost(vhost)
        postgres.drop_all()
    print(f"\nmachine: {host.node()} · {os.cpu_count()} cores · Python {host.python_version()} · "
          f"RabbitMQ and PostgreSQL on 127.0.0.1\n")
    print("| measurement | value | note |")
    print("|---|---|---|")
    if latencies:
        print(f"| end-to-end stage-1 flow, median | {statistics.median(latencies) * 1000:.0f} ms | {len(latencies)} runs, HTTP → 5 services → HTTP |")
        print(f"| end-to-end stage-1 flow, p95 | {percentile(latencies, 0.95) * 1000:.0f} ms | |")
    print(f"| raw kombu publish (confirms, mandatory) | {raw_pub:,.0f} msg/s | {args.events} messages |")
    print(f"| raw kombu publish + consume | {raw_total:,.0f} msg/s | |")
    print(f"| raw kombu publish, confirms per batch of {OutboxRelay.BATCH} | {batched_pub:,.0f} msg/s | the relay's confirm strategy, no database |")
    print(f"| raw kombu batched publish + consume | {batched_total:,.0f} msg/s | |")
    print(f"| outbox relay publish (claim, publish, mark) | {relay_pub:,.0f} events/s | {args.events} events on PostgreSQL |")
    print(f"| outbox relay publish + consume | {relay_total:,.0f} events/s | |")
    print(f"| relay / raw batched publish ratio | {relay_pub / batched_pub:.2f} | same confirm strategy: the cost of the database (claim + mark) |")
    print(f"| relay / raw per-message-confirm ratio | {relay_pub / raw_pub:.2f} | |")


if __name__ == "__main__":
    main()
