"""Statistics (统计分析): counted from events as they are recorded, never by scanning cases.

Each event adds to counters kept per (month, department, region, item, stage, officer, indicator):
the month of the event's day (Asia/Shanghai), the case's department, region, item and stage, and
the officer when the event's actor is an officer. A counter holds how many, and for conclusions the
working days used, the promised limit and the longest time used. Reading sums counters over months
and any grouping; rates and comparisons (环比, 同比) follow from the sums (:func:`indicators`).

The indicators are those of the leading platform of this kind: 接件数 received, 受理数 accepted,
不予受理数 refused, 办结数 concluded, 特殊程序数 special_handled, 预警数 yellow (concluded on time while
its light was yellow), 逾期数 overdue (concluded late or lapsed; once per case), 待补正数 supplements,
with lapses, urges and complaints; rates 受理率, 不予受理率, 逾期率, 办结率, 用时率 and the on-time rate.

Which event counts what is one table (:data:`PER_EVENT`): a new event type that counts is one line.
"""
from dataclasses import dataclass, replace
from datetime import date

from platform_kit.calendar import SHANGHAI
from platform_kit.identity import OFFICER

# indicator -> Chinese label, in the order tables show them
COUNTS = {
    "received": "接件数", "accepted": "受理数", "refused": "不予受理数", "concluded": "办结数",
    "on_time": "按时办结数", "special_handled": "特殊程序数", "yellow": "预警数", "overdue": "逾期数",
    "supplements": "待补正数", "lapses": "超期无意见数", "urges": "催办数", "complaints": "投诉举报数",
}
INDICATORS = tuple(COUNTS)
RATES = {
    "acceptance_rate": "受理率", "refusal_rate": "不予受理率", "overdue_rate": "逾期率",
    "conclusion_rate": "办结率", "time_use_rate": "用时率", "on_time_rate": "按时办结率",
}
DAYS = {"average_days": "平均用时（工作日）", "longest_days": "最长用时（工作日）"}
# the indicators compared with the previous period (环比) and the same period a year before (同比)
COMPARED = ("received", "accepted", "concluded", "overdue", "on_time_rate")
GROUPS = {"department": "部门", "region": "行政区划", "item": "事项", "stage": "阶段", "officer": "经办人",
          "month": "月份"}

# event type -> the indicator one event of it adds on its case (one line per counting event type)
PER_EVENT = {
    "case.accepted": "accepted",
    "case.refused": "refused",
    "case.resubmitted": "received",          # submitted again after a return: received again
    "case.special_handled": "special_handled",
    "case.supplement_requested": "supplements",
    "urge.sent": "urges",
    "complaint.filed": "complaints",
}
# every event type that may count (stage.opened: the cases it receives)
COUNTING = frozenset(PER_EVENT) | {"stage.opened", "case.concluded", "case.recalled", "case.lapsed"}
# the grains counters are kept at, with the dimensions each keeps, and the grain each grouping reads
GRAINS = {"area": ("department", "region"), "item": ("department", "region", "item_code", "stage"),
          "officer": ("department", "region", "officer")}
GRAIN_OF = {"department": "area", "region": "area", "month": "area", "item": "item", "stage": "item",
            "officer": "officer"}
# the payload fields that may tell the day of an event, in order; else the day it occurred
DAY_FIELDS = ("on", "sent_on", "filed_on", "received_on", "recorded_on")


@dataclass(frozen=True)
class Where:
    """The dimensions of a counter; '' when unknown."""
    department: str = ""
    region: str = ""
    item_code: str = ""
    stage: str = ""

    def filled_from(self, other):
        """These dimensions, each unknown one taken from `other`."""
        return Where(*(mine or theirs for mine, theirs in zip(
            (self.department, self.region, self.item_code, self.stage),
            (other.department, other.region, other.item_code, other.stage))))


@dataclass(frozen=True)
class Tally:
    """What one event adds to one counter. ``once_for``: counted only the first time for this case."""
    indicator: str
    month: str
    where: Where
    officer: str = ""
    count: int = 1
    used_days: int = 0
    limit_days: int = 0
    once_for: str = None


def counter_keys(tally):
    """The key of each counter a tally adds to: one per grain, the dimensions it does not keep ''."""
    values = {"department": tally.where.department, "region": tally.where.region,
              "item_code": tally.where.item_code, "stage": tally.where.stage, "officer": tally.officer}
    return [dict({name: (value if name in kept else "") for name, value in values.items()},
                 grain=grain, month=tally.month, indicator=tally.indicator)
            for grain, kept in GRAINS.items()]


def month_of(day):
    return f"{day.year:04d}-{day.month:02d}"


def day_of(envelope):
    p = envelope.payload
    for name in DAY_FIELDS:
        if isinstance(p.get(name), date):
            return p[name]
    return envelope.occurred_at.astimezone(SHANGHAI).date()


def officer_of(envelope):
    return envelope.actor.id if envelope.actor.role == OFFICER else ""


def where_in(payload):
    return Where(department=payload.get("department") or "", region=payload.get("region") or "",
                 item_code=payload.get("item_code") or "", stage=payload.get("stage") or "")


def tallies(envelope, case_where):
    """What `envelope` adds to the counters. ``case_where(case_id)`` tells the dimensions the read model
    knows of a case (a :class:`Where`), for what the payload does not say."""
    p = envelope.payload
    kind = envelope.type
    if kind == "stage.opened":   # 接件: every case of the declaration is received on the stage's day
        month = month_of(p["received_on"])
        return [Tally("received", month, Where(department=c["department"], item_code=c["item_code"],
                                               stage=p["stage"]).filled_from(case_where(c["case_id"])))
                for c in p.get("cases") or []]
    if kind not in COUNTING:   # nothing to count: the case's dimensions are not looked up
        return []
    case_id = p.get("case_id") if isinstance(p.get("case_id"), str) else None
    where = where_in(p)
    if case_id:
        where = where.filled_from(case_where(case_id))
    month, officer = month_of(day_of(envelope)), officer_of(envelope)
    counted = Tally("", month, where, officer)
    if kind == "case.concluded":
        clock = p.get("clock") or {}
        limit = (clock.get("limit_days") or 0) + (clock.get("extension_days") or 0)
        out = [replace(counted, indicator="concluded", used_days=p["used_days"], limit_days=limit)]
        if p["on_time"]:
            out.append(replace(counted, indicator="on_time"))
            if clock.get("light") == "yellow":
                out.append(replace(counted, indicator="yellow"))
        else:
            out.append(replace(counted, indicator="overdue", once_for=case_id))
        return out
    if kind == "case.recalled" and p.get("lapse_action") == "no_objection":   # 004 §14: concluded by the platform
        clock = p.get("clock") or {}
        limit = (clock.get("limit_days") or 0) + (clock.get("extension_days") or 0)
        return [replace(counted, indicator="concluded", used_days=clock.get("used_days") or 0, limit_days=limit),
                replace(counted, indicator="overdue", once_for=case_id)]
    if kind == "case.lapsed":     # 004 §14: no opinion by the deadline
        return [replace(counted, indicator="lapses"), replace(counted, indicator="overdue", once_for=case_id)]
    indicator = PER_EVENT.get(kind)
    return [replace(counted, indicator=indicator)] if indicator else []


# ---------------------------------------------------------------------------------- reading
def _rate(numerator, denominator):
    return round(numerator / denominator, 4) if denominator else None


def indicators(sums):
    """The indicators of a group from its counter sums: ``{indicator: (count, used, limit, longest)}``."""
    count = {name: sums.get(name, (0, 0, 0, 0))[0] for name in INDICATORS}
    _, used, limit, longest = sums.get("concluded", (0, 0, 0, 0))
    row = dict(count)
    row.update(
        acceptance_rate=_rate(count["accepted"], count["received"]),
        refusal_rate=_rate(count["refused"], count["received"]),
        overdue_rate=_rate(count["overdue"], count["concluded"]),
        conclusion_rate=_rate(count["concluded"], count["accepted"]),
        time_use_rate=_rate(used, limit),
        on_time_rate=_rate(count["on_time"], count["concluded"]),
        average_days=round(used / count["concluded"], 2) if count["concluded"] else None,
        longest_days=longest if count["concluded"] else None)
    return row


def change(current, base, name):
    """环比/同比 of one indicator: the relative change of a count, the difference of a rate; None
    without a base."""
    now, before = current.get(name), (base or {}).get(name)
    if name.endswith("_rate"):
        return None if now is None or before is None else round(now - before, 4)
    return round((now - before) / before, 4) if before else None


def shift_month(month, months):
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first, last):
    return (int(last[:4]) * 12 + int(last[5:7])) - (int(first[:4]) * 12 + int(first[5:7])) + 1


def merge(into, sums):
    """Add counter sums ``{indicator: (count, used, limit, longest)}`` into `into`."""
    for name, (count, used, limit, longest) in sums.items():
        c, u, lim, lo = into.get(name, (0, 0, 0, 0))
        into[name] = (c + count, u + used, lim + limit, max(lo, longest))
    return into


def ranking_order(row):
    """Departments by on-time rate (none last), then by more conclusions, then by code."""
    rate = row["on_time_rate"]
    return (rate is None, -(rate or 0), -row["concluded"], row["key"])
