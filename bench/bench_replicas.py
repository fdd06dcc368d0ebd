"""Does a second replica of the stage service add throughput? Prints a table; asserts nothing.

The stage service runs alone (its own vhost and PostgreSQL database; a sink queue takes the events it
publishes), as 1 and then as 2 processes started as the run command starts them
(scripts/launcher.py), and is loaded two ways:

- its busiest event queue, ``declaration.submitted``: N declarations (each opens a stage with two
  cases and publishes its events) are put on the queue at once; events per second until every stage
  is open;
- its busiest RPC, ``act_on_case``: C clients (nameko RPC proxies, as the gateway calls it) accept,
  review, approve and conclude every case of those stages (8 calls per stage; the last concludes the
  stage); calls per second.

For each: the rate with 1 and 2 replicas, their ratio, and the CPU seconds per unit of every
process (the stage replicas, the PostgreSQL backends of its database, RabbitMQ, this client), so
what caps the ratio reads from the table: on 2 cores, two replicas plus the database, the broker
and the client share the same two cores.

Usage: .venv/bin/python bench/bench_replicas.py [--stages 150] [--clients 8] [--replicas 1,2]
Needs RabbitMQ and PostgreSQL on 127.0.0.1, like the tests.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import platform as host  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

from kombu import Connection, Exchange, Queue  # noqa: E402
from nameko.standalone.rpc import ServiceRpcProxy  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_flow import CpuMeter, _stat, drop_vhost, make_vhost, start_profilers, stop_profilers  # noqa: E402
from launcher import Platform  # noqa: E402

from platform_kit.calendar import today_in_shanghai  # noqa: E402
from platform_kit.contracts import Actor, new_event  # noqa: E402
from platform_kit.identity import Identity, issue_token  # noqa: E402
from platform_kit.testing import PostgresDatabases  # noqa: E402

STEPS = ("accept", "review", "approve", "conclude")
ORG = "91410800MA47Q0R12X"


def declaration(code):
    return new_event("declaration.submitted", source="intake", project_code=code,
                     actor=Actor(id="applicant-1", role="applicant"), payload={
                         "declaration_id": str(uuid.uuid4()), "stage": "land_use_planning",
                         "category": "gov_building", "catalog_version": 1, "region": "410800",
                         "applicant_org": ORG, "project_name": "副本基准测试项目", "lead_department": "NRP",
                         "stage_limit_days": 20, "submitted_on": today_in_shanghai(), "form": {}, "materials": [],
                         "items": [
                             {"item_code": "NRP-001", "item_name": "建设用地规划许可证", "department": "NRP",
                              "region": "410800", "limit_days": 10},
                             {"item_code": "DRC-001", "item_name": "企业投资项目核准", "department": "DRC",
                              "region": "410800", "limit_days": 5}]})


class Run:
    """The stage service alone with `replicas` processes, on its own vhost and database."""

    def __init__(self, postgres, replicas, workdir):
        self.vhost = make_vhost()
        self.amqp_uri = f"pyamqp://guest:guest@127.0.0.1:5672/{self.vhost}"
        self.url = postgres.fresh("stage")
        self.platform = Platform(amqp_uri=self.amqp_uri, database_urls={"stage": self.url},
                                 keys_dir=workdir / "keys", port=0, workdir=workdir,
                                 extra_env={"STAGE_SWEEP_SECONDS": "3600", "DB_POOL_IDLE": "4"})
        self.replicas = replicas
        self.engine = create_engine(self.url)
        self.meter = CpuMeter(self.platform, postgres.admin_url, [self.url.rsplit("/", 1)[1]])
        self.client_pid = os.getpid()

    def start(self):
        self.platform.ensure_keys()
        self.platform.migrate()
        with Connection(self.amqp_uri) as conn:   # a sink for everything the service publishes
            exchange = Exchange("stage.events", type="topic", durable=True)
            Queue("bench-sink", exchange=exchange, routing_key="#", durable=True,
                  queue_arguments={"x-max-length": 1000})(conn.default_channel).declare()
        for n in range(1, self.replicas + 1):
            self.platform.start_service("stage", n)
        self.private = (self.platform.keys_dir / "jwt-private.pem").read_text()
        self._wait_consuming()

    def _wait_consuming(self, timeout=120):
        """Until every replica consumes the declarations' queue and answers RPC."""
        queue = "evt-intake-declaration.submitted--stage.on_declaration_submitted"
        deadline = time.time() + timeout
        while time.time() < deadline:
            for p in self.platform.processes:
                if p.poll() is not None:
                    raise RuntimeError(f"{p.label} exited: {self.platform.tail(p)}")
            try:
                with Connection(self.amqp_uri) as conn:
                    consumers = conn.default_channel.queue_declare(queue=queue, passive=True).consumer_count
                if consumers >= self.replicas:
                    with ServiceRpcProxy("stage", {"AMQP_URI": self.amqp_uri}, timeout=10) as proxy:
                        proxy.health()
                    return
            except Exception:  # not declared yet
                pass
            time.sleep(0.5)
        raise RuntimeError("the stage service did not start")

    def stop(self):
        self.platform.stop()
        self.engine.dispose()
        drop_vhost(self.vhost)

    def sample(self):
        sample = self.meter.sample()
        sample["processes"]["bench client"] = (_stat(self.client_pid) or (0, 0.0))[1]
        return sample

    def count(self, sql):
        with self.engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()

    # ---------------------------------------------------------------- the event queue
    def declarations(self, stages):
        events = [declaration(f"2026-410800-48-01-{uuid.uuid4().int % 1000000:06d}") for _ in range(stages)]
        from nameko.standalone.events import event_dispatcher
        dispatch = event_dispatcher({"AMQP_URI": self.amqp_uri})
        before = self.sample()
        for envelope in events:
            dispatch("intake", "declaration.submitted", envelope.to_wire())
        deadline = time.time() + 600
        while self.count("SELECT count(*) FROM stages") < stages and time.time() < deadline:
            time.sleep(0.05)
        while self.count("SELECT count(*) FROM outbox WHERE published_at IS NULL") and time.time() < deadline:
            time.sleep(0.05)
        return stages, before, self.sample()

    # ---------------------------------------------------------------- the RPC
    def actions(self, clients):
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT stage_id, id, department FROM cases ORDER BY stage_id, id")).all()
        stages = {}
        for stage_id, case_id, department in rows:
            stages.setdefault(stage_id, []).append((case_id, department))
        tokens = {d: issue_token(self.private, Identity(sub=f"{d.lower()}-1", role="officer", name="基准测试",
                                                        department=d, region="410800", steps=STEPS),
                                 ttl_seconds=3600) for d in ("NRP", "DRC")}
        work = list(stages.values())
        calls = [0]
        errors = []

        def client():
            proxies = {d: ServiceRpcProxy("stage", {"AMQP_URI": self.amqp_uri}, timeout=60,
                                          context_data={"authorization": t}) for d, t in tokens.items()}
            started = {d: p.start() for d, p in proxies.items()}
            try:
                while work:
                    for case_id, department in work.pop():
                        for action in STEPS:
                            try:
                                started[department].act_on_case(case_id, {"action": action, "opinion": "同意"})
                                calls[0] += 1
                            except Exception as exc:  # counted and shown
                                errors.append(repr(exc)[:200])
            finally:
                for p in proxies.values():
                    p.stop()

        warm = ServiceRpcProxy("stage", {"AMQP_URI": self.amqp_uri}, timeout=60,
                               context_data={"authorization": tokens["NRP"]})
        with warm as proxy:
            proxy.list_cases({"limit": 1})
        before = self.sample()
        pool = [eventlet.spawn(client) for _ in range(clients)]
        for g in pool:
            g.wait()
        after = self.sample()
        return calls[0], before, after, errors


def row(kind, replicas, units, before, after):
    wall = after["at"] - before["at"]
    cpu = CpuMeter.used(before, after)
    return {"kind": kind, "replicas": replicas, "units": units, "wall": wall, "rate": units / wall, "cpu": cpu}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", type=int, default=150, help="declarations (stages of two cases) per run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent RPC clients")
    parser.add_argument("--replicas", default="1,2")
    parser.add_argument("--profile-dir", help="record the replicas with py-spy during the RPC load (PY_SPY: its binary)")
    args = parser.parse_args()
    postgres = PostgresDatabases(os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    load_before = os.getloadavg()
    print(f"machine: {host.node()} · {os.cpu_count()} cores · Python {host.python_version()} · "
          f"load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
    results = []
    try:
        for replicas in [int(r) for r in args.replicas.split(",")]:
            run = Run(postgres, replicas, Path(tempfile.mkdtemp(prefix="bench-replicas-")))
            try:
                run.start()
                units, before, after = run.declarations(args.stages)
                results.append(row("declaration.submitted events", replicas, units, before, after))
                profilers = start_profilers(args, run.platform, {"stage": replicas})
                calls, before, after, errors = run.actions(args.clients)
                stop_profilers(profilers)
                results.append(row(f"act_on_case calls ({args.clients} clients)", replicas, calls, before, after))
                print(f"  {replicas} replica(s): {units} declarations, {calls} calls, {len(errors)} failed"
                      + (f" (first: {errors[0]})" if errors else ""), flush=True)
            finally:
                run.stop()
    finally:
        postgres.drop_all()
    load_after = os.getloadavg()
    print(f"\nstage service alone · load average before {load_before[0]:.2f}, after {load_after[0]:.2f} · "
          "'machine busy' counts everything running on the machine")
    print("\n| load | replicas | units | seconds | units/s | ratio to 1 replica | machine busy |")
    print("|---|---|---|---|---|---|---|")
    first = {}
    for r in results:
        first.setdefault(r["kind"], r["rate"])
        busy = r["cpu"]["(whole machine)"] / r["wall"] / (os.cpu_count() or 1) * 100
        print(f"| {r['kind']} | {r['replicas']} | {r['units']} | {r['wall']:.1f} | {r['rate']:.1f} | "
              f"{r['rate'] / first[r['kind']]:.2f} | {busy:.0f}% |")
    cores = os.cpu_count() or 1
    print(f"\nWhat {cores} cores allow: with s the CPU seconds per unit of the stage replicas and t of every "
          "process above, R replicas reach at most min(R / s, cores / t) units/s (one replica is one "
          "Python process: one core at most), so 2 replicas gain at most min(2 / s, cores / t) / min(1 / s, cores / t):\n")
    print("| load | s (ms) | t (ms) | ceiling, 1 replica | ceiling, 2 replicas | ceiling ratio |")
    print("|---|---|---|---|---|---|")
    for r in results:
        if r["replicas"] != 1:
            continue
        stage = sum(v for k, v in r["cpu"].items() if k.startswith("stage-")) / max(r["units"], 1)
        every = sum(v for k, v in r["cpu"].items() if k != "(whole machine)") / max(r["units"], 1)
        one, two = min(1 / stage, cores / every), min(2 / stage, cores / every)
        print(f"| {r['kind']} | {stage * 1000:.1f} | {every * 1000:.1f} | {one:.0f}/s | {two:.0f}/s | {two / one:.2f} |")
    print("\nCPU milliseconds per unit (event or call), by process:\n")
    labels = sorted({k for r in results for k in r["cpu"] if k != "(whole machine)"})
    print("| load | replicas | " + " | ".join(labels) + " |")
    print("|---|---|" + "---|" * len(labels))
    for r in results:
        print(f"| {r['kind']} | {r['replicas']} | " + " | ".join(
            f"{r['cpu'].get(k, 0.0) / max(r['units'], 1) * 1000:.1f}" for k in labels) + " |")
    print("\nCPU cores in use during each load (CPU seconds / wall seconds):\n")
    print("| load | replicas | " + " | ".join(labels) + " |")
    print("|---|---|" + "---|" * len(labels))
    for r in results:
        print(f"| {r['kind']} | {r['replicas']} | " + " | ".join(
            f"{r['cpu'].get(k, 0.0) / r['wall']:.2f}" for k in labels) + " |")


if __name__ == "__main__":
    main()
