"""Joint guidance (联合辅导, 003) as supervision receives it: every guidance event has its Chinese line on
the project timeline, and a lapsed 2-working-day answer clock reaches the region's supervisors, the lead
department and the silent department like the other lapses, once under redelivery."""
from datetime import date

from platform_kit import contracts
from supervision.domain import timeline
from test_supervision_accountability import event, rpc, supervision  # noqa: F401 (fixture)

PROJECT = "2026-410800-48-01-000031"
GUIDANCE = "0b0e8a4e-6c1c-4a53-9a67-1f3b0d9f3a11"
REQUESTED = {"guidance_id": GUIDANCE, "stage": "construction_permit", "category": "renovation", "works": "transport",
             "lead_department": "TRB", "region": "410800", "channel": "window", "applicant_org": "91410800MA47Q0R12X",
             "intention": None, "topic": "候车楼改造需要办理哪些事项", "session_no": 2, "requested_on": date(2026, 11, 2)}
LAPSED = {"guidance_id": GUIDANCE, "question_id": "q-samr-1", "department": "SAMR", "mode": "deferred",
          "answered_on": None, "due_on": date(2026, 11, 4), "lapsed": True, "tags": ["特种设备"],
          "lead_department": "TRB", "region": "410800", "question": "更换自动扶梯是否需要安装告知？"}


def test_every_guidance_event_has_its_chinese_line():
    payloads = {
        "guidance.requested": REQUESTED,
        "guidance.scheduled": {"guidance_id": GUIDANCE, "lead_department": "TRB", "team": ["s1", "s2"],
                               "supporting": ["HCD", "SAMR"], "called_at": "2026-11-02T01:00:00+00:00",
                               "place": "政务服务中心"},
        "guidance.answered": LAPSED,
        "guidance.listed": {"list_id": "l1", "kind": "one_time", "guidance_id": GUIDANCE,
                            "stage": "construction_permit", "department": "TRB", "issued_on": "2026-11-05",
                            "item_codes": ["HCD-010", "HCD-001"], "supersedes": None, "reason": None},
        "guidance.flagged": {"guidance_id": GUIDANCE, "session_no": 4, "sessions": ["a", "b", "c", GUIDANCE],
                             "lead_department": "TRB", "region": "410800", "stage": "construction_permit",
                             "flagged_on": "2026-11-05"},
        "guidance.closed": {"guidance_id": GUIDANCE, "lead_department": "TRB", "closed_by": "applicant-1",
                            "closed_on": "2026-11-06", "questions": 3, "late_arrivals": ["SAMR"]},
        "guidance.published": {"entry_id": "e1", "item_code": "HCD-010", "kind": "faq", "question": "是否需要？",
                               "answer": "不需要。", "department": "TRB", "published_on": "2026-11-06"},
    }
    assert {t for t in contracts.EVENTS if t.startswith("guidance.")} == set(payloads)
    lines = {t: timeline.summary(t, p) for t, p in payloads.items()}
    assert not [t for t, line in lines.items() if line.startswith("事件 ")]
    assert lines["guidance.requested"] == ("综合窗口现场代为申请第 2 次联合辅导（施工许可阶段，交通工程），"
                                           "牵头部门 TRB：候车楼改造需要办理哪些事项")
    assert lines["guidance.scheduled"] == ("牵头部门 TRB 组织联合辅导，选派 2 名辅导人员，通知 HCD、SAMR 15分钟内到场"
                                           "（政务服务中心）")
    assert lines["guidance.answered"] == "SAMR 未在 2026-11-04 前答复联合辅导疑难问题，答复时限已过（红灯）"
    assert timeline.summary("guidance.answered", {**LAPSED, "lapsed": False, "answered_on": "2026-11-03",
                                                  "due_on": "2026-11-04"}) == \
        "SAMR 答复联合辅导疑难问题（2026-11-04 前答复），按期"
    assert timeline.summary("guidance.answered", {**LAPSED, "lapsed": False, "mode": "on_spot"}) == \
        "SAMR 当场答复联合辅导问题"
    assert lines["guidance.listed"] == "TRB 出具一次告知清单（施工许可阶段，2 个事项）"
    assert lines["guidance.flagged"].startswith("第 4 次申请联合辅导，同一项目辅导超过三次，列为异常办件")
    assert lines["guidance.closed"] == "联合辅导办结（牵头部门 TRB，3 个问题）；迟到部门：SAMR"
    assert lines["guidance.published"] == "TRB 向「HCD-010」办事指南发布常见问题"


def test_a_lapsed_answer_clock_reaches_supervisors_and_the_departments_once(supervision, make_token):  # noqa: F811
    config, deliver = supervision
    deliver(event("guidance.requested", REQUESTED))
    lapsed = event("guidance.answered", LAPSED)
    deliver(lapsed)
    deliver(lapsed)                                                     # redelivered
    deliver(event("guidance.answered", {**LAPSED, "question_id": "q-hcd-1", "department": "HCD", "lapsed": False,
                                        "answered_on": date(2026, 11, 3)}))   # answered in time: nobody told
    tokens = {"supervisor": make_token("supervisor", region="410800"),
              "TRB": make_token("dept_admin", sub="admin-trb", department="TRB", region="410800"),
              "SAMR": make_token("dept_admin", sub="admin-samr", department="SAMR", region="410800"),
              "HCD": make_token("dept_admin", sub="admin-hcd", department="HCD", region="410800")}
    seen = {}
    for who, token in tokens.items():
        with rpc(config, token) as proxy:
            seen[who] = [n for n in proxy.list_inbox({"limit": 50})["items"] if "辅导答复逾期" in n["title"]]
    for who in ("supervisor", "TRB", "SAMR"):
        assert len(seen[who]) == 1, who
        assert seen[who][0]["title"] == "辅导答复逾期：SAMR 未在 2026-11-04 前答复"
        assert "更换自动扶梯是否需要安装告知？" in seen[who][0]["body"] and seen[who][0]["project_code"] == PROJECT
    assert seen["HCD"] == []
    with rpc(config, tokens["supervisor"]) as proxy:
        lines = [e["summary"] for e in proxy.get_project_overview(PROJECT)["timeline"]]
    assert "SAMR 未在 2026-11-04 前答复联合辅导疑难问题，答复时限已过（红灯）" in lines
    assert not [line for line in lines if line.startswith("事件 ")]


def test_a_lapse_told_without_region_takes_it_from_the_request(supervision, make_token):  # noqa: F811
    config, deliver = supervision
    deliver(event("guidance.requested", REQUESTED))
    deliver(event("guidance.answered", {**LAPSED, "question_id": "q-cad-1", "department": "CAD",
                                        "lead_department": None, "region": None, "question": None}))
    for department in ("TRB", "CAD"):
        token = make_token("dept_admin", sub=f"admin-{department.lower()}", department=department, region="410800")
        with rpc(config, token) as proxy:
            told = [n for n in proxy.list_inbox({"limit": 50})["items"] if "辅导答复逾期" in n["title"]]
        assert [n["title"] for n in told] == ["辅导答复逾期：CAD 未在 2026-11-04 前答复"], department
