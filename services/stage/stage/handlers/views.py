"""What the stage service shows of its cases and stages: each clock's facts of the day (the same
facts its events carry), the departments' feedback, and the history of recorded decisions. Who
sees what is the domain's rule (stage.domain.visibility)."""
from platform_kit.clock_facts import light_on
from platform_kit.errors import Forbidden, NotFound
from stage.domain.case import STATE_LABELS, SUPPLEMENTING
from stage.domain.case import feedback as case_feedback
from stage.domain.clock import LightsOn
from stage.domain.consultation import readable_through
from stage.domain.decision import supplement_received
from stage.domain.visibility import Visibility

NO_CLOCK = {"due_on": None, "used_days": 0, "remaining_days": None, "overdue_days": 0, "paused": False,
            "light": "green", "due_estimated": False, "extension_days": 0, "yellow_on": None}


def clock_view(clock, today, calendar, yellow_days):
    """A clock as the stage service shows it: its facts of today (the same facts its events carry)."""
    if clock is None:
        return dict(NO_CLOCK)
    facts = clock.facts(today, calendar, yellow_days)
    return {"due_on": facts["due_on"], "used_days": facts["used_days"], "remaining_days": facts["remaining_days"],
            "overdue_days": max(0, facts["used_days"] - clock.total_days), "paused": facts["paused"],
            "light": light_on(facts, today), "due_estimated": facts["due_estimated"],
            "extension_days": facts["extension_days"], "yellow_on": facts["yellow_on"]}


def case_view(case, decisions, today, calendar, yellow_days, history=True):
    """`decisions`: the case's recorded decisions, oldest first."""
    out = {
        "case_id": case.id, "project_code": case.project_code, "stage": case.stage, "stage_id": case.stage_id,
        "item_code": case.item_code, "item_name": case.item_name, "department": case.department,
        "region": case.region, "applicant_org": case.applicant_org, "project_name": case.project_name,
        "state": case.state, "state_label": STATE_LABELS.get(case.state, case.state), "round": case.round,
        "limit_days": case.limit_days, "received_on": case.received_on,
        "acceptance_due_on": case.acceptance_due_on, "accepted_on": case.accepted_on,
        "concluded_on": case.concluded_on, "lapsed_on": case.lapsed_on, "licence_no": case.licence_no,
        "lapse_action": case.lapse_action, "recalled_to": case.recalled_to,
        "supplement_notices": case.supplement_notices,
    }
    out.update(clock_view(case.clock, today, calendar, yellow_days))
    out["paused"] = out["paused"] or case.state == SUPPLEMENTING
    views = [d.view() for d in decisions]
    out["feedback"] = case_feedback(views, case.department)   # 000 §13, 004 §15
    out["supplement_received"] = supplement_received(views)
    if history:
        out["history"] = views
    return out


def stage_view(stage, decisions, today, calendar, yellow_days, history=False):
    """`decisions`: {case_id: its decisions} for the stage's cases."""
    out = {"stage_id": stage.id, "stage": stage.stage, "project_code": stage.project_code,
           "declaration_id": stage.declaration_id, "lead_department": stage.lead_department,
           "state": stage.state, "received_on": stage.received_on, "limit_days": stage.limit_days,
           "concluded_on": stage.concluded_on}
    out.update(clock_view(stage.clock, today, calendar, yellow_days))
    out["cases"] = [case_view(c, decisions.get(c.id, []), today, calendar, yellow_days, history=history)
                    for c in stage.cases]
    return out


def one_case(case_id, uow, today, calendar, yellow_days):
    """A case as its use cases answer it, with its history."""
    return case_view(uow.cases.get(case_id), uow.decisions.of_cases([case_id])[case_id], today, calendar,
                     yellow_days)


def one_stage(stage, uow, today, calendar, yellow_days):
    return stage_view(stage, uow.decisions.of_cases([c.id for c in stage.cases]), today, calendar, yellow_days)


def list_cases(filters, identity, uow, today, yellow_days):
    visibility = Visibility.of(identity)
    limit, offset = filters.get("limit", 200), filters.get("offset", 0)
    calendar = uow.calendar.current()
    cases, total = uow.cases.visible(visibility, project_code=filters.get("project_code"),
                                     state=filters.get("state"), department=filters.get("department"),
                                     limit=limit, offset=offset, light=filters.get("light"),
                                     lights=LightsOn.of(today, calendar, yellow_days))
    decisions = uow.decisions.of_cases([c.id for c in cases])
    return {"items": [case_view(c, decisions[c.id], today, calendar, yellow_days, history=False) for c in cases],
            "total": total, "limit": limit, "offset": offset}


def count_cases(identity, uow, today, yellow_days):
    """The officer workbench's counters over the caller's visible cases (the visibility of list_cases):
    ``todo`` awaiting its department's action, ``supplementing`` waiting for the applicant's
    supplement (002 §8), ``due_soon`` open and yellow today, ``overdue`` open and red today (000 §18),
    ``done`` closed."""
    visibility = Visibility.of(identity)
    counts = uow.cases.counts(visibility, LightsOn.of(today, uow.calendar.current(), yellow_days))
    return {**counts, "as_of": today}


def get_case(case_id, identity, uow, today, yellow_days):
    visibility = Visibility.of(identity)
    case = uow.cases.get(case_id)
    if case is None:
        raise NotFound(f"办件 {case_id} 不存在")
    if not visibility.sees_case(case) and not consulted_on(case_id, visibility, uow):
        if visibility.by_department:
            raise Forbidden("无权查看其他部门或其他地区的办件")
        raise NotFound(f"办件 {case_id} 不存在")
    return case_view(case, uow.decisions.of_cases([case_id])[case_id], today, uow.calendar.current(),
                     yellow_days)


def consulted_on(case_id, visibility, uow):
    """001 二: an officer of a department asked reads the case while the consultation is open."""
    return visibility.by_department and readable_through(uow.consultations.of_case(case_id),
                                                         visibility.department, visibility.region)


def list_stages(project_code, page, identity, uow, today, yellow_days, cap_days=59):
    """The project's stages (a few: one per declaration) and the whole flow against its cap. The
    cap counts every stage, so all are read and the page is cut from them."""
    visibility = Visibility.of(identity)
    stages = uow.stages.of_project(project_code, visibility)
    # none visible: forbidden when the project has stages. A stage committed between the reads must
    # not read as one the caller may not see, so the visible ones are read again after existence is
    # known (stages are never deleted: the second list sees at least what existed)
    if not stages and uow.stages.exist_for_project(project_code):
        stages = uow.stages.of_project(project_code, visibility)
        if not stages:
            raise Forbidden("无权查看该项目的审批阶段")
    calendar = uow.calendar.current()
    decisions = uow.decisions.of_cases([c.id for s in stages for c in s.cases])
    items = [stage_view(s, decisions, today, calendar, yellow_days, history=not visibility.by_department)
             for s in stages]
    limit, offset = page.get("limit", 50), page.get("offset", 0)
    return {"items": items[offset:offset + limit], "overall": overall(items, cap_days), "total": len(items),
            "limit": limit, "offset": offset}


def overall(items, cap_days):
    """001 §8: the whole flow's working days against the overall cap."""
    used = sum(i["used_days"] for i in items)
    return {"cap_days": cap_days, "used_days": used, "remaining_days": max(0, cap_days - used),
            "over_cap": used > cap_days}
