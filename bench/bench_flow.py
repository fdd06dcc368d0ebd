"""Throughput of whole stage-1 flows over HTTP. Prints a table; asserts nothing.

A flow (one "case" in the table: a project and its stage-1 declaration) is what an applicant and
two departments do over HTTP: register a project, upload a material, declare stage 1, then each of
the two departments (自然资源和规划局, 发展和改革委员会) finds its case and accepts, reviews, approves and
concludes it; the flow is complete when both licences are issued and supervision shows the stage
concluded. N clients run flows side by side against the platform started as the run command starts
it (scripts/launcher.py's Platform: every service a separate process, the gateway on gunicorn),
with its own vhost and throwaway PostgreSQL databases.

Printed per configuration (one replica of everything; then two replicas of the service that used
the most CPU per case, or of ``--replicate``) and per number of clients (1, 4, 8, 16):

- completed cases/s (flows completed / wall time of the level) and p50/p95 flow time;
- CPU seconds per case of every process (utime + stime from /proc/<pid>/stat before and after the
  level, summed over each process group: gunicorn's workers count to the gateway), of the
  PostgreSQL backends serving the platform's databases, and of RabbitMQ (shared with anybody else
  using the broker on this machine: read it as an upper bound).

CPU seconds per case depend little on what else runs on the machine; cases/s depend on it a lot,
so the header prints the machine, its load average before and after, and the CPU time the rest of
the machine used during the run.

Usage: .venv/bin/python bench/bench_flow.py [--clients 1,4,8,16] [--flows 0] [--replicate stage]
       [--no-replicas] [--gateway-workers 4] [--profile-dir DIR]
Needs RabbitMQ (with management API) and PostgreSQL on 127.0.0.1, like the tests.
"""
import argparse
import os
import platform as host
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "lib"))

from launcher import SERVICES, Platform  # noqa: E402

from platform_kit.testing import PostgresDatabases  # noqa: E402
from bench_kit import AUTH, MANAGEMENT, drop_vhost, make_vhost, percentile  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5, "investment_10k_yuan": 8600,
        "contact_name": "王建国", "contact_phone": "13903910000"}
DEPARTMENTS = ("nrp-officer", "drc-officer")
ACCOUNTS = ("applicant", "supervisor") + DEPARTMENTS


# ------------------------------------------------------------------------------------ CPU accounting
def _stat(pid):
    """(pgid, utime + stime in seconds) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode("latin-1")
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / TICK


def _all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _beam_pids():
    """The broker the platform uses: the process listening on 127.0.0.1:5672 (other RabbitMQ nodes that
    tests start on their own ports are left out)."""
    out = subprocess.run(["ss", "-ltnpH", "sport = :5672"], capture_output=True, text=True).stdout
    return sorted({int(pid) for pid in re.findall(r"pid=(\d+)", out)})


def _total_cpu():
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    values = [int(v) for v in parts]
    busy = sum(values) - values[3] - values[4]     # minus idle and iowait
    return busy / TICK


class CpuMeter:
    """CPU seconds of the platform's process groups, its PostgreSQL backends and RabbitMQ."""

    def __init__(self, platform, admin_url, databases):
        self.platform = platform
        self.admin_url = admin_url
        self.databases = databases

    def _backends(self):
        out = subprocess.run(["psql", self.admin_url, "-Atc",
                              "SELECT pid FROM pg_stat_activity WHERE datname = ANY(ARRAY[%s])"
                              % ",".join(f"'{d}'" for d in self.databases)],
                             capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def sample(self):
        groups = {p.pid: p.label for p in self.platform.processes}
        cpu = {label: 0.0 for label in groups.values()}
        for pid in _all_pids():
            stat = _stat(pid)
            if stat and stat[0] in groups:
                cpu[groups[stat[0]]] += stat[1]
        per_backend = {pid: (_stat(pid) or (0, 0.0))[1] for pid in self._backends()}
        rabbit = sum((_stat(pid) or (0, 0.0))[1] for pid in _beam_pids())
        return {"processes": cpu, "backends": per_backend, "rabbitmq": rabbit, "machine": _total_cpu(),
                "at": time.monotonic()}

    @staticmethod
    def used(before, after):
        """CPU seconds per label between two samples."""
        used = {label: after["processes"].get(label, 0.0) - before["processes"].get(label, 0.0)
                for label in after["processes"]}
        # a backend that appeared during the level used all its CPU in it
        used["postgres"] = sum(cpu - before["backends"].get(pid, 0.0) for pid, cpu in after["backends"].items())
        used["rabbitmq"] = after["rabbitmq"] - before["rabbitmq"]
        used["(whole machine)"] = after["machine"] - before["machine"]
        return used


# ------------------------------------------------------------------------------------ one flow
class Flow:
    def __init__(self, url, tokens):
        self.url = url
        self.tokens = tokens
        self.session = requests.Session()
        self.retried_reads = []
        self.requests = {"GET": 0, "POST": 0}

    def call(self, method, path, account, **kw):
        self.requests[method] += 1
        r = self.session.request(method, self.url + path, timeout=60,
                                 headers={"Authorization": f"Bearer {self.tokens[account]}"}, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    def wait(self, probe, pause, timeout=120):
        """Poll a read until it answers; a failed read (a 5xx while the machine is overloaded) is
        counted and polled again, since only a write's failure fails the flow."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                result = probe()
            except RuntimeError as exc:
                self.retried_reads.append(str(exc)[:200])
                result = None
            if result:
                return result
            time.sleep(pause)
        raise RuntimeError("flow did not complete in time")

    def run(self):
        """One stage-1 flow; returns its seconds from registration to completion."""
        start = time.perf_counter()
        code = self.call("POST", "/projects", "applicant", json={
            "name": "吞吐量基准项目", "category": "gov_building", "region": "410800", "attributes": {}})["project_code"]
        material = self.call("POST", f"/projects/{code}/materials", "applicant", data={"name": "选址意见书"},
                             files={"file": ("site.pdf", PDF, "application/pdf")})
        self.call("POST", f"/projects/{code}/declarations", "applicant", json={
            "stage": "land_use_planning", "form": FORM, "material_ids": [material["material_id"]]})
        for account in DEPARTMENTS:
            case = self.wait(lambda: self.call("GET", "/cases", account, params={"project_code": code})["items"],
                             0.05)[0]
            for action in ("accept", "review", "approve", "conclude"):
                self.call("POST", f"/cases/{case['case_id']}/actions", account,
                          json={"action": action, "opinion": "同意"})

        def done():
            stages = self.call("GET", f"/supervision/projects/{code}", "supervisor").get("stages") or []
            if not (stages and stages[0].get("concluded_on")):
                return False
            return len(self.call("GET", f"/projects/{code}/licences", "applicant")["items"]) == 2
        self.wait(done, 0.1)
        return time.perf_counter() - start


def run_level(platform, meter, clients, flows):
    tokens = {a: platform.login(a) for a in ACCOUNTS}
    per_client = [flows // clients + (1 if i < flows % clients else 0) for i in range(clients)]
    times, errors = [], []
    lock = threading.Lock()

    retried, flows_made = [], []

    def client(n):
        flow = Flow(platform.url, tokens)
        retried.append(flow.retried_reads)
        flows_made.append(flow)
        for _ in range(n):
            try:
                seconds = flow.run()
                with lock:
                    times.append(seconds)
            except Exception as exc:  # counted and shown; the level goes on
                with lock:
                    errors.append(repr(exc)[:200])

    threads = [threading.Thread(target=client, args=(n,)) for n in per_client]
    before = meter.sample()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = meter.sample()
    wall = after["at"] - before["at"]
    return {"clients": clients, "done": len(times), "errors": errors, "wall": wall, "times": times,
            "cpu": CpuMeter.used(before, after), "retried": [r for flow in retried for r in flow],
            "requests": {m: sum(f.requests[m] for f in flows_made) for m in ("GET", "POST")}}


def message_totals(vhost):
    """Messages published to and delivered from the vhost so far (RabbitMQ's management statistics,
    sampled every few seconds), or None without the management API."""
    try:
        stats = requests.get(f"{MANAGEMENT}/vhosts/{vhost}", auth=AUTH, timeout=10).json().get("message_stats") or {}
    except requests.RequestException:
        return None
    return {"published": stats.get("publish", 0), "delivered": stats.get("deliver_get", 0)}


# ------------------------------------------------------------------------------------ a configuration


def run_configuration(args, replicas):
    postgres = PostgresDatabases(os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    vhost = make_vhost()
    workdir = Path(tempfile.mkdtemp(prefix="bench-flow-"))
    urls = {name: postgres.fresh(name) for name in SERVICES + ("gateway",)}
    # the run command's pool (config.yml default), whatever the shell exported for the tests
    env = {"GATEWAY_WORKERS": str(args.gateway_workers), "DB_POOL_IDLE": "4"}
    env.update(item.split("=", 1) for item in args.env)
    platform = Platform(amqp_uri=f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}", database_urls=urls,
                        keys_dir=workdir / "keys", port=args.port, workdir=workdir, extra_env=env,
                        replicas=replicas)
    results = []
    try:
        platform.start()
        platform.wait_ready()
        platform.seed_accounts()
        platform.seed_catalog()
        meter = CpuMeter(platform, postgres.admin_url, [u.rsplit("/", 1)[1] for u in urls.values()])
        tokens = {a: platform.login(a) for a in ACCOUNTS}
        for _ in range(2):
            Flow(platform.url, tokens).run()    # warm-up: first calls, connections, caches
        idle = meter.sample()
        time.sleep(args.idle_seconds)
        idle = CpuMeter.used(idle, meter.sample())
        idle = {label: cpu / args.idle_seconds for label, cpu in idle.items()}
        profilers = start_profilers(args, platform, replicas)
        for clients in args.clients:
            flows = args.flows or max(10, 4 * clients)
            result = run_level(platform, meter, clients, flows)
            result["idle"] = idle
            results.append(result)
            print(f"  {label_of(replicas)}: {clients:>2} clients, {result['done']} flows in {result['wall']:.1f} s"
                  f" ({len(result['errors'])} failed)", flush=True)
        stop_profilers(profilers)
        try:
            results[-1]["consistency"] = consistency(urls)
        except ImportError:   # a tree without supervision.rebuild (comparing with an older version)
            pass
        # the statistics lag by their sampling interval: read after consistency()'s settling pause
        totals = message_totals(vhost)
        if totals:
            results[-1]["messages"] = {k: v / (sum(r["done"] for r in results) + 2) for k, v in totals.items()}
    finally:
        platform.stop()
        drop_vhost(vhost)
        postgres.drop_all()
    return results


def consistency(urls, settle=5.0):
    """After the levels: does supervision's copy of every case agree with the stage service, and does
    rebuilding supervision's read model from its timeline (``supervision.rebuild``, dry run) change
    anything?"""
    import io

    from sqlalchemy import create_engine, text
    from supervision import rebuild
    time.sleep(settle)   # the last flows' trailing events
    engines = {name: create_engine(urls[name]) for name in ("stage", "supervision")}
    try:
        with engines["stage"].connect() as conn:
            stage = dict(conn.execute(text("SELECT id, state FROM cases")).all())
        with engines["supervision"].connect() as conn:
            copy = dict(conn.execute(text("SELECT case_id, state FROM case_clocks")).all())
    finally:
        for engine in engines.values():
            engine.dispose()
    differ = sum(1 for case_id, state in stage.items() if copy.get(case_id) != state)
    report = rebuild.rebuild(urls["supervision"], dry_run=True, out=io.StringIO())
    return {"cases": len(stage), "differ": differ,
            "rebuilt_differ": sum(len(v) for v in report["differed"].values()), "projects": report["projects"]}


def start_profilers(args, platform, replicas):
    """py-spy (``--profile-dir``; ``PY_SPY`` names its binary) on every service process during the levels."""
    if not args.profile_dir:
        return []
    out = Path(args.profile_dir)
    out.mkdir(parents=True, exist_ok=True)
    spy = os.environ.get("PY_SPY", "py-spy")
    tag = label_of(replicas).replace(" ", "").replace("×", "x")
    return [subprocess.Popen([spy, "record", "--pid", str(p.pid), "--rate", "50", "--format", "raw", "--nonblocking",
                              "--output", str(out / f"{tag}-{p.label}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for p in platform.processes if p.label != "gateway"]


def stop_profilers(profilers):
    for p in profilers:
        p.send_signal(2)
    for p in profilers:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()


def label_of(replicas):
    return ", ".join(f"{n}× {s}" for s, n in replicas.items()) if replicas else "1 replica each"


def print_table(title, results):
    labels = [k for k in results[0]["cpu"] if k != "(whole machine)"]
    labels = sorted(labels, key=lambda k: -results[-1]["cpu"][k])
    print(f"\n### {title}\n")
    print("| clients | cases/s | p50 flow | p95 flow | failed | CPU s/case (all below) | machine CPU busy |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        rate = r["done"] / r["wall"] if r["wall"] else 0.0
        per_case = sum(r["cpu"][k] for k in labels) / max(r["done"], 1)
        busy = r["cpu"]["(whole machine)"] / r["wall"] / (os.cpu_count() or 1) * 100
        print(f"| {r['clients']} | {rate:.2f} | {percentile(r['times'], .5) * 1000:.0f} ms | "
              f"{percentile(r['times'], .95) * 1000:.0f} ms | {len(r['errors'])} | {per_case * 1000:.0f} ms | {busy:.0f}% |")
    print("\nCPU milliseconds per case, by process (utime + stime):\n")
    print("| process | " + " | ".join(f"{r['clients']} clients" for r in results) + " | idle, ms CPU/s |")
    print("|---|" + "---|" * (len(results) + 1))
    for label in labels:
        print(f"| {label} | " + " | ".join(f"{r['cpu'][label] / max(r['done'], 1) * 1000:.0f}" for r in results)
              + f" | {results[0]['idle'].get(label, 0.0) * 1000:.0f} |")
    for r in results:
        for error in r["errors"][:3]:
            print(f"\n{r['clients']} clients, failed flow: {error}")
        if r["retried"]:
            print(f"\n{r['clients']} clients: {len(r['retried'])} polling reads failed and were repeated "
                  f"(first: {r['retried'][0]})")


def hottest(results):
    """The nameko service with the most CPU per case over all levels."""
    totals = {}
    for r in results:
        for label, cpu in r["cpu"].items():
            service = label.rsplit("-", 1)[0]
            if service in SERVICES:
                totals[service] = totals.get(service, 0.0) + cpu / max(r["done"], 1)
    return max(totals, key=totals.get)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,4,8,16", help="comma-separated numbers of concurrent clients")
    parser.add_argument("--flows", type=int, default=0, help="flows per level (default max(10, 4 × clients))")
    parser.add_argument("--replicate", help="service to run twice in the second configuration (default: hottest)")
    parser.add_argument("--no-replicas", action="store_true", help="only the one-replica configuration")
    parser.add_argument("--gateway-workers", type=int, default=int(os.environ.get("GATEWAY_WORKERS", "2")),
                        help="gunicorn workers of the gateway (default: GATEWAY_WORKERS or 2, as the run command)")
    parser.add_argument("--port", type=int, default=18790)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment of every process (repeatable), e.g. DB_POOL_IDLE=12 to compare settings")
    parser.add_argument("--idle-seconds", type=float, default=10.0,
                        help="seconds the idle platform is measured for before the levels")
    parser.add_argument("--profile-dir", help="record every service with py-spy (raw stacks) into this folder")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]

    load_before = os.getloadavg()
    started = time.time()
    print(f"machine: {host.node()} · {os.cpu_count()} cores · {host.processor() or host.machine()} · "
          f"Python {host.python_version()} · load average {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}", flush=True)
    configurations = [({}, run_configuration(args, {}))]
    if not args.no_replicas:
        service = args.replicate or hottest(configurations[0][1])
        configurations.append(({service: 2}, run_configuration(args, {service: 2})))
    load_after = os.getloadavg()
    print(f"\nmachine: {host.node()} · {os.cpu_count()} cores · Python {host.python_version()} · "
          f"RabbitMQ and PostgreSQL on 127.0.0.1 · gateway: {args.gateway_workers} gunicorn workers ({os.environ.get('GATEWAY_WORKER_CLASS', 'gthread')})")
    if args.env:
        print("environment: " + " ".join(args.env))
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min) · "
          f"{time.time() - started:.0f} s in all")
    print("a case = one stage-1 flow: register, upload, declare, two departments accept/review/approve/"
          "conclude, two licences, supervision shows the stage concluded")
    print("'idle' is what each process uses per second with no flows running (timers, sweepers, relays), "
          "part of every level's CPU per case")
    print("'machine CPU busy' includes everything else running on the machine; rabbitmq counts every user "
          "of the shared broker")
    for replicas, results in configurations:
        print_table(label_of(replicas), results)
        requests_made = {m: sum(r["requests"][m] for r in results) / max(sum(r["done"] for r in results), 1)
                         for m in ("GET", "POST")}
        print(f"\nper case: {requests_made['POST']:.1f} writes and {requests_made['GET']:.1f} reads over HTTP "
              f"(polling included)", end="")
        messages = results[-1].get("messages")
        if messages:
            print(f"; RabbitMQ: {messages['published']:.0f} messages published, {messages['delivered']:.0f} "
                  f"delivered (RPC requests and replies, events to every subscriber, retries)")
        else:
            print()
        check = results[-1].get("consistency")
        if check:
            print(f"\nafterwards: {check['cases']} cases in the stage service, {check['differ']} of them in "
                  f"another state in supervision's copy; supervision.rebuild (dry run) over {check['projects']} "
                  f"projects: {check['rebuilt_differ']} rows would change")
    if len(configurations) == 2:
        one, two = configurations[0][1], configurations[1][1]
        print("\n| clients | cases/s, 1 replica | cases/s, " + label_of(configurations[1][0]) + " | ratio |")
        print("|---|---|---|---|")
        for a, b in zip(one, two):
            ra, rb = a["done"] / a["wall"], b["done"] / b["wall"]
            print(f"| {a['clients']} | {ra:.2f} | {rb:.2f} | {rb / ra:.2f} |")


if __name__ == "__main__":
    main()
