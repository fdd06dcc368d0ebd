"""Complaints and reports (002 §33) against a real RabbitMQ vhost and PostgreSQL database: filed by an
applicant or anonymously, taken by a supervisor of the region, answered within working days, the
outcome told to the complainant; every step kept."""
from datetime import date, datetime, timezone

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from platform_kit.asyncapi import PUBLISHERS
from platform_kit.calendar import DATE_FILE_ENV
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed
from supervision.service import SupervisionService, handler_name

PROJECT = "2026-410800-48-01-000041"
ORG = "91410800MA47Q0R12X"


@pytest.fixture
def today(tmp_path, monkeypatch):
    path = tmp_path / "today"
    monkeypatch.setenv(DATE_FILE_ENV, str(path))

    def set_today(day):
        path.write_text(day.isoformat())

    set_today(date(2026, 11, 30))
    return set_today


@pytest.fixture
def supervision(container_factory, service_config, today):
    config = service_config("supervision", COMPLAINTS_PER_HOUR=2)
    container = container_factory(SupervisionService, config)
    container.start()
    dispatch = event_dispatcher(config)

    def deliver(envelope):
        with entrypoint_waiter(container, handler_name(envelope.type), timeout=10):
            dispatch(envelope.source, envelope.type, envelope.to_wire())

    deliver(new_event("project.registered", source=PUBLISHERS["project.registered"], project_code=PROJECT,
                      actor=Actor.SYSTEM, payload={"project_code": PROJECT, "name": "焦作市体育中心改造项目",
                                                   "category": "gov_building", "region": "410800",
                                                   "applicant_org": ORG}))
    return config, deliver


def rpc(config, token):
    return ServiceRpcProxy("supervision", config, context_data={"authorization": token}, timeout=10)


def test_an_applicants_complaint_is_handled_to_an_outcome_told_in_its_inbox(supervision, make_token):
    config, _ = supervision
    applicant = make_token("applicant", sub="applicant-1", org=ORG)
    with rpc(config, applicant) as proxy:
        filed = proxy.file_complaint({"project_code": PROJECT, "title": "规划科超期未办理",
                                      "content": "建设用地规划许可证申请已超过承诺时限仍未办理，也无人答复。"})
        with pytest.raises(NotFound):    # not its project
            proxy.file_complaint({"project_code": "2026-410800-48-01-999999", "title": "别人的项目",
                                         "content": "这是别人的项目，不能投诉为本单位的。"})
        with pytest.raises(ValidationFailed) as short:
            proxy.file_complaint({"project_code": PROJECT, "title": "短", "content": "太短"})
        assert {e["field"] for e in short.value.errors} == {"title", "content"}
        with pytest.raises(Forbidden):
            proxy.assign_complaint(filed["complaint_id"], {})
        with pytest.raises(Forbidden):
            proxy.list_accountability({})
    # 15 working days from Monday 30 November 2026 (the official calendar knows 2026)
    assert (filed["state"], filed["channel"], filed["about"], filed["region"]) == \
        ("filed", "applicant", "project", "410800")
    assert (filed["filed_on"], filed["due_on"], filed["due_estimated"], filed["due_days"]) == \
        ("2026-11-30", "2026-12-21", False, 15)
    assert [s["action"] for s in filed["steps"]] == ["filed"]

    supervisor = make_token("supervisor", sub="supervisor-city", name="市监察")
    with rpc(config, make_token("supervisor", sub="supervisor-bh", region="410822")) as proxy:
        assert proxy.list_complaints({})["total"] == 0
        with pytest.raises(Forbidden):
            proxy.assign_complaint(filed["complaint_id"], {})
    with rpc(config, supervisor) as proxy:
        assert proxy.inbox_counts()["by_kind"] == {"complaint": 1}    # the region's supervisors were told
        with pytest.raises(Conflict):     # nobody took it yet
            proxy.conclude_complaint(filed["complaint_id"], {"finding": "查无此事", "substantiated": False,
                                                             "action_taken": "无需处理"})
        listed = proxy.list_complaints({"state": "filed"})
        assert [c["complaint_no"] for c in listed["items"]] == [filed["complaint_no"]]
        taken = proxy.assign_complaint(filed["complaint_id"], {"note": "本人办理"})
        assert (taken["state"], taken["assignee"]) == ("assigned", "supervisor-city")
    with rpc(config, make_token("supervisor", sub="supervisor-other")) as proxy:
        with pytest.raises(Forbidden):    # only the assignee answers
            proxy.conclude_complaint(filed["complaint_id"], {"finding": "查无此事", "substantiated": False,
                                                             "action_taken": "无需处理"})
    with rpc(config, supervisor) as proxy:
        done = proxy.conclude_complaint(filed["complaint_id"], {
            "finding": "经核实，规划科确未在承诺时限内办理", "substantiated": True,
            "action_taken": "责令限期办结，并对责任人批评教育"})
        with pytest.raises(Conflict):
            proxy.conclude_complaint(filed["complaint_id"], {"finding": "再改", "substantiated": False,
                                                             "action_taken": "无需处理"})
    assert (done["state"], done["concluded_on"], done["overdue"]) == ("concluded", "2026-11-30", False)
    assert [s["action"] for s in done["steps"]] == ["filed", "assigned", "concluded"]
    assert done["steps"][1]["actor"] == "supervisor-city" and done["steps"][1]["note"] == "本人办理"
    assert done["outcome"]["substantiated"] is True
    with rpc(config, applicant) as proxy:
        (notice,) = proxy.list_inbox({"kind": "complaint"})["items"]
        mine = proxy.list_complaints({})
        assert proxy.get_complaint(filed["complaint_id"])["outcome"]["action_taken"].startswith("责令限期")
    assert "已办结：属实" in notice["title"] and "责令限期办结" in notice["body"]
    assert mine["total"] == 1 and mine["items"][0]["state"] == "concluded"
    with rpc(config, make_token("applicant", sub="applicant-2", org="91410800MA00000000")) as proxy:
        assert proxy.list_complaints({})["total"] == 0
        with pytest.raises(NotFound):
            proxy.get_complaint(filed["complaint_id"])


def test_an_anonymous_complaint_is_read_with_its_query_code_and_rate_limited(supervision, make_token, today):
    config, deliver = supervision
    body = {"about": "department", "department": "NRP", "region": "410821", "title": "窗口人员态度恶劣",
            "content": "修武县自然资源局窗口人员拒绝一次性告知所需材料，要求反复跑腿。"}
    with rpc(config, None) as proxy:
        with pytest.raises(ValidationFailed) as missing:
            proxy.file_anonymous_complaint({"about": "department", "title": "没有部门", "content": "没有写被投诉的部门和区划。"},
                                           "10.0.0.9")
        assert {e["field"] for e in missing.value.errors} == {"department", "region"}
        filed = proxy.file_anonymous_complaint(body, "10.0.0.7")
        second = proxy.file_anonymous_complaint(dict(body, about="project", project_code=PROJECT, department=None,
                                                     region=None), "10.0.0.7")
        with pytest.raises(TooManyRequests) as limited:     # COMPLAINTS_PER_HOUR=2 from one address
            proxy.file_anonymous_complaint(body, "10.0.0.7")
        assert "每小时最多提交 2 件" in str(limited.value)
        proxy.file_anonymous_complaint(body, "10.0.0.8")    # another address is not held back
        code = filed["query_code"]
        looked = proxy.lookup_complaint({"complaint_no": filed["complaint_no"], "query_code": code.lower()})
        with pytest.raises(NotFound) as wrong:
            proxy.lookup_complaint({"complaint_no": filed["complaint_no"], "query_code": second["query_code"]})
        with pytest.raises(NotFound) as unknown:
            proxy.lookup_complaint({"complaint_no": "TS20261130ABCDEF", "query_code": code})
    assert str(wrong.value) == str(unknown.value)
    assert (filed["region"], second["region"], filed["channel"]) == ("410821", "410800", "public")
    assert looked == {"complaint_no": filed["complaint_no"], "title": "窗口人员态度恶劣", "filed_on": "2026-11-30",
                      "due_on": "2026-12-21", "due_estimated": False, "state": "filed", "concluded_on": None,
                      "substantiated": None, "finding": None, "action_taken": None}

    county = make_token("supervisor", sub="supervisor-xw", region="410821")
    with rpc(config, county) as proxy:
        listed = proxy.list_complaints({})
        assert listed["total"] == 2 and filed["complaint_no"] in {c["complaint_no"] for c in listed["items"]}
        assert {c["region"] for c in listed["items"]} == {"410821"}
        proxy.assign_complaint(filed["complaint_id"], {})
    with rpc(config, make_token("supervisor", sub="supervisor-city")) as proxy:     # the city sees its counties
        assert proxy.list_complaints({})["total"] == 3
    today(date(2026, 12, 22))           # past the deadline, still open
    with rpc(config, county) as proxy:
        late = proxy.list_complaints({"overdue": True})
        assert {c["complaint_no"] for c in late["items"]} >= {filed["complaint_no"]}
        assert all(c["overdue"] for c in late["items"])
        proxy.conclude_complaint(filed["complaint_id"], {"finding": "经调取窗口录像核实，情况属实", "substantiated": True,
                                                         "action_taken": "对窗口人员通报批评，限期整改"})
        assert proxy.list_complaints({"overdue": True, "state": "concluded"})["total"] == 1   # answered late
    with rpc(config, None) as proxy:
        looked = proxy.lookup_complaint({"complaint_no": filed["complaint_no"], "query_code": code})
    assert (looked["state"], looked["substantiated"], looked["concluded_on"]) == ("concluded", True, "2026-12-22")
    assert looked["action_taken"] == "对窗口人员通报批评，限期整改"


def test_a_deadline_in_a_year_not_loaded_is_an_estimate_counted_again_once_loaded(supervision, make_token, today):
    config, deliver = supervision
    today(date(2027, 1, 29))      # 2027 is not in the official package: Monday to Friday assumed
    with rpc(config, None) as proxy:
        filed = proxy.file_anonymous_complaint({"about": "project", "project_code": PROJECT, "title": "春节前后无人办理",
                                                "content": "春节前提交的材料至今无人处理，请督促。"}, "10.0.0.1")
    assert (filed["due_on"], filed["due_estimated"]) == ("2027-02-19", True)
    # the operator loads 2027 with a Spring Festival week off (6–12 February) and a working Sunday
    loaded = new_event("calendar.year_loaded", source="stage", project_code=None, actor=Actor.SYSTEM, payload={
        "year": 2027, "holidays": [date(2027, 2, d) for d in range(8, 13)], "working_weekends": [date(2027, 2, 7)],
        "loaded_by": "operator-1", "loaded_at": datetime(2027, 1, 29, 2, tzinfo=timezone.utc)})
    deliver(loaded)
    with rpc(config, make_token("supervisor")) as proxy:
        got = proxy.get_complaint(filed["complaint_id"])
    assert (got["due_on"], got["due_estimated"]) == ("2027-02-25", False)
    recount = got["steps"][-1]
    assert recount["action"] == "recounted" and "2027年02月19日" in recount["note"] and recount["due_on"] == "2027-02-25"
