"""Stage-1 flows over HTTP keep going while the broker, a service and the database are killed.

The test starts a RabbitMQ node and a PostgreSQL server of its own (tests/own_infra.py) and a whole
platform on them. Two clients run stage-1 flows back to back (register, upload, declare, two
departments accept/review/approve/conclude) and retry a call that met a 5xx answer or a broken
connection (or met the same key still being answered), with the same ``Idempotency-Key``. Meanwhile: the RabbitMQ node is killed with SIGKILL
and kept away 15 s (longer than nameko's reply-publishing retry, which used to kill services) before
it is started again; a service process is killed with SIGKILL (the launcher's supervisor starts it
again); the PostgreSQL server is killed with SIGKILL and started again 5 s later. Then:

- every flow completes: the stage concludes, with one licence per approved case;
- supervision's read model says what the stage service says;
- no outbox row is left unpublished and no dead-letter queue holds anything;
- nothing is doubled: one project, material and declaration per flow, one decision per case and
  action, one window document per case and kind, one voucher per declaration;
- every process is alive, and the only one that was restarted is the one killed on purpose.
"""
import json
import threading
import time
import uuid

import pytest
import requests
from kombu import Connection
from sqlalchemy import create_engine, text

import own_infra
from launcher import SERVICES, Platform
from test_end_to_end import PDF, STAGE_1_FORM

pytestmark = pytest.mark.skipif(not own_infra.available(), reason="needs rabbitmq-server and PostgreSQL 15 binaries")

CLIENTS = 2
BROKER_AWAY, DATABASE_AWAY = 15, 5   # seconds
KILLED_SERVICE = "stage-1"
ORDER = ("submitted", "accepted", "reviewed", "approved", "concluded")
RETRIED = (500, 502, 503, 504)


@pytest.fixture(scope="module")
def infra(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    database = own_infra.PostgresServer().start()
    broker = own_infra.RabbitNode(folder / "rabbit")
    try:
        broker.start()
        urls = database.create_databases([f"approval_{name}" for name in SERVICES + ("gateway",)])
        platform = Platform(amqp_uri=broker.amqp_uri, keys_dir=folder / "keys", port=own_infra.free_port(),
                            workdir=folder, database_urls={name: urls[f"approval_{name}"] for name in
                                                           SERVICES + ("gateway",)},
                            extra_env={"GATEWAY_WORKERS": "2", "DB_POOL_IDLE": "1", "OUTBOX_POLL_SECONDS": "0.5"})
        platform.start()
        try:
            platform.wait_ready(timeout=180)
            platform.seed_accounts()
            platform.seed_catalog()
            yield platform, broker, database
        except Exception:
            for process in platform.processes:
                print(f"--- {process.label}\n{platform.tail(process, 60)}")
            raise
        finally:
            platform.stop()
    finally:
        broker.kill()
        database.remove()


class Client:
    """HTTP as a patient client does it: a 5xx answer or a broken connection is retried, a creating
    call with the same Idempotency-Key."""

    def __init__(self, platform, tokens, stats):
        self.url, self.tokens, self.stats = platform.url, tokens, stats
        self.session = requests.Session()

    def call(self, method, path, account, expect=(200, 201), key=None, deadline=None, **kwargs):
        headers = {"Authorization": f"Bearer {self.tokens[account]}"}
        if key:
            headers["Idempotency-Key"] = key
        deadline = deadline or time.time() + 150
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(method, self.url + path, headers=headers, timeout=40, **kwargs)
                in_progress = response.status_code == 409 and "request-in-progress" in response.text
                if response.status_code not in RETRIED and not in_progress:   # the same key still being answered
                    if response.status_code not in expect:
                        raise AssertionError(f"{method} {path}: {response.status_code} {response.text[:500]}")
                    return response, attempt
                self.stats.append(f"{method} {path.split('/')[1]} {response.status_code}")
            except (requests.ConnectionError, requests.Timeout) as exc:
                self.stats.append(f"{method} {path.split('/')[1]} {type(exc).__name__}")
                self.session = requests.Session()
            if time.time() > deadline:
                raise AssertionError(f"{method} {path}: no answer but 5xx or a broken connection until the deadline")
            time.sleep(1)

    def wait(self, probe, timeout=150):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                found = probe()
                if found:
                    return found
            except AssertionError:
                pass
            time.sleep(0.3)
        raise AssertionError("flow did not progress in time")

    def act(self, case_id, account, action):
        """A case action, retried with its key: a retry is answered with the first answer, whatever was
        lost on the way (platform_kit.calls). Only when the service stopped between acting and keeping its
        answer is a retry refused as answered before (409 call-answer-lost): the case is then at or past
        the state the action leads to."""
        response, attempt = self.call("POST", f"/cases/{case_id}/actions", account, expect=(200, 201, 409),
                                      key=str(uuid.uuid4()), json={"action": action, "opinion": "同意"})
        if response.status_code == 409:
            assert "call-answer-lost" in response.text, f"{action} on {case_id}: {response.text[:300]}"
            self.stats.append("POST cases 409 answered before")
            state = self.call("GET", f"/cases/{case_id}", account)[0].json()["state"]
            target = ORDER.index({"accept": "accepted", "review": "reviewed", "approve": "approved",
                                  "conclude": "concluded"}[action])
            assert attempt > 1 and ORDER.index(state) >= target, f"{action} on {case_id}: 409 in state {state}"

    def flow(self, n):
        applicant = "applicant"
        project = self.call("POST", "/projects", applicant, key=str(uuid.uuid4()), json={
            "name": f"故障演练项目{n}", "category": "gov_building", "region": "410800", "attributes": {}})[0].json()
        code = project["project_code"]
        material = self.call("POST", f"/projects/{code}/materials", applicant, key=str(uuid.uuid4()),
                             data={"name": "选址意见书"}, files={"file": ("site.pdf", PDF, "application/pdf")})[0].json()
        self.call("POST", f"/projects/{code}/declarations", applicant, key=str(uuid.uuid4()), json={
            "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": [material["material_id"]]})
        for account in ("nrp-officer", "drc-officer"):
            case = self.wait(lambda account=account: self.call(
                "GET", "/cases", account, params={"project_code": code})[0].json()["items"])[0]
            for action in ("accept", "review", "approve", "conclude"):
                self.act(case["case_id"], account, action)

        def concluded():
            stages = self.call("GET", f"/projects/{code}/stages", applicant)[0].json()["items"]
            licences = self.call("GET", f"/projects/{code}/licences", applicant)[0].json()["items"]
            return stages and stages[0]["state"] == "concluded" and len(licences) == 2
        self.wait(concluded)
        return code


def faults(platform, broker, database, log):
    time.sleep(4)
    log.append("kill -9 RabbitMQ")
    broker.kill()
    time.sleep(BROKER_AWAY)
    broker.start()
    log.append("RabbitMQ started again")
    time.sleep(5)
    victim = next(p for p in platform.processes if p.label == KILLED_SERVICE)
    own_infra.os.killpg(victim.pid, own_infra.signal.SIGKILL)
    log.append(f"kill -9 {KILLED_SERVICE}")
    time.sleep(5)
    log.append("kill -9 PostgreSQL")
    database.kill()
    time.sleep(DATABASE_AWAY)
    database.start()
    log.append("PostgreSQL started again")


def rows(url, sql):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).all()
    finally:
        engine.dispose()


def dead_letters(amqp_uri):
    from platform_kit.replay import handler_queues
    found = {}
    with Connection(amqp_uri) as conn:
        for queue in handler_queues(["intake.service", "stage.service", "consult.service", "certificate.service",
                                     "supervision.service"]):
            channel = conn.channel()
            try:
                _, depth, _ = channel.queue_declare(f"{queue}.dlq", passive=True)
                while depth and (message := channel.basic_get(f"{queue}.dlq")) is not None:
                    found.setdefault(queue, []).append({k: str(v)[:300] for k, v in message.headers.items()})
            except Exception:   # never declared: nothing was ever dead-lettered there
                pass
            finally:
                channel.close()
    return found


@pytest.mark.timeout(600)
def test_flows_complete_and_nothing_is_lost_or_doubled_while_broker_service_and_database_die(infra):
    platform, broker, database = infra
    tokens = {a: platform.login(a) for a in ("applicant", "nrp-officer", "drc-officer", "supervisor")}
    stats, fault_log, codes, errors = [], [], [], []
    fault_thread = threading.Thread(target=faults, args=(platform, broker, database, fault_log))

    def client(number):
        api = Client(platform, tokens, stats)
        n = 0
        while fault_thread.is_alive() or n == 0:
            n += 1
            try:
                codes.append(api.flow(f"{number}-{n}"))
            except Exception as exc:
                errors.append(f"flow {number}-{n}: {exc!r}")
    started = time.time()
    fault_thread.start()
    clients = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in clients:
        thread.start()
    for thread in clients + [fault_thread]:
        thread.join()
    print(f"{len(codes)} flows in {time.time() - started:.0f}s; faults: {fault_log}; retried: {len(stats)} "
          f"{sorted(set(stats))}")
    assert fault_log[-1] == "PostgreSQL started again"
    assert not errors, errors
    api = Client(platform, tokens, stats)
    urls = platform.database_urls

    # supervision says what the stage says
    for code in codes:
        stage = api.call("GET", f"/projects/{code}/stages", "applicant")[0].json()["items"][0]
        seen = api.wait(lambda code=code: (lambda s: s if s.get("stages") and s["stages"][0].get("concluded_on")
                                           and all(c.get("concluded_on") for c in s["stages"][0]["cases"])
                                           else None)(api.call("GET", f"/supervision/projects/{code}",
                                                               "supervisor")[0].json()), timeout=60)
        assert stage["state"] == "concluded" and {c["state"] for c in stage["cases"]} == {"concluded"}
        assert {c["case_id"] for c in seen["stages"][0]["cases"]} == {c["case_id"] for c in stage["cases"]}

    # one licence per approved case
    licences = rows(urls["certificate"], "SELECT case_id, count(*) FROM licences GROUP BY case_id")
    assert len(licences) == 2 * len(codes) and {n for _, n in licences} == {1}

    # every outbox row published (allowing the relays a moment), no dead letter
    def unpublished():
        return {name: rows(urls[name], "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0]
                for name in SERVICES}
    api.wait(lambda: not any(unpublished().values()), timeout=60)
    assert dead_letters(broker.amqp_uri) == {}

    # nothing doubled
    assert rows(urls["intake"], "SELECT count(*) FROM projects")[0][0] == len(codes)
    assert rows(urls["intake"], "SELECT project_code FROM materials GROUP BY project_code HAVING count(*) > 1") == []
    assert rows(urls["intake"], "SELECT count(*) FROM declarations")[0][0] == len(codes)
    assert rows(urls["stage"], "SELECT case_id, action FROM case_decisions WHERE case_id IS NOT NULL "
                               "GROUP BY case_id, action HAVING count(*) > 1") == []
    assert rows(urls["intake"], "SELECT coalesce(case_id, declaration_id), kind FROM window_documents "
                                "GROUP BY coalesce(case_id, declaration_id), kind HAVING count(*) > 1") == []
    assert rows(urls["intake"], "SELECT count(*) FROM window_documents WHERE kind = 'registration_voucher'"
                )[0][0] == len(codes)

    # nothing left dead; the broker's and the database's outages killed no process
    assert all(p.poll() is None for p in platform.processes), [p.label for p in platform.processes if p.poll()]
    restarted = [label for label, _, _ in platform.supervisor.restarts]
    assert restarted == [KILLED_SERVICE], json.dumps(restarted)
