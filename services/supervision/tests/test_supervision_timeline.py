"""Timeline wording of the supervision read model, as plain functions."""
from supervision.domain import timeline


def test_timeline_summaries_in_chinese():
    text = timeline.summary("case.concluded", {"department": "NRP", "item_name": "建设用地规划许可证",
                                               "used_days": 3, "on_time": True})
    assert text == "NRP 办结「建设用地规划许可证」，用时 3 个工作日，按期"
    assert timeline.summary("stage.concluded", {"stage": "land_use_planning", "on_time": False}) == \
        "立项用地规划许可阶段办结，超期"
    assert timeline.summary("report.filed", {}) == "事件 report.filed"
    assert timeline.summary("alert.raised", {"department": "DRC", "level": "supervision"}) == \
        "DRC 的办件超时限未办，转督查人员督办"
    assert timeline.summary("urge.sent", {"sent_by": "sup-1", "department": "DRC", "target_kind": "case",
                                          "urgency": "urgent", "message": "请尽快办理"}) == \
        "sup-1 催办DRC的办件（紧急）：请尽快办理"


def test_recounted_deadlines_and_loaded_years_are_told():
    assert timeline.summary("stage.clock_recomputed", {
        "stage": "land_use_planning", "case_id": "c1", "year": 2027,
        "clock": {"due_on": "2027-01-05", "due_estimated": False}}) == \
        "按 2027 年节假日安排重新计算办件时限，2027-01-05 到期"
    assert timeline.summary("stage.clock_recomputed", {
        "stage": "land_use_planning", "case_id": None, "year": 2027,
        "clock": {"due_on": "2027-01-20", "due_estimated": True}}) == \
        "按 2027 年节假日安排重新计算立项用地规划许可阶段时限，2027-01-20 到期（仍为估算）"
    assert timeline.summary("calendar.year_loaded", {"year": 2027, "loaded_by": "operator-1"}) == \
        "operator-1 载入 2027 年法定节假日安排"
