"""Benchmark of authenticated reads through the gateway. Prints a table; asserts nothing.

The platform is started as the run command starts it (:class:`launcher.Platform`: five nameko
services and the gateway on gunicorn, PostgreSQL and RabbitMQ on 127.0.0.1, a vhost and databases of
its own), a few projects are registered and declared (so their stages, cases and clocks exist), then
three reads are loaded at 1, 8, 16 and 32 concurrent clients:

- ``stages``: ``GET /projects/{code}/stages`` as the applicant (the stage service's read port);
- ``cases``:  ``GET /cases`` as an officer (the stage service, the officer's visible cases);
- ``clocks``: ``GET /supervision/clocks`` as the supervisor (the supervision service).

Each client is a thread with its own keep-alive ``http.client`` connection. For every read and
concurrency the table gives req/s, p50 and p99, and the CPU seconds per request of each process
(the gateway's workers together, each service, RabbitMQ's ``beam.smp``, and the load generator
itself), read from ``/proc/<pid>/stat`` (utime + stime) before and after. The broker may serve others
on a shared machine: its figure then includes their load.

Usage: .venv/bin/python bench/bench_reads.py [--seconds 5] [--projects 6] [--clients 1,8,16,32]
       [--reads stages,cases,clocks] [--env GATEWAY_WORKERS=2 --env ...]
Needs RabbitMQ (with management API) and PostgreSQL on 127.0.0.1, like the tests.
"""
import argparse
import http.client
import json
import os
import platform as host
import sys
import tempfile
import threading
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from launcher import SERVICES, Platform  # noqa: E402

from platform_kit.testing import PostgresDatabases  # noqa: E402
from bench_kit import api_caller, drop_vhost, make_vhost, percentile  # noqa: E402

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
STAGE_1_FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5,
                "investment_10k_yuan": 8600, "contact_name": "王建国", "contact_phone": "13903910000"}
TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------- CPU of processes
def cpu_seconds(pid):
    """utime + stime of `pid` (its threads included), or None when it is gone or unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS   # fields 14 and 15 of stat(5)


def children_of(parent):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def pids_named(name):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def process_groups(platform):
    """Label -> pids whose CPU is summed: the gateway's workers, each service, the broker, this process."""
    groups = {}
    for process in platform.processes:
        if process.label == "gateway":
            groups["gateway"] = [process.pid] + children_of(process.pid)
        else:
            groups[process.label.rsplit("-", 1)[0]] = groups.get(process.label.rsplit("-", 1)[0], []) + [process.pid]
    groups["beam.smp"] = pids_named("beam.smp")
    groups["load generator"] = [os.getpid()]
    return groups


def cpu_of(groups):
    return {label: sum(cpu_seconds(pid) or 0.0 for pid in pids) for label, pids in groups.items()}


# ---------------------------------------------------------------------------------- load
def run_load(port, path, token, clients, seconds):
    """`clients` threads, each on its own keep-alive connection, GET `path` for `seconds`; returns
    (requests done, seconds taken, latencies in seconds, errors)."""
    latencies, errors, lock = [], [], threading.Lock()
    start_at = time.perf_counter() + 0.2
    stop_at = start_at + seconds
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def client():
        mine, failed = [], []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < start_at:
            time.sleep(0.001)
        while True:
            began = time.perf_counter()
            if began >= stop_at:
                break
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed.append(response.status)
                mine.append(time.perf_counter() - began)
            except (OSError, http.client.HTTPException) as exc:
                failed.append(repr(exc))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), time.perf_counter() - start_at, latencies, errors


# ---------------------------------------------------------------------------------- seeding
def seed(platform, projects):
    """`projects` projects of the applicant, each declared for its first stage; waits until the stage
    service shows their stages and the supervision service their clocks."""
    tokens = {a: platform.login(a) for a in ("applicant", "nrp-officer", "supervisor")}
    call = api_caller(platform.url)

    codes = []
    for i in range(projects):
        code = call("POST", "/projects", tokens["applicant"], json={
            "name": f"读取基准项目 {i + 1}", "category": "gov_building", "region": "410800",
            "attributes": {}})["project_code"]
        material = call("POST", f"/projects/{code}/materials", tokens["applicant"], data={"name": "选址意见书"},
                        files={"file": ("site.pdf", PDF, "application/pdf")})
        call("POST", f"/projects/{code}/declarations", tokens["applicant"], json={
            "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": [material["material_id"]]})
        codes.append(code)
    deadline = time.time() + 60
    while time.time() < deadline:
        stages = call("GET", f"/projects/{codes[-1]}/stages", tokens["applicant"])["items"]
        cases = call("GET", "/cases", tokens["nrp-officer"])["total"]
        clocks = call("GET", "/supervision/clocks", tokens["supervisor"])["total"]
        if stages and cases >= projects and clocks >= projects:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError("the seeded declarations did not reach the stage and supervision services")
    return tokens, codes, {"cases": cases, "clocks": clocks}


# ---------------------------------------------------------------------------------- answer schemas
def schema_build_ms(schema_class, rounds=200):
    """Milliseconds to build `schema_class` with every nested schema a dump builds: what each call
    paid when a service built its answer's schema per call."""
    import timeit
    from marshmallow import fields

    def build():
        def walk(schema):
            for field in schema.fields.values():
                for candidate in (field, getattr(field, "inner", None)):
                    if isinstance(candidate, fields.Nested):
                        walk(candidate.schema)
        walk(schema_class())
    return timeit.timeit(build, number=rounds) / rounds * 1000


# ---------------------------------------------------------------------------------- main
def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0, help="load time per read and concurrency")
    parser.add_argument("--projects", type=int, default=6)
    parser.add_argument("--clients", default="1,8,16,32")
    parser.add_argument("--reads", default="stages,cases,clocks")
    parser.add_argument("--port", type=int, default=18790)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for every process (settings)")
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env)
    os.environ.pop("DB_POOL_IDLE", None)   # the tests' setting; the platform runs with its configured default
    postgres = PostgresDatabases(os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    vhost = make_vhost("bench-reads")
    workdir = Path(tempfile.mkdtemp(prefix="bench-reads-"))
    platform = Platform(amqp_uri=f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}",
                        database_urls={name: postgres.fresh(name) for name in SERVICES + ("gateway",)},
                        keys_dir=workdir / "keys", port=args.port, workdir=workdir, extra_env=extra_env)
    rows = []
    try:
        platform.start()
        platform.wait_ready()
        platform.seed_accounts()
        platform.seed_catalog()
        tokens, codes, sizes = seed(platform, args.projects)
        reads = {"stages": (f"/projects/{codes[0]}/stages", tokens["applicant"], "applicant"),
                 "cases": ("/cases", tokens["nrp-officer"], f"nrp-officer, {sizes['cases']} cases"),
                 "clocks": ("/supervision/clocks", tokens["supervisor"], f"supervisor, {sizes['clocks']} clocks")}
        groups = process_groups(platform)
        for name in args.reads.split(","):
            path, token, who = reads[name]
            run_load(args.port, path, token, 4, 1.0)   # warm-up: connections, caches
            for clients in (int(c) for c in args.clients.split(",")):
                before = cpu_of(groups)
                done, took, latencies, errors = run_load(args.port, path, token, clients, args.seconds)
                after = cpu_of(groups)
                per_request = {label: (after[label] - before[label]) / max(done, 1) for label in groups}
                rows.append((name, who, clients, done / took, percentile(latencies, 0.5) * 1000,
                             percentile(latencies, 0.99) * 1000, len(errors), per_request))
                if errors:
                    print(f"{name} at {clients}: {len(errors)} errors, e.g. {errors[:3]}", file=sys.stderr)
    finally:
        platform.stop()
        drop_vhost(vhost)
        postgres.drop_all()
    labels = list(rows[0][7]) if rows else []
    settings = ", ".join(f"{k}={v}" for k, v in sorted(extra_env.items())) or "defaults"
    print(f"\nmachine: {host.node()} · {os.cpu_count()} cores · load average {os.getloadavg()[0]:.1f} · "
          f"Python {host.python_version()} · {args.seconds:g} s per row · settings: {settings}\n")
    print("| read | clients | req/s | p50 ms | p99 ms | errors | " +
          " | ".join(f"{label} CPU ms/req" for label in labels) + " |")
    print("|---|---|---|---|---|---|" + "---|" * len(labels))
    for name, who, clients, rate, p50, p99, errors, per_request in rows:
        print(f"| {name} ({who}) | {clients} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {errors} | " +
              " | ".join(f"{per_request[label] * 1000:.2f}" for label in labels) + " |")
    if rows:
        print("\nCPU ms/req: CPU seconds the process (all its threads) used during the row, per request "
              "answered; gateway = gunicorn's master and workers; beam.smp = the whole broker.")
    from stage.schemas import CaseListOut, StageListOut
    from supervision.schemas import ClocksOut
    print("\nBuilding an answer schema with its nested schemas (now built once per process): " + ", ".join(
        f"{cls.__name__} {schema_build_ms(cls):.2f} ms" for cls in (StageListOut, CaseListOut, ClocksOut)))
    print(json.dumps({"rows": [{"read": r[0], "clients": r[2], "rps": round(r[3], 1), "p50_ms": round(r[4], 1),
                                "p99_ms": round(r[5], 1), "errors": r[6],
                                "cpu_ms_per_request": {k: round(v * 1000, 3) for k, v in r[7].items()}}
                               for r in rows]}, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()
