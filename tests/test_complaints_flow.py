"""Complaints and reports (投诉举报, 002 §33) end to end, over HTTP only, every service a separate
process on real RabbitMQ and PostgreSQL: an applicant complains about its own project (signed in),
a member of the public reports a department anonymously and keeps the query code; the region's
supervisor takes both and records their outcomes; the anonymous complainant reads the outcome with
the query code and the applicant finds it in its inbox. Anonymous filing is limited per client
address (here 2 an hour): the third gets 429 with the reason in Chinese."""
import pytest

import platforms
from test_end_to_end import Client, assert_problem, eventually, login


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory):
    with platforms.running_platform(postgres, tmp_path_factory.mktemp("complaints"), label="complaints",
                                    catalog=True, extra_env={"COMPLAINTS_PER_HOUR": "2"}) as running:
        yield running


def test_an_applicants_and_an_anonymous_complaint_are_handled_to_an_outcome(platform):
    applicant, supervisor, public = login(platform, "applicant"), login(platform, "supervisor"), Client(platform.url)
    registered = applicant.post("/projects", json={"name": "焦作市中心医院门诊楼改造项目", "category": "gov_building",
                                                   "region": "410800", "attributes": {"floor_area_m2": 1500.0}})
    assert registered.status_code == 201, registered.text
    code = registered.json()["project_code"]

    # the applicant complains about its own project (supervision learns of it from project.registered)
    def file():
        response = applicant.post("/complaints", json={
            "project_code": code, "title": "规划许可迟迟未办理",
            "content": "建设用地规划许可申请已提交多日，窗口称部门未反馈，无人告知原因。"})
        return response if response.status_code != 404 else None
    filed = eventually(file)
    assert filed.status_code == 201, filed.text
    mine = filed.json()
    assert (mine["state"], mine["channel"], mine["due_days"]) == ("filed", "applicant", 15)

    # the public reports a department, without signing in; the query code is answered once
    report = {"about": "department", "department": "NRP", "region": "410800", "title": "窗口推诿",
              "content": "自然资源和规划局窗口以系统故障为由拒收材料，要求改日再来。"}
    anonymous = public.post("/complaints/anonymous", json=report)
    assert anonymous.status_code == 201, anonymous.text
    theirs = anonymous.json()
    number, secret = theirs["complaint_no"], theirs["query_code"]
    assert public.post("/complaints/anonymous", json=dict(report, title="再次反映窗口推诿")).status_code == 201
    limited = public.post("/complaints/anonymous", json=dict(report, title="第三次反映"))
    assert_problem(limited, 429)
    assert "每小时最多提交 2 件" in limited.json()["detail"]
    assert public.get("/complaints").status_code == 401
    assert applicant.post(f"/complaints/{theirs['complaint_id']}/assignment", json={}).status_code == 403

    # before an outcome the complainant sees the complaint waiting
    waiting = public.post("/complaints/lookup", json={"complaint_no": number, "query_code": secret})
    assert waiting.status_code == 200 and waiting.json()["state"] == "filed" and waiting.json()["finding"] is None

    # the supervisor of the region takes both and records the outcomes
    listed = supervisor.get("/complaints", params={"state": "filed"}).json()
    assert {mine["complaint_id"], theirs["complaint_id"]} <= {c["complaint_id"] for c in listed["items"]}
    outcomes = {
        mine["complaint_id"]: {"finding": "经核实，规划许可已超承诺时限 3 个工作日", "substantiated": True,
                               "action_taken": "督促自然资源和规划局两日内办结，并通报批评"},
        theirs["complaint_id"]: {"finding": "经调取窗口录像，当日系统确有故障，已当场告知", "substantiated": False,
                                 "action_taken": "要求窗口故障时出具书面告知"},
    }
    for complaint_id, outcome in outcomes.items():
        taken = supervisor.post(f"/complaints/{complaint_id}/assignment", json={"note": "本人承办"})
        assert taken.status_code == 200 and taken.json()["state"] == "assigned", taken.text
        done = supervisor.post(f"/complaints/{complaint_id}/outcome", json=outcome)
        assert done.status_code == 200, done.text
        assert [s["action"] for s in done.json()["steps"]] == ["filed", "assigned", "concluded"]
    again = supervisor.post(f"/complaints/{mine['complaint_id']}/outcome", json=outcomes[mine["complaint_id"]])
    assert_problem(again, 409)

    # the anonymous complainant reads the outcome with the query code; a wrong code learns nothing
    looked = public.post("/complaints/lookup", json={"complaint_no": number, "query_code": secret.lower()}).json()
    assert (looked["state"], looked["substantiated"]) == ("concluded", False)
    assert looked["action_taken"] == "要求窗口故障时出具书面告知"
    wrong = public.post("/complaints/lookup", json={"complaint_no": number, "query_code": "ABCDEFGHJK"})
    unknown = public.post("/complaints/lookup", json={"complaint_no": "TS20260101ABCDEF", "query_code": secret})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json()["detail"] == unknown.json()["detail"]

    # the applicant finds the outcome in its inbox
    def told():
        items = applicant.get("/inbox", params={"kind": "complaint"}).json()["items"]
        return [n for n in items if n["subject"] == f"complaint:{mine['complaint_id']}"]
    (notice,) = eventually(told)
    assert "已办结：属实" in notice["title"] and "督促自然资源和规划局两日内办结" in notice["body"]
    assert applicant.get("/complaints").json()["items"][0]["state"] == "concluded"
