"""What joint guidance keeps of other services' facts: the catalog's guidance leads and stages
(catalog.loaded), projects (project.registered), the cases of each stage (stage.opened) and how
each ended (case.approved, case.not_required, case.withdrawn, case.recalled as no objection,
case.disapproved, case.refused), from which the next stage's list is asked for (003 §13)."""
import uuid

from sqlalchemy import func, select

from consult.adapters.guidance_orm import (GuidanceLeadRow, GuidanceProjectRow, GuidanceRow, GuidanceStageCaseRow,
                                           GuidanceStageRow, NextStageRow)
from consult.adapters.orm import DepartmentRow
from consult.domain import guidance as rules
from platform_kit.contracts import STAGES

CATALOG_CONSUMER = "consult.guidance_catalog_loaded"
PROJECT_CONSUMER = "consult.guidance_project_registered"
STAGE_CONSUMER = "consult.guidance_stage_opened"
APPROVED_CONSUMER = "consult.guidance_case_approved"
ENDED_CONSUMER = "consult.guidance_case_ended"


def catalog_loaded(envelope, uow):
    if not uow.first_time(envelope, CATALOG_CONSUMER):
        return False
    p, version = envelope.payload, envelope.payload["version"]
    for lead in p.get("guidance_leads") or ():
        if uow.session.get(GuidanceLeadRow, (version, lead["works"], lead["stage"])) is None:
            uow.session.add(GuidanceLeadRow(catalog_version=version, works=lead["works"], stage=lead["stage"],
                                            works_name=lead["works_name"], lead_department=lead["lead_department"]))
    for stage in p.get("guidance_stages") or ():
        if uow.session.get(GuidanceStageRow, (version, stage["category"], stage["stage"])) is None:
            uow.session.add(GuidanceStageRow(catalog_version=version, category=stage["category"], stage=stage["stage"],
                                             position=STAGES.index(stage["stage"]),
                                             lead_department=stage["lead_department"], items=stage["items"]))
    uow.session.flush()
    return True


def project_registered(envelope, uow):
    if not uow.first_time(envelope, PROJECT_CONSUMER):
        return False
    p = envelope.payload
    if uow.session.get(GuidanceProjectRow, p["project_code"]) is None:
        uow.session.add(GuidanceProjectRow(project_code=p["project_code"], name=p["name"], category=p["category"],
                                           region=p["region"], applicant_org=p["applicant_org"], sessions=0))
    uow.session.flush()
    return True


# ---------------------------------------------------------------------------- catalog reading
def newest_version(session):
    return session.execute(select(func.max(GuidanceStageRow.catalog_version))).scalar()


def stage_entry(session, category, stage):
    version = newest_version(session)
    return session.get(GuidanceStageRow, (version, category, stage)) if version else None


def stage_items(session, category, stage):
    """{item_code: item} of the stage in the newest catalog (empty when unknown)."""
    entry = stage_entry(session, category, stage)
    return {item["code"]: item for item in entry.items} if entry else {}


def leads(session):
    version = session.execute(select(func.max(GuidanceLeadRow.catalog_version))).scalar()
    rows = session.execute(select(GuidanceLeadRow).where(GuidanceLeadRow.catalog_version == version)).scalars().all()
    return {(r.works, r.stage): r.lead_department for r in rows}, {r.works: r.works_name for r in rows}


def lead_for(session, *, category, stage, works):
    entry = stage_entry(session, category, stage)
    by_works, names = leads(session)
    return rules.route(stage=stage, works=works, leads=by_works, stage_lead=entry.lead_department if entry else None,
                       works_names=names)


def department_names(session):
    return dict(session.execute(select(DepartmentRow.code, DepartmentRow.name)).tuples().all())


# ---------------------------------------------------------------------------- next stage (003 §13)
def stage_opened(envelope, uow):
    if not uow.first_time(envelope, STAGE_CONSUMER):
        return False
    p = envelope.payload
    for case in p["cases"]:
        if uow.session.get(GuidanceStageCaseRow, case["case_id"]) is None:
            uow.session.add(GuidanceStageCaseRow(case_id=case["case_id"], stage_id=p["stage_id"],
                                                 project_code=envelope.project_code, stage=p["stage"]))
    uow.session.flush()
    return True


def case_approved(envelope, uow):
    return case_ended(envelope, uow, "approved", APPROVED_CONSUMER)


def case_ended(envelope, uow, outcome, consumer=ENDED_CONSUMER):
    """A case of the stage ended (`outcome`, :data:`rules.CASE_ENDS`). Once every case of the stage
    has ended and none blocks it (:func:`rules.stage_decided`), the next stage's lead department (for
    the project's kind of works, as its latest guidance named it) is asked to send the next stage's
    items and materials; a disapproved or refused case means the stage cannot complete: no list."""
    if not uow.first_time(envelope, consumer):
        return False
    p = envelope.payload
    # every case of the stage, locked in one order: replicas handling its last two ends see each other's
    cases = {c.case_id: c for c in uow.session.execute(
        select(GuidanceStageCaseRow).where(GuidanceStageCaseRow.stage_id == p["stage_id"])
        .order_by(GuidanceStageCaseRow.case_id).with_for_update().execution_options(populate_existing=True)).scalars()}
    row = cases.get(p["case_id"])
    if row is None or row.outcome is not None:
        uow.session.flush()
        return True
    row.outcome, row.ended_on = outcome, p["on"]
    if outcome == "approved":
        row.approved_on = p["on"]
    uow.session.flush()
    outcomes = [c.outcome for c in cases.values()]
    project = uow.session.get(GuidanceProjectRow, row.project_code)
    if rules.stage_decided(outcomes) != rules.READY or project is None:
        return True
    following = _next_stage(uow.session, project.category, row.stage)
    if following is None or uow.session.execute(
            select(NextStageRow).where(NextStageRow.from_stage_id == row.stage_id)).scalar_one_or_none():
        return True
    works = uow.session.execute(select(GuidanceRow.works).where(GuidanceRow.project_code == project.project_code)
                                .order_by(GuidanceRow.requested_on.desc(), GuidanceRow.session_no.desc())
                                .limit(1)).scalar() or rules.BUILDING
    lead = lead_for(uow.session, category=project.category, stage=following, works=works)
    uow.session.add(NextStageRow(id=str(uuid.uuid4()), from_stage_id=row.stage_id, project_code=project.project_code,
                                 applicant_org=project.applicant_org, region=project.region,
                                 category=project.category, stage=following, lead_department=lead,
                                 requested_on=p["on"]))
    uow.session.flush()
    return True


def case_recalled(envelope, uow):
    """A recalled case concluded as no objection has ended (004 §14); one recalled to the lead
    department has not."""
    if envelope.payload.get("lapse_action") != "no_objection":
        return False
    return case_ended(envelope, uow, "no_objection")


def _next_stage(session, category, stage):
    version = newest_version(session)
    if not version:
        return None
    return session.execute(select(GuidanceStageRow.stage).where(
        GuidanceStageRow.catalog_version == version, GuidanceStageRow.category == category,
        GuidanceStageRow.position > STAGES.index(stage)).order_by(GuidanceStageRow.position).limit(1)).scalar()
