"""The messaging floor: the CPU an RPC and an event cost on this machine when the handlers do
nothing. Prints a table; asserts nothing.

A service of the platform's shape (``bench/floor_service.py``: nameko on RabbitMQ, ``platform_kit.rpc``,
the outbox and its relay, ``platform_kit.bus`` with the processed-event marker, metrics and JSON log
lines) runs as its own process on a throwaway vhost and PostgreSQL database. The bench then

- calls ``echo`` through the gateway's RPC client (``gateway.rpc.RpcClient``) from 8 threads;
- calls ``write`` (a unit of work of one statement) the same way, without and with a call key (as the
  gateway sends a write with an Idempotency-Key: the key recorded in the unit of work, the answer kept
  before the reply, platform_kit.calls), which gives what the call key costs a write;
- has ``emit`` write events to the outbox in units of work of 1 and of 10 events: the relay publishes
  them (publisher confirms) and the service's own handler takes each in a transaction that records it;
  then again with a second subscriber in the same process (``SecondSubscriber``), which gives what
  one more delivery of an event costs;

and prints, per RPC and per event, the CPU milliseconds of the service process, of RabbitMQ (the
``beam.smp`` listening on 5672: shared, an upper bound), of the PostgreSQL backends, and of the
caller (this process). With the figures of ``bench/bench_flow.py`` (messages per case) they give the
least CPU a case can cost on this architecture whatever its handlers do.

Usage: .venv/bin/python bench/bench_floor.py [--calls 3000] [--events 3000] [--threads 8]
Needs RabbitMQ (with management API) and PostgreSQL on 127.0.0.1, like the tests.
"""
import argparse
import os
import platform as host
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # the gateway's RPC client
from bench_kit import drop_vhost, make_vhost  # noqa: E402
from floor_service import metadata  # noqa: E402
from gateway.rpc import RpcClient  # noqa: E402
from platform_kit.testing import PostgresDatabases  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def beam_pids():
    out = subprocess.run(["ss", "-ltnpH", "sport = :5672"], capture_output=True, text=True).stdout
    return sorted({int(pid) for pid in re.findall(r"pid=(\d+)", out)})


def backends(admin_url, database):
    engine = create_engine(admin_url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database})]
    finally:
        engine.dispose()


class Meter:
    def __init__(self, service_pid, admin_url, database):
        self.service_pid, self.admin_url, self.database = service_pid, admin_url, database

    def sample(self):
        own = resource.getrusage(resource.RUSAGE_SELF)
        return {"service": cpu_of(self.service_pid), "rabbitmq": sum(cpu_of(p) for p in beam_pids()),
                "postgres": {p: cpu_of(p) for p in backends(self.admin_url, self.database)},
                "caller": own.ru_utime + own.ru_stime, "at": time.monotonic()}

    @staticmethod
    def used(before, after):
        return {"service": after["service"] - before["service"], "rabbitmq": after["rabbitmq"] - before["rabbitmq"],
                "postgres": sum(c - before["postgres"].get(p, 0.0) for p, c in after["postgres"].items()),
                "caller": after["caller"] - before["caller"], "wall": after["at"] - before["at"]}


def handled(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM processed_events")).scalar()
    finally:
        engine.dispose()


def start_service(root, config, workdir, services):
    process = subprocess.Popen([str(Path(sys.executable).parent / "nameko"), "run", "--config", str(config),
                                *[f"floor_service:{name}" for name in services]], cwd=root / "bench",
                               stdout=subprocess.DEVNULL, stderr=open(workdir / "stderr.log", "w"))
    return process


def wait_ready(rpc, process, workdir):
    deadline = time.time() + 60
    while True:
        try:
            rpc.call("floor", "echo", ["ready"], timeout=5)
            return
        except Exception:
            if time.time() > deadline or process.poll() is not None:
                raise RuntimeError(f"the floor service did not start: {(workdir / 'stderr.log').read_text()[-2000:]}")
            time.sleep(0.5)


def in_threads(threads, per_thread, call):
    workers = [threading.Thread(target=lambda: [call() for _ in range(per_thread)]) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()


def events(rpc, meter, url, args, batch, echo, subscribers):
    """`args.events` events emitted `batch` per unit of work, each handled by `subscribers`; the emit
    calls' own share taken out with the `echo` figure (CPU per RPC)."""
    start_count = handled(url)
    per = args.events // batch // args.threads
    before = meter.sample()
    in_threads(args.threads, per, lambda: rpc.call("floor", "emit", [batch]))
    target = start_count + per * args.threads * batch * subscribers
    deadline = time.time() + 300
    while handled(url) < target and time.time() < deadline:
        time.sleep(0.1)
    used = Meter.used(before, meter.sample())
    for key in ("service", "rabbitmq", "postgres", "caller"):
        used[key] -= echo[key] * per * args.threads
    return (handled(url) - start_count) // subscribers, used


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    postgres = PostgresDatabases(os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    vhost = make_vhost("bench-floor")
    url = postgres.blank("floor")
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    workdir = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    config = workdir / "floor.yml"
    config.write_text(f"AMQP_URI: pyamqp://guest:guest@127.0.0.1:5672/{vhost}\nDATABASE_URL: {url}\n"
                      "max_workers: 10\nDB_POOL_IDLE: 10\nLOGGING:\n  version: 1\n  formatters:\n    json:\n"
                      "      (): platform_kit.logs.Formatter\n      service: floor\n  handlers:\n    file:\n"
                      f"      class: logging.FileHandler\n      filename: {workdir / 'floor.log'}\n"
                      "      formatter: json\n  root:\n    level: INFO\n    handlers: [file]\n")
    rpc = RpcClient(f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}", timeout=30)
    rows, process = [], None
    try:
        for services in (("FloorService",), ("FloorService", "SecondSubscriber")):
            process = start_service(ROOT, config, workdir, services)
            wait_ready(rpc, process, workdir)
            meter = Meter(process.pid, postgres.admin_url, url.rsplit("/", 1)[1])
            in_threads(1, 200, lambda: rpc.call("floor", "echo", [1]))      # warm-up
            per_thread = args.calls // args.threads
            before = meter.sample()
            in_threads(args.threads, per_thread, lambda: rpc.call("floor", "echo", [1]))
            used = Meter.used(before, meter.sample())
            calls = per_thread * args.threads
            echo = {k: v / calls for k, v in used.items()}
            subscribers = len(services)
            if subscribers == 1:
                rows.append(("RPC (echo), per call", calls, used))
                for keyed in (False, True):
                    before = meter.sample()
                    in_threads(args.threads, per_thread, lambda: rpc.call(
                        "floor", "write", [1], call_key=uuid.uuid4().hex if keyed else None))
                    rows.append((f"RPC with a unit of work{', with a call key' if keyed else ''}, per call", calls,
                                 Meter.used(before, meter.sample())))
            for batch in (1, 10):
                count, used = events(rpc, meter, url, args, batch, echo, subscribers)
                rows.append((f"event, {batch} per unit of work, {subscribers} subscriber{'s' if subscribers > 1 else ''}",
                             count, used))
            process.terminate()
            process.wait(20)
            process = None
    finally:
        rpc.close()
        if process is not None:
            process.kill()
        drop_vhost(vhost)
        postgres.drop_all()

    print(f"\nmachine: {host.node()} · {os.cpu_count()} cores · Python {host.python_version()} · load average "
          f"{os.getloadavg()[0]:.2f} · RabbitMQ and PostgreSQL on 127.0.0.1\n")
    print("| what | count | service ms | RabbitMQ ms | PostgreSQL ms | caller ms | all, ms CPU | per second |")
    print("|---|---|---|---|---|---|---|---|")
    totals = {}
    for label, count, used in rows:
        parts = [used[k] / count * 1000 for k in ("service", "rabbitmq", "postgres", "caller")]
        totals[label] = sum(parts)
        print(f"| {label} | {count} | " + " | ".join(f"{p:.2f}" for p in parts) +
              f" | {sum(parts):.2f} | {count / used['wall']:.0f} |")
    keyed = totals["RPC with a unit of work, with a call key, per call"] - totals["RPC with a unit of work, per call"]
    print(f"\nA call key costs a write {keyed:.2f} ms CPU (its key recorded, its answer kept).")
    for batch in (1, 10):
        one, two = (totals[f"event, {batch} per unit of work, {n}"] for n in ("1 subscriber", "2 subscribers"))
        print(f"\n{batch} per unit of work: a delivery {two - one:.2f} ms CPU, publishing alone "
              f"{2 * one - two:.2f} ms (one subscriber: publishing and a delivery; two: and one more)")
    print("\nCPU per RPC or event, by process (utime + stime from /proc); 'per second' is what the run reached.")
    print("An event row is its publishing (outbox write in the emitting unit of work, relay, confirm) and its")
    print("deliveries, each handled in a transaction that records it (the emit calls' own RPC cost taken out).")


if __name__ == "__main__":
    main()
