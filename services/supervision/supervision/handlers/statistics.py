"""Statistics (domain.statistics): counting every event as it is recorded, and reading the counters.

:func:`count` runs in the transaction that records the event, once per event (a redelivery never
reaches it): each counter is added to with ``INSERT … ON CONFLICT DO UPDATE``, so N replicas add
exactly what one would; an indicator counted once per case (overdue) first inserts its mark, and
only the worker whose insert succeeded counts it.

:func:`read` sums the counters of the caller's reach (held in SQL: a supervisor's region, an
officer's or department admin's department, the operator everything) over the period, grouped
as asked, with the previous period (环比) and the same period a year before (同比).
"""
import functools

from sqlalchemy import case, func, literal, select, union_all

from platform_kit.db import insert_ignoring_conflict
from platform_kit.errors import Forbidden, ValidationFailed
from platform_kit.identity import DEPT_ADMIN, OFFICER, OPERATOR, SUPERVISOR, region_prefix
from supervision.adapters.orm import CaseClockRow, ProjectRow, TimelineEntryRow
from supervision.adapters.upsert import insert_for, on_postgres, row_parameters, sql, values_rows
from supervision.adapters.statistics_orm import StatisticsCounterRow, StatisticsMarkRow, StatisticsNameRow
from supervision.domain import reach, statistics
from supervision.domain.statistics import Where
from supervision.domain.timeline import STAGE_NAMES
from supervision.render import charts, tables

C = StatisticsCounterRow
KEYS = ("grain", "month", "department", "region", "item_code", "stage", "officer", "indicator")
GROUP_COLUMNS = {"department": C.department, "region": C.region, "item": C.item_code, "stage": C.stage,
                 "officer": C.officer, "month": C.month}
MAX_MONTHS = 120


# ------------------------------------------------------------------------------------ counting
def count(uow, envelope):
    """Add what `envelope` counts to the counters (in the recording transaction, once per event): one
    statement for every counter it adds to."""
    session = uow.session
    _remember_names(session, envelope)
    tallies = statistics.tallies(envelope, _case_where(session, envelope))
    add(session, [t for t in sorted(tallies, key=lambda t: (t.month, t.where.department, t.where.region,
                                                            t.where.item_code, t.where.stage, t.officer,
                                                            t.indicator))
                  if not t.once_for or _first_mark(session, t, envelope.event_id)])


def add(session, tallies):
    """Add tallies to their counters."""
    upsert_counters(session, [
        dict(key, count=t.count, used_days=t.used_days, limit_days=t.limit_days, longest_days=t.used_days)
        for t in tallies for key in statistics.counter_keys(t)])


_ADDED = ("count", "used_days", "limit_days", "longest_days")
_COLUMNS = KEYS + _ADDED


def _merged(rows):
    """Rows of one key merged into one (a statement may change each counter once), in key order."""
    out = {}
    for row in rows:
        key = tuple(row[k] for k in KEYS)
        if key in out:
            kept = out[key]
            out[key] = dict(kept, count=kept["count"] + row["count"], used_days=kept["used_days"] + row["used_days"],
                            limit_days=kept["limit_days"] + row["limit_days"],
                            longest_days=max(kept["longest_days"], row["longest_days"]))
        else:
            out[key] = dict(row)
    return [out[key] for key in sorted(out)]


def upsert_counters(session, rows):
    """Add counter rows (dicts of the keys and count, used_days, limit_days, longest_days) to the
    counters, in batches of many rows per statement (also used to load counters in bulk)."""
    rows = _merged(rows)
    if not rows:
        return
    if on_postgres(session) and len(rows) <= _ONE_STATEMENT:
        session.execute(_upsert_counters_sql(len(rows)), row_parameters(_COLUMNS, rows))
        return
    stmt = insert_for(session, C)
    new = stmt.excluded
    table = C.__table__.c
    session.execute(stmt.on_conflict_do_update(index_elements=list(KEYS), set_={
        "count": table.count + new.count, "used_days": table.used_days + new.used_days,
        "limit_days": table.limit_days + new.limit_days,
        "longest_days": case((new.longest_days > table.longest_days, new.longest_days),
                             else_=table.longest_days)}), rows)


_ONE_STATEMENT = 60   # rows an event adds at most, in one statement compiled once per number of rows


@functools.lru_cache(maxsize=_ONE_STATEMENT)
def _upsert_counters_sql(rows):
    return sql(f"""
INSERT INTO statistics_counters ({", ".join(_COLUMNS)}) VALUES {values_rows(_COLUMNS, rows)}
ON CONFLICT ({", ".join(KEYS)}) DO UPDATE SET
    count = statistics_counters.count + excluded.count,
    used_days = statistics_counters.used_days + excluded.used_days,
    limit_days = statistics_counters.limit_days + excluded.limit_days,
    longest_days = CASE WHEN excluded.longest_days > statistics_counters.longest_days
                        THEN excluded.longest_days ELSE statistics_counters.longest_days END""")


def _first_mark(session, tally, event_id):
    return insert_ignoring_conflict(session, StatisticsMarkRow.__table__, {
        "case_id": tally.once_for, "indicator": tally.indicator, "event_id": str(event_id)}).rowcount == 1


def _case_where(session, envelope):
    """What the read model knows of a case's department, region, item and stage; for the cases of a
    stage just opened, the region each item was declared in (declaration.submitted), else the project's."""
    declared = {}
    if envelope.type == "stage.opened":
        declared = _declared_regions(session, envelope)
    fallback_region = None

    def where_of(case_id):
        nonlocal fallback_region
        row = session.get(CaseClockRow, case_id)
        known = Where(*((getattr(row, name) or "") if row else "" for name in
                        ("department", "region", "item_code", "stage")))
        if known.region:
            return known
        region = declared.get(case_id) or ""
        if not region:
            if fallback_region is None:
                project = session.get(ProjectRow, envelope.project_code) if envelope.project_code else None
                fallback_region = reach.region_of(envelope.project_code, project.region if project else None) or ""
            region = fallback_region
        return Where(known.department, region, known.item_code, known.stage)

    return where_of


def _declared_regions(session, envelope):
    p = envelope.payload
    items = {}
    for payload in session.execute(select(TimelineEntryRow.payload).where(
            TimelineEntryRow.project_code == envelope.project_code,
            TimelineEntryRow.type == "declaration.submitted")).scalars():
        if payload.get("declaration_id") == p.get("declaration_id"):
            items = {item["item_code"]: item["region"] for item in payload.get("items") or []}
    return {c["case_id"]: items.get(c["item_code"]) for c in p.get("cases") or []}


def _remember_names(session, envelope):
    p = envelope.payload
    names = []
    if envelope.type == "catalog.loaded":
        names = [("department", d["code"], d["name"]) for d in p.get("departments") or []]
    elif isinstance(p.get("item_code"), str) and isinstance(p.get("item_name"), str):
        names = [("item", p["item_code"], p["item_name"])]
    if not names:
        return
    rows = [{"kind": kind, "code": code, "name": name[:200]} for kind, code, name in dict(
        ((kind, code), (kind, code, name)) for kind, code, name in names).values()]
    if on_postgres(session) and len(rows) <= _ONE_STATEMENT:
        session.execute(_remember_names_sql(len(rows)), row_parameters(_NAME_COLUMNS, rows))
        return
    for row in rows:
        stmt = insert_for(session, StatisticsNameRow).values(**row)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["kind", "code"], set_={"name": stmt.excluded.name},
            where=StatisticsNameRow.__table__.c.name != stmt.excluded.name))


_NAME_COLUMNS = ("kind", "code", "name")


@functools.lru_cache(maxsize=_ONE_STATEMENT)
def _remember_names_sql(rows):
    return sql(f"""
INSERT INTO statistics_names (kind, code, name) VALUES {values_rows(_NAME_COLUMNS, rows)}
ON CONFLICT (kind, code) DO UPDATE SET name = excluded.name WHERE statistics_names.name != excluded.name""")


# ------------------------------------------------------------------------------------ reading
def period_of(cmd, today):
    """(first month, last month) of the filters: one month, a range, or this month."""
    if cmd.get("month"):
        first = last = cmd["month"]
    elif cmd.get("from") or cmd.get("to"):
        first, last = cmd.get("from") or cmd.get("to"), cmd.get("to") or cmd.get("from")
    else:
        first = last = statistics.month_of(today)
    if first > last:
        raise ValidationFailed("统计期间的起始月份不能晚于结束月份", [{"field": "from", "message": "起始月份晚于结束月份"}])
    if statistics.months_between(first, last) > MAX_MONTHS:
        raise ValidationFailed(f"统计期间不能超过 {MAX_MONTHS} 个月", [{"field": "to", "message": "期间过长"}])
    return first, last


def reach_conditions(identity, cmd):
    """The SQL conditions of what the caller may count, with the filters they gave."""
    conditions = []
    if identity.role == SUPERVISOR:
        prefix = reach.territory(identity)
        reach.check_region_filter(prefix, cmd.get("region"))
        conditions.append(C.region.startswith(prefix))
    elif identity.role in (OFFICER, DEPT_ADMIN):
        if not identity.department:
            raise Forbidden("账号未关联部门，不能查看统计")
        if cmd.get("department") and cmd["department"] != identity.department:
            raise Forbidden("只能查看本部门的统计")
        conditions.append(C.department == identity.department)
        prefix = region_prefix(identity.region)
        if prefix is None:
            raise Forbidden("账号未关联行政区划，不能查看统计")
        reach.check_region_filter(prefix, cmd.get("region"))
        conditions.append(C.region.startswith(prefix))
    elif identity.role != OPERATOR:
        raise Forbidden(f"角色 {identity.role} 无权查看统计")
    if cmd.get("department"):
        conditions.append(C.department == cmd["department"])
    if cmd.get("region"):
        region = cmd["region"]
        # a city's or province's code counts its counties too
        conditions.append(C.region.startswith(region_prefix(region) or region))
    return conditions


def sums(session, conditions, first, last, group_by):
    """``{group key: {indicator: (count, used, limit, longest)}}`` over the months first..last."""
    return sums_of(session, conditions, [(first, last, group_by)])[0]


def sums_of(session, conditions, asked):
    """:func:`sums` of several (first, last, group_by) at once: one statement, one round trip."""
    parts = []
    for n, (first, last, group_by) in enumerate(asked):
        key = GROUP_COLUMNS[group_by]
        parts.append(select(literal(n).label("part"), key.label("key"), C.indicator, func.sum(C.count),
                            func.sum(C.used_days), func.sum(C.limit_days), func.max(C.longest_days))
                     .where(C.grain == statistics.GRAIN_OF[group_by], C.month >= first, C.month <= last,
                            *conditions).group_by(key, C.indicator))
    out = [{} for _ in asked]
    query = parts[0] if len(parts) == 1 else union_all(*parts)
    for part, group, indicator, n, used, limit, longest in session.execute(query):
        out[part].setdefault(group, {})[indicator] = (int(n or 0), int(used or 0), int(limit or 0),
                                                      int(longest or 0))
    return out


def _total(grouped):
    total = {}
    for group_sums in grouped.values():
        statistics.merge(total, group_sums)
    return total


def _row(key, name, current, mom_base, yoy_base):
    row = statistics.indicators(current)
    mom = statistics.indicators(mom_base) if mom_base else None
    yoy = statistics.indicators(yoy_base) if yoy_base else None
    row.update(key=key, name=name,
               mom={n: statistics.change(row, mom, n) for n in statistics.COMPARED},
               yoy={n: statistics.change(row, yoy, n) for n in statistics.COMPARED})
    return row


def _names(session, kind, codes):
    if not codes:
        return {}
    return dict(session.execute(select(StatisticsNameRow.code, StatisticsNameRow.name).where(
        StatisticsNameRow.kind == kind, StatisticsNameRow.code.in_(list(codes)))).all())


def _labeller(session, group_by, keys):
    if group_by in ("department", "item"):
        names = _names(session, group_by, keys)
        return lambda key: names.get(key) or key or "（未知）"
    if group_by == "stage":
        return lambda key: STAGE_NAMES.get(key, key or "（未知）")
    if group_by == "month":
        return lambda key: f"{key[:4]}年{key[5:7]}月"
    if group_by == "officer":
        return lambda key: key or "（非经办人办理：接件、自动受理等）"
    return lambda key: key or "（未知）"


def read(uow, identity, cmd, today, paged=True):
    """The statistics of the caller's reach for the period in `cmd`, grouped by ``cmd['group_by']``."""
    session = uow.session
    group_by = cmd.get("group_by") or "department"
    first, last = period_of(cmd, today)
    conditions = reach_conditions(identity, cmd)
    span = statistics.months_between(first, last)
    previous = (statistics.shift_month(first, -span), statistics.shift_month(last, -span))
    last_year = (statistics.shift_month(first, -12), statistics.shift_month(last, -12))
    asked = [(first, last, group_by), (*previous, group_by), (*last_year, group_by)]
    if group_by != "department":   # the ranking is of departments
        asked.append((first, last, "department"))
    current, before, a_year_before, *by_department = sums_of(session, conditions, asked)
    if group_by == "month":   # each month against the month before it and the same month a year before
        months = {**a_year_before, **before, **current}

        def bases(key):
            return months.get(statistics.shift_month(key, -1)), months.get(statistics.shift_month(key, -12))
    else:
        def bases(key):
            return before.get(key), a_year_before.get(key)
    keys = sorted(current)
    limit, offset = (cmd.get("limit", 50), cmd.get("offset", 0)) if paged else (len(keys), 0)
    shown = keys[offset:offset + limit]   # rows are made for the page only
    by_department = by_department[0] if by_department else current
    department_name = _labeller(session, "department", set(by_department))
    label = department_name if group_by == "department" else _labeller(session, group_by, set(shown))
    rows = [_row(key, label(key), current[key], *bases(key)) for key in shown]
    ranking = sorted((dict(statistics.indicators(s), key=d, name=department_name(d))
                      for d, s in by_department.items()), key=statistics.ranking_order)
    return {
        "period": {"from": first, "to": last}, "previous_period": {"from": previous[0], "to": previous[1]},
        "last_year_period": {"from": last_year[0], "to": last_year[1]}, "group_by": group_by,
        "items": rows, "total": len(keys), "limit": limit, "offset": offset,
        "totals": _row("", "合计", _total(current), _total(before) or None, _total(a_year_before) or None),
        "ranking": [{"rank": n, "department": r["key"], "name": r["name"], "concluded": r["concluded"],
                     "on_time": r["on_time"], "overdue": r["overdue"], "on_time_rate": r["on_time_rate"]}
                    for n, r in enumerate(ranking, start=1)],
    }


def trend(uow, identity, cmd, today):
    """Monthly totals for a trend: the range asked, or the twelve months up to the month asked."""
    first, last = period_of(cmd, today)
    if first == last:
        first = statistics.shift_month(last, -11)
    conditions = reach_conditions(identity, cmd)
    monthly = sums(uow.session, conditions, first, last, "month")
    months = [statistics.shift_month(first, n) for n in range(statistics.months_between(first, last))]
    return [dict(statistics.indicators(monthly.get(m, {})), key=m, name=f"{m[:4]}年{m[5:7]}月") for m in months]


def _span(period):
    return period["from"] if period["from"] == period["to"] else f"{period['from']}至{period['to']}"


def export(uow, identity, cmd, today):
    """The statistics as a file (csv or xlsx): every group and the total."""
    return tables.export(read(uow, identity, cmd, today, paged=False), cmd["format"])


def chart(uow, identity, cmd, today):
    """The SVG chart: the departments' on-time ranking, or the monthly trend."""
    if cmd.get("kind") == "trend":
        months = trend(uow, identity, cmd, today)
        return charts.trend(months, f"{months[0]['name']}至{months[-1]['name']}办件趋势")
    result = read(uow, identity, dict(cmd, group_by="department"), today, paged=False)
    return charts.ranking(result["ranking"], f"{_span(result['period'])} 部门按时办结率排名")

