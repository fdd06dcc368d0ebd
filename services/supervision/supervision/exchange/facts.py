"""What the province is told, derived from the platform's events (001 §10): plain rules, no SQL.

:func:`derive` takes one event and what is known so far (``known(kind, key)`` → a dict or None) and
answers the facts to remember (``(kind, key, data)``) and the records to send (``(kind, record)``,
mapped to rows by :mod:`supervision.exchange.mapping`). A record is complete in itself: re-deriving it
from the same facts gives the same record, so an edit is recognised by its changed content and an
event delivered twice changes nothing. :func:`catalog_records` turns a published catalog into the
flows, stages and stage items.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# our case events → the step state of the national list (mapping code list ``step_states``)
STEP_STATES = {
    "case.accepted": "accepted", "case.reviewed": "reviewed", "case.supplement_requested": "supplement_requested",
    "case.supplement_accepted": "supplement_accepted", "case.refused": "refused", "case.returned": "returned",
    "case.resubmitted": "received", "case.withdrawn": "withdrawn", "case.recalled": "recalled",
    "case.special_handled": "special_started",
}
# units named in a declaration's form → their role (mapping code list ``unit_roles``)
FORM_UNITS = {"survey_unit": "survey", "design_unit": "design", "construction_unit": "construction",
              "supervision_unit": "supervision", "agent_unit": "agent"}
CATALOG = ("catalog", "latest")


def local_time(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _day(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _number(value):
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------------- catalog
def catalog_records(catalog):
    """The flows (one per project category), their stages and stage items of a published catalog."""
    version = catalog["version"]
    names = {d["code"]: d["name"] for d in catalog["departments"]}
    city = next((d["region"] for d in catalog["departments"] if d.get("level") == "city"),
                catalog["departments"][0]["region"])
    loaded = local_time(catalog["loaded_at"]) if catalog.get("loaded_at") else None
    records = []
    for category in catalog["categories"]:
        flow = {"flow_code": category["code"], "flow_version": version, "region": city}
        records.append(("flow", {**flow, "name": category["name"], "category": category["code"],
                                 "effective_at": loaded, "description": category.get("description", "")}))
        for order, stage in enumerate(category["stages"], start=1):
            records.append(("stage", {**flow, "stage_order": order, "stage_code": stage["stage"],
                                      "name": stage.get("name") or stage["stage"], "limit_days": stage["limit_days"]}))
            for item in stage["items"]:
                records.append(("item", {**flow, "stage_order": order, "item_code": item["code"], "name": item["name"],
                                         "notification_commitment": bool(item.get("notification_commitment")),
                                         "department": item["department"],
                                         "department_name": names.get(item["department"], item["department"]),
                                         "limit_days": item["limit_days"]}))
    return records, {"version": version, "departments": names, "region": city}


# ------------------------------------------------------------------------------------- records
def project_record(project, declaration, catalog):
    a = project.get("attributes") or {}
    flow_version = (declaration or {}).get("catalog_version") or (catalog or {}).get("version") or 1
    return {
        "project_code": project["project_code"], "name": project["name"], "category": project["category"],
        "region": project["region"], "flow_code": project["category"], "flow_version": flow_version,
        "scope": a.get("scope") or project["name"], "land_acquisition": a.get("land_acquisition"),
        "nature": a.get("construction_nature"), "investment": _number(a.get("investment_10k_yuan")),
        "site": a.get("construction_site") or a.get("site"), "content": a.get("construction_content"),
        "land_area": _number(a.get("land_area_m2")), "floor_area": _number(a.get("floor_area_m2")),
        "planned_start": a.get("planned_start"), "planned_completion": a.get("planned_completion"),
        "declared_at": (declaration or {}).get("submitted_on"),
        "concluded": 1 if project.get("concluded_at") else 0, "concluded_at": project.get("concluded_at"),
    }


def case_record(case, declaration, project, catalog):
    names = (catalog or {}).get("departments") or {}
    category = (declaration or {}).get("category") or (project or {}).get("category")
    return {
        "case_id": case["case_id"], "project_code": case["project_code"], "item_code": case["item_code"],
        "flow_code": category, "flow_version": (declaration or {}).get("catalog_version")
        or (catalog or {}).get("version") or 1,
        "department": case["department"], "department_name": names.get(case["department"], case["department"]),
        "channel": (declaration or {}).get("channel", "online"), "limit_days": case["limit_days"],
        "region": (project or {}).get("region") or case.get("region") or "",
        "valid": not case.get("withdrawn"), "invalid_reason": case.get("withdrawn") or "",
    }


def attachment_records(declaration, stage, region):
    out = []
    for case in stage["cases"]:
        for material in declaration.get("materials", []):
            name = material["name"]
            out.append(("attachment", {
                "case_id": case["case_id"], "material_id": material["material_id"],
                "material_version": material["version"], "name": name,
                "file_type": name.rsplit(".", 1)[-1].lower() if "." in name else "pdf",
                "file_id": f"{material['material_id']}/{material['version']}", "region": region}))
    return out


def unit_records(project, declaration):
    out = [("unit", {"project_code": project["project_code"], "role": "builder", "region": project["region"],
                     "credit_code": project["applicant_org"],
                     "name": project.get("applicant_name") or project["applicant_org"]})]
    form = (declaration or {}).get("form") or {}
    for field, role in FORM_UNITS.items():
        if form.get(field):
            out.append(("unit", {"project_code": project["project_code"], "role": role, "region": project["region"],
                                 "credit_code": form.get(field.replace("_unit", "_unit_code")) or "",
                                 "name": form[field]}))
    return out


# ------------------------------------------------------------------------------------- events
def derive(envelope, known):
    """(facts to remember, records to send) for one event."""
    handler = _HANDLERS.get(envelope.type)
    if handler is None:
        return [], []
    return handler(envelope, envelope.payload, known)


def _project_records(project, known, declaration=None):
    declaration = declaration or known("latest_declaration", project["project_code"])
    return ([("project", project_record(project, declaration, known(*CATALOG)))]
            + unit_records(project, declaration))


def on_project(envelope, p, known):
    earlier = known("project", p["project_code"]) or {}
    project = {**earlier, "project_code": p["project_code"], "name": p["name"], "category": p["category"],
               "region": p["region"], "applicant_org": p["applicant_org"],
               "applicant_name": p.get("applicant_name") or earlier.get("applicant_name"),
               "attributes": p.get("attributes") or {}}
    return [("project", p["project_code"], project)], _project_records(project, known)


def on_declaration(envelope, p, known):
    declaration = {"declaration_id": p["declaration_id"], "project_code": envelope.project_code,
                   "category": p["category"], "catalog_version": p["catalog_version"], "stage": p["stage"],
                   "submitted_on": _day(p["submitted_on"]), "form": p["form"],
                   "channel": "window" if envelope.actor.role == "clerk" else "online",
                   "materials": [{"material_id": m["material_id"], "version": m["version"], "name": m["name"]}
                                 for m in p["materials"]]}
    facts = [("declaration", p["declaration_id"], declaration),
             ("latest_declaration", envelope.project_code, declaration)]
    project = known("project", envelope.project_code)
    records = _project_records(project, known, declaration) if project else []
    stage = known("stage_of_declaration", p["declaration_id"])
    if stage:
        records += _case_records(stage, declaration, project, known)
    return facts, records


def _case_records(stage, declaration, project, known):
    catalog = known(*CATALOG)
    records = []
    for case in stage["cases"]:
        case = known("case", case["case_id"]) or case
        records.append(("case", case_record(case, declaration, project, catalog)))
    if declaration:
        records += attachment_records(declaration, stage, (project or {}).get("region", ""))
    return records


def on_stage_opened(envelope, p, known):
    cases = [{"case_id": c["case_id"], "item_code": c["item_code"], "department": c["department"],
              "limit_days": c["limit_days"], "project_code": envelope.project_code} for c in p["cases"]]
    stage = {"stage_id": p["stage_id"], "declaration_id": p["declaration_id"], "cases": cases}
    facts = [("stage_of_declaration", p["declaration_id"], stage)] + [("case", c["case_id"], c) for c in cases]
    declaration = known("declaration", p["declaration_id"])
    project = known("project", envelope.project_code)
    records = _case_records(stage, declaration, project, lambda kind, key: None if kind == "case" else known(kind, key))
    names = (known(*CATALOG) or {}).get("departments") or {}
    for case in cases:
        records.append(("step", _step(f"{envelope.event_id}:{case['case_id']}", case["case_id"], "received",
                                      case["department"], names, envelope, "",
                                      (project or {}).get("region", ""))))
    return facts, records


def _step(step_id, case_id, state, department, names, envelope, opinion, region):
    return {"step_id": step_id, "case_id": case_id, "state": state, "department": department,
            "department_name": names.get(department, department),
            "handler": envelope.actor.id, "opinion": opinion or "", "at": local_time(envelope.occurred_at),
            "region": region}


def on_case_event(envelope, p, known):
    state = STEP_STATES.get(envelope.type)
    if envelope.type == "case.concluded":
        state = "approved" if p["outcome"] == "approved" else "disapproved"
    names = (known(*CATALOG) or {}).get("departments") or {}
    project = known("project", envelope.project_code) or {}
    region = project.get("region") or p.get("region", "")
    records = [("step", _step(str(envelope.event_id), p["case_id"], state,
                              p["department"], names, envelope, p.get("opinion"), region))]
    facts = []
    if envelope.type == "case.withdrawn":
        case = dict(known("case", p["case_id"]) or {
            "case_id": p["case_id"], "item_code": p["item_code"], "department": p["department"],
            "limit_days": 0, "project_code": envelope.project_code})
        case["withdrawn"] = p.get("opinion") or "申请人撤回申请"
        facts.append(("case", p["case_id"], case))
        declaration = known("latest_declaration", envelope.project_code)
        records.append(("case", case_record(case, declaration, project, known(*CATALOG))))
    return facts, records


def on_licence(envelope, p, known):
    earlier = known("licence", p["licence_id"]) or {}
    project = known("project", envelope.project_code) or {}
    licence = {**earlier, "licence_id": p["licence_id"], "case_id": p["case_id"], "licence_no": p["licence_no"],
               "region": project.get("region", "")}
    if envelope.type == "licence.issued":
        licence.update(issued_on=_day(p["issued_on"]), title=p["item_name"], file_name=f"{p['licence_no']}.pdf",
                       valid_until=None)
    else:
        licence.update(valid=False, invalid_reason=f"许可已撤销：{p['reason']}")
        licence.setdefault("issued_on", _day(p["revoked_on"]))
        licence.setdefault("title", p["item_code"])
        licence.setdefault("file_name", f"{p['licence_no']}.pdf")
        licence.setdefault("valid_until", None)
    return [("licence", p["licence_id"], licence)], [("document", licence)]


def on_stage_concluded(envelope, p, known):
    """The project is fully concluded (项目是否完全办结) when its last stage concludes."""
    if p["stage"] != "completion_acceptance":
        return [], []
    project = known("project", envelope.project_code)
    if not project:
        return [], []
    project = {**project, "concluded_at": _day(p["concluded_on"])}
    return [("project", envelope.project_code, project)], _project_records(project, known)


def on_boundary(envelope, p, known):
    return [], [("redline", {"project_code": p["project_code"], "boundary_version": p["version"],
                             "name": p["name"], "description": p.get("description") or "",
                             "geometry": p["geometry"], "region": p["region"]})]


def on_intermediary(envelope, p, known):
    if envelope.type == "intermediary_service.recorded":
        record = {"record_id": p["record_id"], "project_code": p["project_code"], "region": p["region"],
                  "service_name": p["service_name"], "service_code": p.get("service_code") or "",
                  "limit_days": p.get("limit_days"), "agency_code": p["agency_code"], "agency_name": p["agency_name"],
                  "client_name": p["client_name"], "client_code": p["client_code"],
                  "started_on": _day(p["started_on"]), "finished_on": _day(p.get("finished_on"))}
    else:
        record = dict(known("intermediary", p["record_id"]) or {})
        if not record:
            return [], []
        record.update(valid=False, invalid_reason=p["reason"])
    return [("intermediary", p["record_id"], record)], [("intermediary", record)]


_HANDLERS = {
    "project.registered": on_project, "project.updated": on_project,
    "declaration.submitted": on_declaration, "stage.opened": on_stage_opened,
    "stage.concluded": on_stage_concluded,
    "licence.issued": on_licence, "licence.revoked": on_licence,
    "project.boundary_recorded": on_boundary,
    "intermediary_service.recorded": on_intermediary, "intermediary_service.withdrawn": on_intermediary,
    **{event_type: on_case_event for event_type in (*STEP_STATES, "case.concluded")},
}
EVENTS = tuple(_HANDLERS)
