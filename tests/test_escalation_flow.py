"""Automatic escalation end to end, over HTTP on real RabbitMQ and PostgreSQL, with two supervision
replicas and the platform's date moved forward (000 §18, 002 §2(三), 004 §21).

A case of a stage another department leads is accepted; when its light turns yellow its officers
are reminded (inbox), when it turns red the department's head is urged and the lead department
told, and ESCALATION_RED_DAYS working days after its deadline the region's supervisor is told to
supervise it (督办); each exactly once, whatever both replicas do.
"""
import time
import uuid
from datetime import date, timedelta

import pytest
import requests

import platforms
from platform_kit.calendar import official_calendar
from test_end_to_end import PASSWORD, eventually, login
from test_four_stage_flow import ATTRIBUTES, FORMS


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory):
    with platforms.dated_platform(postgres, tmp_path_factory.mktemp("escalation-platform"), "2026-12-01",
                                  label="escalation", extra_env={"SUPERVISION_SWEEP_SECONDS": "1",
                                                                 "ESCALATION_RED_DAYS": "2"}) as running:
        running.start_service("supervision", 2)
        yield running


def notices(client, kind, case_id):
    response = client.get("/inbox", params={"kind": kind, "limit": 200})
    assert response.status_code == 200, response.text
    return [n for n in response.json()["items"] if n["case_id"] == case_id]


def test_yellow_red_and_supervision_each_reach_their_people_once(platform):
    operator, applicant, clerk = (login(platform, name) for name in ("operator", "applicant", "clerk"))
    drc, nrp, supervisor = (login(platform, name) for name in ("drc-officer", "nrp-officer", "supervisor"))
    head = f"drc-head-{uuid.uuid4().hex[:6]}"
    created = operator.post("/accounts", json={"account": head, "password": "Init#2026x", "role": "dept_admin",
                                               "name": "发展和改革委员会 负责人", "department": "DRC",
                                               "region": "410800"})
    assert created.status_code == 201, created.text
    changed = requests.post(f"{platform.url}/auth/password", timeout=10, json={
        "account": head, "current_password": "Init#2026x", "new_password": PASSWORD})
    assert changed.status_code == 204, changed.text
    drc_head = login(platform, head)

    registered = applicant.post("/projects", json={"name": "焦作市规划展览馆建设项目", "category": "gov_building",
                                                   "region": "410800", "attributes": ATTRIBUTES})
    assert registered.status_code == 201, registered.text
    code = registered.json()["project_code"]
    declared = applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": FORMS["land_use_planning"], "material_ids": []})
    assert declared.status_code == 201, declared.text

    def drc_case():
        items = clerk.get("/cases", params={"project_code": code}).json()["items"]
        return next((c for c in items if c["department"] == "DRC"), None)
    case = eventually(drc_case)
    accepted = drc.post(f"/cases/{case['case_id']}/actions", json={"action": "accept", "opinion": "受理"})
    assert accepted.status_code == 200, accepted.text
    case_id = case["case_id"]

    def clock():
        items = supervisor.get("/supervision/clocks", params={"project_code": code, "kind": "case"}).json()["items"]
        mine = next((c for c in items if c["case_id"] == case_id), None)
        return mine if mine and mine["due_on"] and mine["yellow_on"] else None
    facts = eventually(clock)
    due_on, yellow_on = date.fromisoformat(facts["due_on"]), date.fromisoformat(facts["yellow_on"])
    assert facts["light"] == "green"

    # yellow: the department's officers are reminded
    platforms.set_today(platform, yellow_on.isoformat())
    [reminder] = eventually(lambda: notices(drc, "reminder", case_id), timeout=40)
    assert reminder["title"].startswith("临近时限提醒") and due_on.isoformat() in reminder["body"]
    assert notices(drc_head, "urge", case_id) == [] and notices(supervisor, "supervision", case_id) == []

    # red: the department head is urged, the lead department told
    platforms.set_today(platform, (due_on + timedelta(days=1)).isoformat())
    [urge] = eventually(lambda: notices(drc_head, "urge", case_id), timeout=40)
    assert urge["title"].startswith("超时限催办") and urge["urgency"] == "urgent"
    [told] = eventually(lambda: notices(nrp, "reminder", case_id), timeout=40)
    assert told["title"].startswith("牵头阶段办件超时限")
    assert notices(supervisor, "supervision", case_id) == []

    # red for two working days after the deadline: 督办 to the region's supervisors
    platforms.set_today(platform, official_calendar().add_working_days(due_on, 2).isoformat())
    [supervised] = eventually(lambda: notices(supervisor, "supervision", case_id), timeout=40)
    assert supervised["title"].startswith("督办") and supervised["urgency"] == "very_urgent"

    time.sleep(4)   # several more passes by both replicas: nothing is told twice
    assert len(notices(drc, "reminder", case_id)) == 1
    assert len(notices(drc_head, "urge", case_id)) == 1
    assert len(notices(nrp, "reminder", case_id)) == 1
    assert len(notices(supervisor, "supervision", case_id)) == 1
