"""The guide (统一引导, 000 §6, 004 §7): a project's approval flowchart, computed from its attributes.

Before the first declaration an applicant sees, stage by stage, which items apply to the project,
which department handles each, the materials to prepare and the time limits, with the total of the
stage limits against the overall cap of a flow (001 §8). Once the project runs, each item carries the
state of its stage: ``not_started``, ``in_progress`` (declared, not concluded) or ``concluded``.
Stages in which no item applies are left out. A material named by several items appears once in
``materials`` with every item that needs it: it is uploaded once and reused (000 §7). A material that
is the result of an earlier item of the same flow (a licence named like that item) is marked
``provided_by`` that item: the platform attaches it, the applicant is never asked for it (000 §7),
and once issued it carries the licence number.
"""
from intake.domain.catalog import STAGE_NAMES

NOT_STARTED, IN_PROGRESS, CONCLUDED = "not_started", "in_progress", "concluded"


def _department(department):
    return {"code": department.code, "name": department.name}


def build(catalog, category_code, attributes, region, declared_stages=(), concluded_stages=(), licences=(),
          published=None):
    """`published`: {item_code: {faq, common_errors}} the guidance lead departments added (003 §15)."""
    published = published or {}
    category = catalog.category(category_code)
    stages, materials = [], {}
    for stage in category.stages:
        items = stage.items_for(attributes or {})
        if not items:
            continue
        state = (CONCLUDED if stage.stage in concluded_stages
                 else IN_PROGRESS if stage.stage in declared_stages else NOT_STARTED)
        entries = []
        for item in items:
            entries.append({
                "code": item.code, "name": item.name,
                "department": _department(catalog.department_for(item.department, region)),
                "limit_days": item.limit_days, "materials": list(item.materials), "state": state,
                "notification_commitment": item.notification_commitment,
                "accept_with_deficiencies": item.accept_with_deficiencies,
                "faq": [dict(q) for q in item.faq] + list(published.get(item.code, {}).get("faq", ())),
                "common_errors": list(item.common_errors) + list(published.get(item.code, {}).get("common_errors", ())),
            })
            for name in item.materials:
                materials.setdefault(name, []).append(item.code)
        stages.append({
            "stage": stage.stage, "name": STAGE_NAMES[stage.stage],
            "lead_department": _department(catalog.department_for(stage.lead_department, region)),
            "limit_days": stage.limit_days, "state": state, "items": entries, "form": list(stage.form),
        })
    results = {}   # item name -> code, for items of earlier stages
    earlier = {}
    for entry in stages:
        for item in entry["items"]:
            for name in item["materials"]:
                if name in results and results[name][1] != entry["stage"]:
                    earlier[name] = results[name][0]
        for item in entry["items"]:
            results.setdefault(item["name"], (item["code"], entry["stage"]))
    issued = {licence["item_code"]: licence["licence_no"] for licence in licences}
    total = sum(s["limit_days"] for s in stages)
    return {
        "category": {"code": category.code, "name": category.name},
        "catalog_version": catalog.version,
        "region": region,
        "overall_limit_days": catalog.overall_limit_days,
        "total_limit_days": total,
        "within_overall_limit": total <= catalog.overall_limit_days,
        "stages": stages,
        "departments": [{"code": code, "name": name} for code, name in sorted(
            {(i["department"]["code"], i["department"]["name"]) for s in stages for i in s["items"]})],
        "materials": [{"name": name, "items": codes, "provided_by": earlier.get(name),
                       "licence_no": issued.get(earlier.get(name))} for name, codes in materials.items()],
    }


UPLOADED, FROM_PLATFORM, MISSING = "uploaded", "provided_by_platform", "missing"


def checklist(flow, stage, uploaded):
    """What the applicant should hand in for `stage`: every material its items name, matched by name
    with what the project already uploaded (offered again, 000 §7) or with an earlier item's result
    the platform attaches. `uploaded`: {material name: {material_id, version, sha256}} (latest)."""
    entry = next((s for s in flow["stages"] if s["stage"] == stage), None)
    if entry is None:
        return []
    provided = {m["name"]: m for m in flow["materials"]}
    names = {}
    for item in entry["items"]:
        for name in item["materials"]:
            names.setdefault(name, []).append(item["code"])
    out = []
    for name, items in names.items():
        source = provided.get(name) or {}
        material = uploaded.get(name)
        status = UPLOADED if material else FROM_PLATFORM if source.get("provided_by") else MISSING
        out.append({"name": name, "items": items, "status": status, "material": material,
                    "provided_by": source.get("provided_by"), "licence_no": source.get("licence_no")})
    return out
