"""The counting rules and the drawing of statistics, without a broker or a database."""
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone
from types import SimpleNamespace

from supervision.domain import statistics as st
from supervision.domain.statistics import Where
from supervision.render import charts

OFFICER = SimpleNamespace(id="officer-nrp", role="officer")
SYSTEM = SimpleNamespace(id="system", role="system")
CASE = {"case_id": "c1", "stage_id": "s1", "stage": "land_use_planning", "item_code": "NRP-001",
        "department": "NRP", "region": "410821"}


def envelope(kind, payload, actor=OFFICER):
    return SimpleNamespace(type=kind, payload=payload, actor=actor, event_id="e1",
                           occurred_at=datetime(2026, 3, 31, 17, 0, tzinfo=timezone.utc), project_code=None)


def counted(kind, payload, actor=OFFICER, known=Where()):
    return [(t.indicator, t.month, t.officer, t.once_for) for t in st.tallies(envelope(kind, payload, actor),
                                                                               lambda _: known)]


def test_each_event_counts_its_indicators_in_the_month_of_its_day():
    assert counted("case.accepted", dict(CASE, on=date(2026, 3, 2))) == [("accepted", "2026-03", "officer-nrp", None)]
    assert counted("case.accepted", dict(CASE, on=date(2026, 3, 2)), SYSTEM) == [("accepted", "2026-03", "", None)]
    concluded = dict(CASE, on=date(2026, 4, 1), used_days=9, on_time=True,
                     clock={"limit_days": 10, "extension_days": 0, "light": "yellow"})
    assert counted("case.concluded", concluded) == [
        ("concluded", "2026-04", "officer-nrp", None), ("on_time", "2026-04", "officer-nrp", None),
        ("yellow", "2026-04", "officer-nrp", None)]
    late = dict(concluded, on_time=False, used_days=12)
    assert counted("case.concluded", late)[1] == ("overdue", "2026-04", "officer-nrp", "c1")
    assert counted("case.lapsed", dict(CASE, on=date(2026, 3, 20)), SYSTEM) == [
        ("lapses", "2026-03", "", None), ("overdue", "2026-03", "", "c1")]
    assert counted("case.reviewed", dict(CASE, on=date(2026, 3, 3))) == []
    # an event without a day of its own counts on the day it occurred, in Asia/Shanghai (17:00 UTC → 04-01)
    assert counted("urge.sent", {"case_id": "c1"}, known=Where("NRP", "410821", "NRP-001", "land_use_planning")) \
        == [("urges", "2026-04", "officer-nrp", None)]


def test_the_cases_of_an_opened_stage_are_received_where_the_read_model_places_them():
    opened = {"stage": "land_use_planning", "received_on": date(2026, 3, 2),
              "cases": [{"case_id": "c1", "item_code": "NRP-001", "department": "NRP"}]}
    [tally] = st.tallies(envelope("stage.opened", opened, SYSTEM), lambda _: Where(region="410821"))
    assert (tally.indicator, tally.month, tally.where) == (
        "received", "2026-03", Where("NRP", "410821", "NRP-001", "land_use_planning"))
    assert [k["grain"] for k in st.counter_keys(tally)] == ["area", "item", "officer"]
    assert st.counter_keys(tally)[0]["item_code"] == ""


def test_rates_days_and_changes():
    row = st.indicators({"received": (10, 0, 0, 0), "accepted": (8, 0, 0, 0), "refused": (2, 0, 0, 0),
                         "concluded": (4, 30, 40, 12), "on_time": (3, 0, 0, 0), "overdue": (1, 0, 0, 0)})
    assert (row["acceptance_rate"], row["refusal_rate"], row["conclusion_rate"], row["overdue_rate"]) == \
        (0.8, 0.2, 0.5, 0.25)
    assert (row["time_use_rate"], row["on_time_rate"], row["average_days"], row["longest_days"]) == (0.75, 0.75, 7.5, 12)
    assert st.indicators({})["on_time_rate"] is None and st.indicators({})["average_days"] is None
    before = st.indicators({"received": (5, 0, 0, 0), "concluded": (4, 0, 0, 0), "on_time": (4, 0, 0, 0)})
    assert st.change(row, before, "received") == 1.0 and st.change(row, before, "on_time_rate") == -0.25
    assert st.change(row, None, "received") is None
    assert st.shift_month("2026-01", -1) == "2025-12" and st.shift_month("2026-03", -12) == "2025-03"
    assert st.months_between("2025-11", "2026-02") == 4


def test_charts_are_valid_svg_with_escaped_text():
    ranking = charts.ranking([{"rank": 1, "department": "A&B", "name": "<规划>&局", "on_time_rate": 0.5,
                               "on_time": 1, "concluded": 2},
                              {"rank": 2, "department": "X", "name": "无办结局", "on_time_rate": None}], "排名 <1>")
    root = ET.fromstring(ranking.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<规划>&局" in "".join(root.itertext()) and "&lt;规划&gt;&amp;局" in ranking
    trend = charts.trend([{"key": "2026-0%d" % m, "name": f"2026年0{m}月", "received": m, "concluded": 1,
                           "overdue": 0} for m in range(1, 4)], "趋势")
    assert ET.fromstring(trend.encode("utf-8")).get("width") == "760"
    assert ET.fromstring(charts.ranking([], "空").encode("utf-8")) is not None
