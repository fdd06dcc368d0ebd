"""The public's view of a project's progress (002 §22; 001 §4, the internet portal): whoever holds
the project's code and its query code sees its stages and cases, their states, departments, dates
and lights, and nothing about the people involved.

A wrong code and an unknown project get the same answer, so the query tells nobody which project
codes exist.
"""
from platform_kit import query_code
from platform_kit.errors import NotFound
from supervision.adapters.orm import ProjectRow
from supervision.handlers.reading import project_overview

NOT_FOUND = "未找到该项目，或查询码不正确"


def _case(view):
    return {"item_code": view["item_code"], "item_name": view["item_name"], "department": view["department"],
            "state": view["state"], "started_on": view["accepted_on"], "due_on": view["due_on"],
            "concluded_on": view["concluded_on"], "paused": view["paused"], "light": view["light"]}


def _stage(view):
    return {"stage": view["stage"], "lead_department": view["lead_department"], "state": view["state"],
            "started_on": view["received_on"], "due_on": view["due_on"], "concluded_on": view["concluded_on"],
            "paused": view["paused"], "light": view["light"], "cases": [_case(c) for c in view["cases"]]}


def public_progress(uow, cmd, today):
    """`cmd`: {project_code, query_code}."""
    project = uow.session.get(ProjectRow, cmd["project_code"])
    if project is None or not query_code.matches(project.project_code, cmd["query_code"], project.query_code_digest):
        raise NotFound(NOT_FOUND)
    overview = project_overview(uow, project.project_code, today)
    return {"project_code": project.project_code, "name": project.name, "category": project.category,
            "registered_on": project.registered_on,
            "stages": [_stage(s) for s in overview["stages"] if s["stage"] is not None]}
