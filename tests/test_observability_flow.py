"""What an operator watches, on the whole platform (separate processes, real RabbitMQ and PostgreSQL):
every process's /metrics moves while a project is declared and its cases are worked, and the request
id sent to the gateway shows in the JSON log lines of the gateway, of the service it called and of
the services that handled the events that followed."""
import json
import re
import time
import uuid

import pytest
import requests

from test_end_to_end import PDF, STAGE_1_FORM, eventually, login


def process(platform, label):
    return next(p for p in platform.processes if p.label == label and p.poll() is None)


def scrape(platform, label):
    port = process(platform, label).metrics_port
    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    return response.text


def sample(text, name, **labels):
    """The sum of the samples of `name` whose labels include `labels` (0 when none)."""
    total = 0.0
    for line in text.splitlines():
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if match and match.group(1) == name:
            found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
            if all(found.get(k) == v for k, v in labels.items()):
                total += float(match.group(3))
    return total


def has(text, name):
    return any(line.startswith(name) for line in text.splitlines())


def json_lines(platform, label):
    lines = []
    for line in process(platform, label).log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
    return lines


@pytest.fixture(scope="module")
def catalog(platform):
    return platform.seed_catalog()


@pytest.fixture(scope="module")
def declared(platform, catalog):
    """Metrics of the gateway, stage and supervision read before and after a declaration whose
    cases the departments then accept; the request id the declaration was sent with."""
    before = {label: scrape(platform, label) for label in ("gateway", "stage-1", "supervision-1")}
    applicant = login(platform, "applicant")
    project = applicant.post("/projects", json={"name": "焦作市观测项目", "category": "gov_building",
                                                "region": "410800", "attributes": {"floor_area_m2": 900}}).json()
    code = project["project_code"]
    upload_id = str(uuid.uuid4())
    material = applicant.post(f"/projects/{code}/materials", data={"name": "建设项目用地预审与选址意见书"},
                              files={"file": ("site.pdf", PDF, "application/pdf")},
                              headers={"X-Request-Id": upload_id}).json()
    request_id = str(uuid.uuid4())
    answer = applicant.post(f"/projects/{code}/declarations", headers={"X-Request-Id": request_id}, json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": [material["material_id"]]})
    assert answer.status_code == 201, answer.text
    assert answer.headers["X-Request-Id"] == request_id
    for account in ("nrp-officer", "drc-officer"):
        officer = login(platform, account)
        case = eventually(lambda: (officer.get("/cases", params={"project_code": code}).json()["items"] or [None])[0])
        assert officer.post(f"/cases/{case['case_id']}/actions", json={"action": "accept"}).status_code == 200
    return {"before": before, "request_id": request_id, "code": code, "upload_id": upload_id}


def test_the_gateway_counts_requests_by_route_template(platform, declared):
    after = scrape(platform, "gateway")
    route = dict(method="POST", route="/projects/{code}/declarations", status="201")
    assert sample(after, "platform_http_requests_total", **route) - sample(
        declared["before"]["gateway"], "platform_http_requests_total", **route) == 1
    listed = dict(method="GET", route="/cases")
    assert sample(after, "platform_http_request_duration_seconds_count", **listed) - sample(
        declared["before"]["gateway"], "platform_http_request_duration_seconds_count", **listed) >= 2
    assert declared["code"] not in after            # routes, never raw paths
    # the gateway's own port answers no metrics
    assert requests.get(f"{platform.url}/metrics", timeout=10).status_code == 404


def test_stage_counts_its_rpc_calls_and_supervision_its_events(platform, declared):
    stage = scrape(platform, "stage-1")
    moved = lambda name, **labels: (sample(stage, name, **labels)  # noqa: E731
                                    - sample(declared["before"]["stage-1"], name, **labels))
    assert moved("platform_rpc_requests_total", service="stage", method="act_on_case", outcome="ok") == 2
    assert moved("platform_rpc_requests_total", service="stage", method="list_cases", outcome="ok") >= 2
    assert moved("platform_rpc_duration_seconds_count", service="stage", method="act_on_case") == 2
    assert moved("platform_events_handled_total", service="stage", event_type="declaration.submitted",
                 outcome="ok") == 1
    assert has(stage, "platform_outbox_backlog") and has(stage, "platform_outbox_oldest_unpublished_seconds")

    def supervision_moved():
        now = scrape(platform, "supervision-1")
        accepted = sample(now, "platform_events_handled_total", service="supervision", event_type="case.accepted",
                          outcome="ok") - sample(declared["before"]["supervision-1"], "platform_events_handled_total",
                                                 service="supervision", event_type="case.accepted", outcome="ok")
        return now if accepted == 2 else None
    supervision = eventually(supervision_moved)
    assert sample(supervision, "platform_event_handler_duration_seconds_count", service="supervision") > 0
    # the two accepted cases' clocks are open, by today's light
    assert sample(supervision, "platform_clocks_open") - sample(declared["before"]["supervision-1"],
                                                                "platform_clocks_open") == 2
    assert {light for light in ("green", "yellow", "red")
            if has(supervision, f'platform_clocks_open{{light="{light}"}}')} == {"green", "yellow", "red"}


def test_the_exchange_and_the_sweepers_are_measured(platform, declared):
    exchange = eventually(lambda: (lambda text: text if sample(
        text, "platform_exchange_last_push_timestamp_seconds") > 0 else None)(scrape(platform, "exchange-1")))
    assert abs(sample(exchange, "platform_exchange_last_push_timestamp_seconds") - time.time()) < 120
    assert has(exchange, "platform_exchange_last_poll_timestamp_seconds")
    assert has(exchange, 'platform_exchange_backlog{table="')
    supervision = eventually(lambda: (lambda text: text if has(
        text, "platform_sweeper_last_pass_timestamp_seconds") else None)(scrape(platform, "supervision-1")), 60)
    assert sample(supervision, "platform_sweeper_pass_seconds_count", service="supervision",
                  sweeper="escalate_clocks") >= 1


def test_the_request_id_is_in_the_log_lines_of_every_process_that_handled_it(platform, declared):
    request_id = declared["request_id"]

    def lines_of(label):
        return [line for line in json_lines(platform, label) if line.get("request_id") == request_id]

    gateway = lines_of("gateway")
    assert [(line["event"], line["route"], line["status"]) for line in gateway] == [
        ("http request", "/projects/{code}/declarations", 201)]
    assert gateway[0]["service"] == "gateway" and gateway[0]["level"] == "info"
    intake = lines_of("intake-1")
    assert any(line["event"] == "rpc handled" and line["method"] == "submit_declaration"
               and line["service"] == "intake" for line in intake)
    # downstream: the declaration.submitted event opens the stage, whose stage.opened reaches supervision
    stage = eventually(lambda: [line for line in lines_of("stage-1") if line["event"] == "event handled"
                                and line["event_type"] == "declaration.submitted"])
    assert stage[0]["service"] == "stage" and stage[0]["outcome"] == "ok"
    supervision = eventually(lambda: {line["event_type"] for line in lines_of("supervision-1")
                                      if line["event"] == "event handled"} >= {"declaration.submitted",
                                                                               "stage.opened"})
    assert supervision


def test_a_material_upload_streamed_to_intakes_http_port_keeps_its_request_id(platform, declared):
    lines = [line for line in json_lines(platform, "intake-1") if line.get("request_id") == declared["upload_id"]]
    assert [(line["event"], line["status"]) for line in lines if line["event"] == "http handled"] == [
        ("http handled", 201)]
