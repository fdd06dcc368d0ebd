"""Joint guidance (联合辅导, 003) over HTTP only, on real RabbitMQ and PostgreSQL, in simulated days of
June 2026 (no holiday between 06-01 and 06-05).

Mon 06-01: the renovation of a bus station (a transport hub, renovation category: its first stage is
the construction permit) asks for guidance on stage 3 as transport works: routed to TRB (003 §4).
TRB signs, picks its team from the directory and calls HCD and SAMR out; HCD arrives in 10 minutes,
SAMR joins online in 20 (late, 003 §7). One question is answered on the spot, two are deferred to
HCD and SAMR (due Wed 06-03, 003 §9(三)). Tue 06-02: HCD answers. Thu 06-04: SAMR's clock has lapsed
(red); TRB records pre-review findings and issues the one-time list (PDF and JSON), then corrects
it with a reason; the applicant declares the stage naming the list. Sessions 2–4 of the project
follow; the fourth raises guidance.flagged, which a plain AMQP subscriber receives. Every case of the
stage is approved: TRB, the lead of the next stage for transport works, is asked for the next
stage's list and sends it. The analysis ranks the questions and material errors; a FAQ entry TRB
publishes appears in the item's public guide. Bad input writes nothing.
"""
import io
from datetime import datetime, timedelta, timezone

import pytest
from kombu import Connection, Exchange, Queue
from pypdf import PdfReader

import platforms
from test_end_to_end import assert_problem, eventually, login
from test_four_stage_flow import FORMS, new_officer

ATTRIBUTES = {"use": "transport_hub", "has_elevator": True, "floor_area_m2": 8600.0}
ITEMS = {"HCD-010", "HCD-001", "HCD-004", "HCD-006", "SAMR-001"}
Q_ON_SPOT = "候车楼改造是否需要重新办理建设工程规划许可证？"
Q_HCD = "改造后候车厅的消防设计审查适用哪类程序？"
Q_SAMR = "更换自动扶梯是否需要重新办理特种设备安装告知？"
FAQ = "客运站候车楼改造是否需要重新办理规划许可？"
INTENTION = "在焦作市新区建设区级便民服务中心（意向，尚未登记）"


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory):
    with platforms.dated_platform(postgres, tmp_path_factory.mktemp("guidance-platform"), "2026-06-01",
                                  label="guidance", extra_env={"CONSULT_SWEEP_SECONDS": "1"}) as running:
        yield running


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def question(session, text):
    return next(q for q in session["questions"] if q["question"] == text)


def flagged_listener(platform):
    """A plain AMQP subscriber of consult's guidance.flagged, as a department system would bind one."""
    connection = Connection(platform.amqp_uri)
    queue = Queue("guidance-flagged-listener", Exchange("consult.events", type="topic", durable=True),
                  routing_key="guidance.flagged", durable=False, auto_delete=True)
    queue = queue(connection.default_channel)
    queue.declare()
    return connection, queue


def cases_of(clerk, code, stage, count):
    def opened():
        response = clerk.get(f"/projects/{code}/stages")
        found = [s for s in response.json().get("items", [])] if response.status_code == 200 else []
        found = [s for s in found if s["stage"] == stage]
        return found[0] if found and len(found[0]["cases"]) == count else None
    return {c["item_code"]: c["case_id"] for c in eventually(opened)["cases"]}


@pytest.fixture(scope="module")
def run(platform):
    seen = {}
    operator, applicant, clerk = login(platform, "operator"), login(platform, "applicant"), login(platform, "clerk")
    hcd, drc = login(platform, "hcd-officer"), login(platform, "drc-officer")
    trb = new_officer(platform, operator, "trb-officer", "TRB", "交通运输局 审批人员")
    samr = new_officer(platform, operator, "samr-officer", "SAMR", "市场监督管理局 审批人员")
    # ------------------------------------------------------------ Mon 06-01
    code = ok(applicant.post("/projects", json={
        "name": "焦作市汽车客运总站候车楼改造工程", "category": "renovation", "region": "410800",
        "attributes": ATTRIBUTES}), 201)["project_code"]
    seen["code"] = code
    staff = {who: ok(officer.post("/guidance/staff", json={"name": name, "title": title}), 201)["id"]
             for who, officer, name, title in (("TRB", trb, "李建华", "公路建设科科长"), ("HCD", hcd, "赵敏", "消防审查科"),
                                               ("SAMR", samr, "孙立", "特种设备科"))}
    seen["directory"] = ok(clerk.get("/guidance/staff"))

    request = {"project_code": code, "stage": "construction_permit", "works": "transport",
               "topic": "候车楼改造施工许可阶段需要办理哪些事项、准备哪些材料"}
    seen["unknown_lead"] = applicant.post("/guidance", json={**request, "lead_department": "HCD"})
    seen["unknown_works"] = applicant.post("/guidance", json={**request, "works": "harbour"})

    def requested():   # once consult has the project (project.registered) and the catalog
        response = applicant.post("/guidance", json=request)
        return response if response.status_code != 422 else None
    first = ok(eventually(requested), 201)
    gid = first["id"]
    seen["requested"] = first
    seen["sessions_after_bad_input"] = ok(applicant.get("/guidance", params={"project_code": code}))["total"]
    ok(trb.post(f"/guidance/{gid}/sign"))
    called_at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=30)
    ok(trb.post(f"/guidance/{gid}/call-out", json={
        "team": list(staff.values()), "supporting": ["HCD", "SAMR"], "place": "政务服务中心咨询辅导室",
        "called_at": called_at.isoformat()}))
    ok(trb.post(f"/guidance/{gid}/arrivals", json={"department": "HCD",
                                                   "arrived_at": (called_at + timedelta(minutes=10)).isoformat()}))
    ok(samr.post(f"/guidance/{gid}/arrivals", json={"online": True,
                                                    "arrived_at": (called_at + timedelta(minutes=20)).isoformat()}))
    ok(trb.post(f"/guidance/{gid}/questions", json={
        "question": Q_ON_SPOT, "tags": ["规划许可"], "answer": "不改变建筑外轮廓与使用功能的，无需重新办理。"}), 201)
    ok(applicant.post(f"/guidance/{gid}/questions", json={"question": Q_HCD, "tags": ["消防"], "department": "HCD"}),
       201)
    session = ok(applicant.post(f"/guidance/{gid}/questions", json={
        "question": Q_SAMR, "tags": ["特种设备"], "department": "SAMR"}), 201)
    seen["fifth_party"] = drc.post(f"/guidance/{gid}/questions/{question(session, Q_HCD)['id']}/answer",
                                   json={"answer": "由发改委答复"})
    seen["list_too_early"] = trb.post(f"/guidance/{gid}/lists", json={"next_steps": "补齐材料后申报"})
    seen["day1"] = ok(trb.get(f"/guidance/{gid}"))

    # ------------------------------------------------------------ Tue 06-02: HCD answers within its clock
    platforms.set_today(platform, "2026-06-02")
    ok(hcd.post(f"/guidance/{gid}/questions/{question(session, Q_HCD)['id']}/answer",
                json={"answer": "交通枢纽属特殊建设工程，须办理消防设计审查（HCD-004）。"}))

    # ------------------------------------------------------------ Thu 06-04: SAMR's clock has lapsed
    platforms.set_today(platform, "2026-06-04")

    def lapsed():
        found = ok(trb.get(f"/guidance/{gid}"))
        return found if question(found, Q_SAMR)["lapsed_on"] else None
    seen["lapsed"] = eventually(lapsed, timeout=60)
    for finding in ({"item_code": "HCD-010", "material": "施工图设计文件", "result": "error", "note": "缺少设计单位出图章"},
                    {"item_code": "HCD-001", "material": "施工合同", "result": "missing", "note": ""},
                    {"item_code": "HCD-004", "material": "消防设计文件", "result": "ok", "note": ""}):
        ok(hcd.post(f"/guidance/{gid}/findings", json=finding), 201)
    seen["bad_finding"] = hcd.post(f"/guidance/{gid}/findings", json={
        "item_code": "HCD-010", "material": "营业执照", "result": "error"})
    listed = ok(trb.post(f"/guidance/{gid}/lists", json={"next_steps": "补齐施工合同，施工图加盖出图章后网上申报施工许可阶段。"}),
                201)
    first_list = listed["lists"][0]["list_id"]
    seen["again_without_reason"] = trb.post(f"/guidance/{gid}/lists", json={
        "next_steps": "同上", "supersedes": first_list})
    seen["again_unnamed"] = trb.post(f"/guidance/{gid}/lists", json={"next_steps": "同上"})
    corrected = ok(trb.post(f"/guidance/{gid}/lists", json={
        "next_steps": "补齐施工合同，施工图加盖出图章后网上申报施工许可阶段；电梯更换另行告知。", "supersedes": first_list,
        "reason": "补充特种设备安装告知的办理说明"}), 201)
    second_list = next(entry["list_id"] for entry in corrected["lists"] if entry["supersedes"] == first_list)
    seen.update(first_list=first_list, second_list=second_list, corrected=corrected)
    seen["list_json"] = ok(applicant.get(f"/guidance/lists/{second_list}"))
    seen["list_pdf"] = applicant.get(f"/guidance/lists/{second_list}/pdf")

    # the applicant declares the stage with the list (not the superseded one)
    def declare(list_id):
        return applicant.post(f"/projects/{code}/declarations", json={
            "stage": "construction_permit", "form": FORMS["construction_permit"], "material_ids": [],
            "guidance_list_id": list_id})
    def refused_as_superseded():   # once intake has both lists (a response of status 422 is falsy)
        response = declare(first_list)
        return [response] if response.status_code == 422 and "已被更正" in response.text else None
    [seen["declared_superseded"]] = eventually(refused_as_superseded)
    seen["declaration"] = ok(declare(second_list), 201)
    ok(applicant.post(f"/guidance/{gid}/close"))
    seen["answer_after_close"] = samr.post(f"/guidance/{gid}/questions/{question(session, Q_SAMR)['id']}/answer",
                                           json={"answer": "需要办理"})
    seen["closed"] = ok(applicant.get(f"/guidance/{gid}"))

    # ------------------------------------------------------------ sessions 2–4: the fourth is abnormal
    connection, listener = flagged_listener(platform)
    try:
        for n in (2, 3, 4):
            later = ok((clerk if n == 3 else applicant).post("/guidance", json={**request, "topic": f"第{n}次辅导"}), 201)
            ok(trb.post(f"/guidance/{later['id']}/sign"))
            ok(trb.post(f"/guidance/{later['id']}/questions", json={
                "question": Q_HCD, "tags": ["消防", "材料"], "answer": "须办理消防设计审查。"}), 201)
            ok(trb.post(f"/guidance/{later['id']}/findings", json={
                "item_code": "HCD-010", "material": "施工图设计文件", "result": "error", "note": "图签不全"}), 201)
            seen[f"session{n}"] = later
        empty = ok(applicant.post("/guidance", json={**request, "topic": "第5次辅导"}), 201)
        ok(trb.post(f"/guidance/{empty['id']}/sign"))
        seen["empty_list"] = trb.post(f"/guidance/{empty['id']}/lists", json={"next_steps": "补齐材料"})
        seen["empty_after"] = ok(trb.get(f"/guidance/{empty['id']}"))

        def received():
            message = listener.get(no_ack=True)
            return message and [message.decode()]
        seen["flagged_events"] = [eventually(received)[0]]
    finally:
        connection.release()

    # ------------------------------------------------------------ the stage's cases approved: next stage
    cases = cases_of(clerk, code, "construction_permit", len(ITEMS))
    for item, case_id in cases.items():
        officer = samr if item.startswith("SAMR") else hcd
        for action in ("accept", "review", "approve"):
            ok(officer.post(f"/cases/{case_id}/actions", json={"action": action, "opinion": "同意"}))

    def next_stage_requested():
        items = ok(trb.get("/guidance/next-stages", params={"project_code": code}))["items"]
        return items and items[0]
    seen["next_requested"] = eventually(next_stage_requested)
    seen["next_sent"] = ok(trb.post(f"/guidance/next-stages/{seen['next_requested']['id']}/send", json={
        "note": "请在施工许可阶段办结后一并申报竣工验收阶段各事项。"}))
    seen["applicant_view"] = ok(applicant.get(f"/projects/{code}/guidance"))
    seen["next_list"] = ok(applicant.get(f"/guidance/lists/{seen['next_sent']['list_id']}"))

    # ------------------------------------------------------------ analysis and the public guide
    seen["analysis"] = ok(trb.get("/guidance/analysis"))
    seen["supervisor_analysis"] = ok(login(platform, "supervisor").get("/guidance/analysis"))
    ok(trb.post("/guidance/guide-entries", json={"item_code": "HCD-010", "kind": "faq", "question": FAQ,
                                                 "answer": "不改变外轮廓与使用功能的无需重新办理。"}), 201)
    ok(trb.post("/guidance/guide-entries", json={"item_code": "HCD-010", "kind": "common_error",
                                                 "answer": "施工图设计文件缺少设计单位出图章"}), 201)

    def guide_has_faq():
        flow = ok(applicant.post("/guides/preview", json={"category": "renovation", "attributes": ATTRIBUTES}))
        item = next(i for s in flow["stages"] for i in s["items"] if i["code"] == "HCD-010")
        published = any(q["question"] == FAQ for q in item["faq"]) and "施工图设计文件缺少设计单位出图章" in item["common_errors"]
        return item if published else None
    seen["guide_item"] = eventually(guide_has_faq)

    # ------------------------------------------------------------ the window, for an intention not yet registered
    intention = {"intention": INTENTION, "category": "gov_building", "region": "410800", "stage": "land_use_planning",
                 "works": "building", "topic": "便民服务中心用地需要先办哪些手续"}
    seen["intention_incomplete"] = clerk.post("/guidance", json={**intention, "category": None, "region": None})
    on_site = ok(clerk.post("/guidance", json=intention), 201)
    nrp = login(platform, "nrp-officer")
    ok(nrp.post(f"/guidance/{on_site['id']}/sign"))
    ok(nrp.post(f"/guidance/{on_site['id']}/questions", json={
        "question": "划拨用地需要哪些权属材料？", "tags": ["用地"], "answer": "提交划拨决定书。"}), 201)
    on_site = ok(nrp.post(f"/guidance/{on_site['id']}/lists", json={"next_steps": "登记项目后网上申报立项用地规划许可阶段。"}),
                 201)
    seen["intention"] = on_site
    seen["intention_list"] = ok(clerk.get(f"/guidance/lists/{on_site['lists'][0]['list_id']}"))
    seen["window_requests"] = ok(clerk.get("/guidance", params={"channel": "window"}))
    seen["applicant_sees_intention"] = applicant.get(f"/guidance/{on_site['id']}")
    seen["supervisor_inbox"] = eventually(lambda: [n for n in ok(login(platform, "supervisor").get(
        "/inbox", params={"project_code": code}))["items"] if "异常办件" in n["title"]])
    return seen


def test_the_request_is_routed_to_the_transport_lead(run):
    first = run["requested"]
    assert (first["lead_department"], first["works"], first["stage"], first["session_no"]) == \
        ("TRB", "transport", "construction_permit", 1)
    assert first["state"] == "requested" and first["channel"] == "online" and not first["flagged"]
    assert {s["department"] for s in run["directory"]["items"]} >= {"TRB", "HCD", "SAMR"}


def test_the_supporting_departments_arrivals_are_measured_against_fifteen_minutes(run):
    callouts = {c["department"]: c for c in run["day1"]["callouts"]}
    assert (callouts["HCD"]["minutes"], callouts["HCD"]["late"], callouts["HCD"]["online"]) == (10, False, False)
    assert (callouts["SAMR"]["minutes"], callouts["SAMR"]["late"], callouts["SAMR"]["online"]) == (20, True, True)
    assert [s["action"] for s in run["day1"]["steps"]][:5] == ["request", "sign", "call_out", "arrival", "arrival"]
    assert run["day1"]["state"] == "consulting" and len(run["day1"]["team"]) == 3


def test_questions_on_the_spot_within_two_working_days_and_lapsed_in_red(run):
    day1 = run["day1"]
    assert question(day1, Q_ON_SPOT)["mode"] == "on_spot" and question(day1, Q_ON_SPOT)["answered_on"] == "2026-06-01"
    assert (question(day1, Q_HCD)["due_on"], question(day1, Q_HCD)["light"]) == ("2026-06-03", "yellow")
    lapsed = run["lapsed"]
    assert (question(lapsed, Q_HCD)["answered_on"], question(lapsed, Q_HCD)["on_time"]) == ("2026-06-02", True)
    samr = question(lapsed, Q_SAMR)
    assert (samr["lapsed_on"], samr["light"], samr["answered_on"]) == ("2026-06-04", "red", None)


def test_the_one_time_list_as_json_and_pdf(run):
    content = run["list_json"]["content"]
    assert {i["code"] for i in content["items"]} >= ITEMS - {"SAMR-001"} | {"HCD-010"}
    hcd010 = next(i for i in content["items"] if i["code"] == "HCD-010")
    drawing = next(m for m in hcd010["materials"] if m["name"] == "施工图设计文件")
    assert drawing["findings"][0]["note"] == "缺少设计单位出图章"
    assert {a["question"] for a in content["answers"]} == {Q_ON_SPOT, Q_HCD}
    assert [u["question"] for u in content["unanswered"]] == [Q_SAMR]
    assert run["list_json"]["supersedes"] == run["first_list"]
    assert run["list_json"]["reason"] == "补充特种设备安装告知的办理说明"
    response = run["list_pdf"]
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/pdf")
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    for expected in ("一次告知清单", "施工图设计文件", "缺少设计单位出图章", Q_HCD, "逾期未答复", "告知承诺"):
        assert expected in text, expected
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")), font


def test_the_declaration_references_the_list(run):
    assert run["declaration"]["guidance_list_id"] == run["second_list"]
    refused = assert_problem(run["declared_superseded"], 422)
    assert refused["errors"][0]["field"] == "guidance_list_id"
    assert run["closed"]["state"] == "closed"


def test_the_fourth_session_is_flagged_and_a_plain_subscriber_receives_it(run):
    assert [run[f"session{n}"]["session_no"] for n in (2, 3, 4)] == [2, 3, 4]
    assert [run[f"session{n}"]["flagged"] for n in (2, 3, 4)] == [False, False, True]
    event = run["flagged_events"][0]
    assert event["type"] == "guidance.flagged" and event["project_code"] == run["code"]
    assert event["payload"]["guidance_id"] == run["session4"]["id"] and event["payload"]["session_no"] == 4
    assert run["supervisor_inbox"][0]["kind"] == "supervision"


def test_the_next_stage_list_is_asked_for_and_shows_to_the_applicant(run):
    requested = run["next_requested"]
    assert (requested["stage"], requested["lead_department"]) == ("completion_acceptance", "TRB")
    view = run["applicant_view"]
    sent = view["next_stages"][0]
    assert (sent["state"], sent["list_id"]) == ("sent", run["next_sent"]["list_id"])
    assert {i["code"] for i in run["next_list"]["content"]["items"]} >= {"HCD-002", "HCD-009"}
    assert run["next_list"]["kind"] == "next_stage"


def test_the_analysis_ranks_questions_and_material_errors(run):
    analysis = run["analysis"]
    assert analysis["sessions"] == 5 and analysis["flagged"] == 2
    assert analysis["top_questions"][0] == {"question": Q_HCD, "count": 4}
    assert analysis["top_tags"][0] == {"tag": "消防", "count": 4}
    top_error = analysis["material_errors"][0]
    assert (top_error["item_code"], top_error["material"], top_error["count"]) == ("HCD-010", "施工图设计文件", 4)
    assert {"key": "TRB", "count": 5} in analysis["by_department"]
    assert run["supervisor_analysis"]["sessions"] == 5


def test_a_published_faq_entry_appears_in_the_items_guide(run):
    item = run["guide_item"]
    assert any(q["question"] == FAQ for q in item["faq"])
    assert "施工图设计文件缺少设计单位出图章" in item["common_errors"]


def test_bad_input_is_refused_and_writes_nothing(run):
    lead = assert_problem(run["unknown_lead"], 422)
    assert lead["errors"][0]["field"] == "lead_department" and "TRB" in lead["errors"][0]["message"]
    assert assert_problem(run["unknown_works"], 422)["errors"][0]["field"] == "works"
    assert run["sessions_after_bad_input"] == 1
    fifth = assert_problem(run["fifth_party"], 403)
    assert "DRC" in fifth["detail"]
    assert question(run["day1"], Q_HCD)["answer"] is None
    early = assert_problem(run["list_too_early"], 409)
    assert "2 个工作日" in early["detail"]
    assert assert_problem(run["bad_finding"], 422)["errors"][0]["field"] == "material"
    assert assert_problem(run["again_without_reason"], 422)["errors"][0]["field"] == "reason"
    assert assert_problem(run["again_unnamed"], 409)["errors"][0]["field"] == "supersedes"
    empty = assert_problem(run["empty_list"], 422)
    assert empty["errors"][0]["field"] == "answers"
    assert run["empty_after"]["lists"] == [] and run["empty_after"]["state"] == "handling"
    closed = assert_problem(run["answer_after_close"], 409)
    assert "已办结" in closed["detail"]
    assert question(run["closed"], Q_SAMR)["answer"] is None
    assert len(run["corrected"]["lists"]) == 2


def test_the_window_asks_for_an_intention_not_yet_registered(run):
    incomplete = assert_problem(run["intention_incomplete"], 422)
    assert {e["field"] for e in incomplete["errors"]} == {"category", "region"}
    on_site = run["intention"]
    assert (on_site["project_code"], on_site["session_no"], on_site["intention"]) == (None, None, INTENTION)
    assert (on_site["channel"], on_site["lead_department"], on_site["flagged"]) == ("window", "NRP", False)
    assert on_site["state"] == "to_confirm" and on_site["lists"][0]["kind"] == "one_time"
    content = run["intention_list"]["content"]
    assert "NRP-001" in {i["code"] for i in content["items"]}
    window = run["window_requests"]
    assert {g["channel"] for g in window["items"]} == {"window"}
    assert on_site["id"] in {g["id"] for g in window["items"]}
    assert run["session3"]["id"] in {g["id"] for g in window["items"]}
    assert_problem(run["applicant_sees_intention"], 404)
