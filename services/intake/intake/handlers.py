"""Use cases of the intake service: a command and a unit of work in, a plain dict out."""
import hashlib
import json
import uuid

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from intake.adapters.orm import (CaseFactRow, CatalogVersionRow, CodeCounterRow, DeclarationRow,
                                 DocumentCounterRow, DocumentLossRow, DraftRow, LicenceRevocationRow, LicenceRow,
                                 MaterialRow, MaterialVerificationRow, MaterialVersionRow, ProjectRevisionRow,
                                 ProjectRow, StageConclusionRow, SupplementSubmissionRow, WindowDocumentRow)
from intake.domain import declaration as declaration_rules
from intake.domain import forms, guide, supplement, window
from intake.domain import material as material_rules
from intake.domain import project as project_rules
from intake.domain.catalog import Catalog
from intake.render import documents
from platform_kit.contracts import STAGES, new_event
from platform_kit.db import utcnow
from platform_kit.errors import CalendarNotLoaded, Conflict, Forbidden, NotFound, ValidationFailed

SOURCE = "intake"

# Catalog versions are immutable, so a parsed version can be kept for the life of the process
# (keyed by database too: one process may serve several, as in tests).
_catalogs = {}


# ------------------------------------------------------------------------------- catalog
def _canonical(data):
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def load_catalog(cmd, identity, uow):
    catalog = Catalog.checked(cmd)
    session = uow.session
    latest = session.execute(select(func.max(CatalogVersionRow.version))).scalar() or 0
    sha256 = hashlib.sha256(_canonical(cmd)).hexdigest()
    current = session.get(CatalogVersionRow, latest) if latest else None
    if current is not None and current.sha256 == sha256:
        # The same catalog loaded again (a restart re-seeding it): no new version, nothing changes.
        catalog.version = current.version
        return {**catalog.summary(), "sha256": current.sha256, "loaded_by": current.loaded_by,
                "loaded_at": current.loaded_at, "unchanged": True}
    row = CatalogVersionRow(version=latest + 1, data=cmd, sha256=sha256, loaded_by=identity.sub)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Two operators loading at the same moment: the version number is taken, nothing was stored.
        raise Conflict("另一版本的目录正在同时载入，请重新提交") from None
    catalog.version = row.version
    return {**catalog.summary(), "sha256": row.sha256, "loaded_by": row.loaded_by, "loaded_at": row.loaded_at}


def catalog_version(session, version=None):
    """The parsed catalog `version` (latest when None); NotFound when there is none."""
    if version is None:
        version = session.execute(select(func.max(CatalogVersionRow.version))).scalar()
        if version is None:
            raise NotFound("尚未载入审批事项目录")
    key = (str(session.get_bind().url), version)
    if key not in _catalogs:
        row = session.get(CatalogVersionRow, version)
        if row is None:
            raise NotFound(f"审批事项目录第 {version} 版不存在")
        _catalogs[key] = Catalog(row.data, version)
    return _catalogs[key]


def get_catalog(session, version=None):
    catalog = catalog_version(session, version)
    row = session.get(CatalogVersionRow, catalog.version)
    return {"version": catalog.version, "sha256": row.sha256, "loaded_at": row.loaded_at.isoformat(),
            **catalog.data}


# ------------------------------------------------------------------------------- projects
def _insert_ignoring_conflict(session, table, values):
    """INSERT that does nothing when the key exists; the result's rowcount says whether it inserted."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return session.execute(insert(table).values(**values).on_conflict_do_nothing())


def _locked_counter(session, year, region):
    _insert_ignoring_conflict(session, CodeCounterRow.__table__, {"year": year, "region": region,
                                                                  "last_sequence": 0})
    return session.execute(
        select(CodeCounterRow).where(CodeCounterRow.year == year, CodeCounterRow.region == region)
        .with_for_update().execution_options(populate_existing=True)).scalar_one()


def next_project_code(session, year, region):
    """The next unified project code for (year, region): the counter row is created when missing and
    locked until the registering transaction ends, so no two registrations get the same number."""
    counter = _locked_counter(session, year, region)
    counter.last_sequence += 1
    if counter.last_sequence > project_rules.MAX_SEQUENCE:
        raise Conflict(f"{year} 年 {region} 的项目代码序号已用尽")
    return project_rules.format_code(year, region, counter.last_sequence)


def concluded_stages(session, project_code):
    return set(session.execute(select(StageConclusionRow.stage)
                               .where(StageConclusionRow.project_code == project_code)).scalars())


def project_view(row, session):
    return {
        "project_code": row.project_code, "name": row.name, "category": row.category, "region": row.region,
        "applicant_org": row.applicant_org, "attributes": row.attributes, "catalog_version": row.catalog_version,
        "source": row.source, "registered_by": row.registered_by, "registered_at": row.registered_at,
        "concluded_stages": sorted(concluded_stages(session, row.project_code),
                                   key=STAGES.index),
    }


def register_project(cmd, identity, uow, today):
    session = uow.session
    catalog = catalog_version(session)
    catalog.category(cmd["category"])
    applicant_org = project_rules.applicant_org_for(identity, cmd["applicant_org"])
    code = next_project_code(session, today.year, cmd["region"])
    row = ProjectRow(project_code=code, name=cmd["name"], category=cmd["category"], region=cmd["region"],
                     applicant_org=applicant_org, attributes=cmd["attributes"], catalog_version=catalog.version,
                     source="window", registered_by=identity.sub)
    session.add(row)
    session.flush()
    uow.emit(new_event("project.registered", source=SOURCE, project_code=code, actor=identity.actor(),
                       payload={"project_code": code, "name": row.name, "category": row.category,
                                "region": row.region, "applicant_org": applicant_org,
                                "attributes": row.attributes}))
    return project_view(row, session)


def push_project(cmd, identity, uow):
    """A project pushed by the investment platform (000 §3), idempotent by its code: the first push
    registers it, a re-push with changes updates name and attributes (each push kept as a revision),
    an identical re-push changes nothing, a conflicting one is refused with the reasons."""
    session = uow.session
    code = cmd["project_code"]
    project_rules.check_pushed_code(code, cmd["region"])
    catalog = catalog_version(session)
    row = session.execute(select(ProjectRow).where(ProjectRow.project_code == code).with_for_update()).scalar()
    if row is None:
        catalog.category(cmd["category"])
        inserted = _insert_ignoring_conflict(session, ProjectRow.__table__, dict(
            project_code=code, name=cmd["name"], category=cmd["category"], region=cmd["region"],
            applicant_org=cmd["applicant_org"], attributes=cmd["attributes"], catalog_version=catalog.version,
            source="investment_platform", registered_by=identity.sub, registered_at=utcnow()))
        row = session.execute(select(ProjectRow).where(ProjectRow.project_code == code).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()
        if inserted.rowcount == 1:
            # The window must never hand out a number the investment platform already used.
            year, region, sequence = project_rules.parse_code(code)
            counter = _locked_counter(session, year, region)
            counter.last_sequence = max(counter.last_sequence, sequence)
            _add_revision(session, row, 1, cmd, identity)
            uow.emit(new_event("project.registered", source=SOURCE, project_code=code, actor=identity.actor(),
                               payload={"project_code": code, "name": row.name, "category": row.category,
                                        "region": row.region, "applicant_org": row.applicant_org,
                                        "attributes": row.attributes}))
            return {**project_view(row, session), "outcome": project_rules.CREATED, "revision": 1}
    current = {"applicant_org": row.applicant_org, "category": row.category, "name": row.name,
               "attributes": row.attributes}
    outcome = project_rules.push_outcome(current, cmd)
    revision = session.execute(select(func.max(ProjectRevisionRow.revision))
                               .where(ProjectRevisionRow.project_code == code)).scalar() or 1
    if outcome == project_rules.UPDATED:
        revision += 1
        row.name, row.attributes = cmd["name"], cmd["attributes"]
        _add_revision(session, row, revision, cmd, identity)
        uow.emit(new_event("project.updated", source=SOURCE, project_code=code, actor=identity.actor(),
                           payload={"project_code": code, "revision": revision, "name": row.name,
                                    "category": row.category, "region": row.region,
                                    "applicant_org": row.applicant_org, "attributes": row.attributes}))
    return {**project_view(row, session), "outcome": outcome, "revision": revision}


def _add_revision(session, row, revision, cmd, identity):
    session.add(ProjectRevisionRow(project_code=row.project_code, revision=revision, name=cmd["name"],
                                   attributes=cmd["attributes"], received=cmd, pushed_by=identity.sub))
    session.flush()


def find_project(session, project_code, lock=False):
    project_rules.parse_code(project_code)
    query = select(ProjectRow).where(ProjectRow.project_code == project_code)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise NotFound(f"项目 {project_code} 不存在")
    return row


def readable_project(session, project_code, identity):
    row = find_project(session, project_code)
    if not project_rules.can_read(identity, row.applicant_org):
        raise Forbidden("无权查看该项目")
    return row


def actionable_project(session, project_code, identity, lock=False):
    row = find_project(session, project_code, lock=lock)
    if not project_rules.can_act_for(identity, row.applicant_org):
        raise Forbidden("只有项目的建设单位或综合窗口可以办理")
    return row


def get_project(project_code, identity, session):
    return project_view(readable_project(session, project_code, identity), session)


# ------------------------------------------------------------------------------- materials
def material_version_view(material, version):
    return {"material_id": material.id, "version": version.version, "name": material.name,
            "sha256": version.sha256, "size": version.size, "content_type": version.content_type,
            "uploaded_by": version.uploaded_by, "uploaded_at": version.uploaded_at,
            "channel": version.channel or material_rules.ELECTRONIC, "form": material_rules.form_label(version.channel),
            "paper_copies": version.paper_copies, "paper_pages": version.paper_pages}


def check_upload(project_code, cmd, identity, session):
    """Refuse an upload before any byte is stored: unknown project, someone else's project, paper
    registered by anyone but the window clerk."""
    material_id = cmd.get("material_id")
    actionable_project(session, project_code, identity)
    material_rules.check_channel(identity.role, cmd.get("channel"), cmd.get("paper_copies"), cmd.get("paper_pages"))
    if material_id is not None:
        material = session.get(MaterialRow, material_id)
        if material is None or material.project_code != project_code:
            raise NotFound(f"项目 {project_code} 中没有材料 {material_id}")


def upload_material(project_code, cmd, identity, uow, staged):
    """Record one uploaded version; `staged` is the inspected content, put in place before commit."""
    session = uow.session
    actionable_project(session, project_code, identity)
    channel, copies, pages = material_rules.check_channel(identity.role, cmd.get("channel"), cmd.get("paper_copies"),
                                                          cmd.get("paper_pages"))
    if cmd.get("material_id"):
        material = session.execute(select(MaterialRow).where(MaterialRow.id == cmd["material_id"])
                                   .with_for_update()).scalar_one_or_none()
        if material is None or material.project_code != project_code:
            raise NotFound(f"项目 {project_code} 中没有材料 {cmd['material_id']}")
        number = (session.execute(select(func.max(MaterialVersionRow.version))
                                  .where(MaterialVersionRow.material_id == material.id)).scalar() or 0) + 1
    else:
        material = MaterialRow(id=str(uuid.uuid4()), project_code=project_code, name=cmd["name"],
                               created_by=identity.sub)
        session.add(material)
        number = 1
    facts = staged.facts
    version = MaterialVersionRow(material_id=material.id, version=number, sha256=facts["sha256"],
                                 size=facts["size"], content_type=facts["content_type"], storage_key=staged.key,
                                 uploaded_by=identity.sub, channel=channel, paper_copies=copies, paper_pages=pages)
    session.add(version)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("该材料正在同时上传新版本，请重试") from None
    lock_content(session, staged.key)
    staged.publish()
    uow.emit(new_event("material.uploaded", source=SOURCE, project_code=project_code, actor=identity.actor(),
                       payload={"material_id": material.id, "version": number, "name": material.name,
                                "sha256": facts["sha256"], "content_type": facts["content_type"],
                                "size": facts["size"], "channel": channel}))
    return material_version_view(material, version)


def lock_content(session, key):
    """Serialise, per content address, putting content in place and removing a failed upload's.

    Held until the transaction ends (PostgreSQL; SQLite runs one writer at a time anyway). With it,
    a failed upload that created the content and an identical upload that found it never interleave
    between "is it referenced?" and "delete it"."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"material:{key}"})


def remove_content_if_unreferenced(uow, key, delete):
    """The content of a failed upload goes only if no committed version refers to it."""
    session = uow.session
    lock_content(session, key)
    referenced = session.execute(select(MaterialVersionRow.id).where(MaterialVersionRow.storage_key == key)
                                 .limit(1)).first()
    if referenced is None:
        delete()


def _verification_view(row):
    if row is None:
        return None
    return {"department": row.department, "case_id": row.case_id, "verified_by": row.verified_by,
            "verified_at": row.verified_at, "verified_on": row.verified_on}


def _verifications(session, material_ids):
    if not material_ids:
        return {}
    rows = session.execute(select(MaterialVerificationRow)
                           .where(MaterialVerificationRow.material_id.in_(material_ids))).scalars()
    return {(r.material_id, r.version): r for r in rows}


def list_materials(project_code, identity, session):
    """Every material of the project with all its versions, offered again for later stages (000 §7)."""
    readable_project(session, project_code, identity)
    materials = session.execute(select(MaterialRow).where(MaterialRow.project_code == project_code)
                                .order_by(MaterialRow.created_at, MaterialRow.id)).scalars().all()
    verified = _verifications(session, [m.id for m in materials])
    declarations = session.execute(select(DeclarationRow).where(DeclarationRow.project_code == project_code)
                                   .order_by(DeclarationRow.submitted_at)).scalars().all()
    out = []
    for material in materials:
        versions = [{**material_version_view(material, v),
                     "verification": _verification_view(verified.get((material.id, v.version)))}
                    for v in material.versions]
        out.append({
            "material_id": material.id, "name": material.name, "created_by": material.created_by,
            "created_at": material.created_at, "latest_version": versions[-1]["version"] if versions else None,
            "versions": versions,
            "declared_in": [{"declaration_id": d.id, "stage": d.stage, "version": m["version"]}
                            for d in declarations for m in d.materials if m["material_id"] == material.id],
        })
    return out


def material_content(material_id, version, identity, session, storage, max_bytes):
    """One stored version of a material and where its bytes are; refused when the caller may not read
    the project or the version is larger than `max_bytes` (fetch it over HTTP instead)."""
    material = session.get(MaterialRow, material_id)
    stored = session.execute(select(MaterialVersionRow).where(
        MaterialVersionRow.material_id == material_id, MaterialVersionRow.version == version)).scalar()
    if material is None or stored is None:
        raise NotFound(f"材料 {material_id} 第 {version} 版不存在")
    readable_project(session, material.project_code, identity)
    if max_bytes is not None and stored.size > max_bytes:
        raise Conflict(f"材料超过 {max_bytes} 字节，请通过 HTTP 下载")
    if not storage.exists(stored.storage_key):
        raise NotFound(f"材料 {material_id} 第 {version} 版的文件不在存储中")
    return {**material_version_view(material, stored), "storage_key": stored.storage_key}


def read_content(storage, view):
    """The bytes of a stored version, checked against the SHA-256 they are addressed by."""
    with storage.open(view["storage_key"]) as fh:
        content = fh.read()
    material_rules.check_digest(content, view["sha256"])
    return content


def verify_material(material_id, version, cmd, identity, uow, today):
    """First-entry verification (首录负责制, 000 §11): recorded once, by the first department handling a
    case that carries this version; every later call returns that record instead of a new one."""
    session = uow.session
    material = session.get(MaterialRow, material_id)
    stored = session.execute(select(MaterialVersionRow).where(
        MaterialVersionRow.material_id == material_id, MaterialVersionRow.version == version)).scalar()
    if material is None or stored is None:
        raise NotFound(f"材料 {material_id} 第 {version} 版不存在")
    declarations = session.execute(select(DeclarationRow.materials, DeclarationRow.items)
                                   .where(DeclarationRow.project_code == material.project_code)).all()
    if not material_rules.may_verify(identity.department, material_id, version,
                                     [{"materials": m, "items": i} for m, i in declarations]):
        raise Forbidden("本部门没有使用该材料此版本的办件，不能核验")
    existing = session.execute(select(MaterialVerificationRow).where(
        MaterialVerificationRow.material_id == material_id, MaterialVerificationRow.version == version)).scalar()
    if existing is not None:
        return {**material_version_view(material, stored), "verification": _verification_view(existing),
                "first_entry": False}
    inserted = _insert_ignoring_conflict(session, MaterialVerificationRow.__table__, dict(
        material_id=material_id, version=version, department=identity.department, case_id=cmd["case_id"],
        verified_by=identity.sub, verified_at=utcnow(), verified_on=today))
    row = session.execute(select(MaterialVerificationRow).where(
        MaterialVerificationRow.material_id == material_id, MaterialVerificationRow.version == version)).scalar_one()
    first = inserted.rowcount == 1
    if first:
        uow.emit(new_event("material.verified", source=SOURCE, project_code=material.project_code,
                           actor=identity.actor(), payload={
                               "material_id": material_id, "version": version, "name": material.name,
                               "sha256": stored.sha256, "department": row.department, "case_id": row.case_id,
                               "verified_by": row.verified_by, "verified_on": row.verified_on}))
    return {**material_version_view(material, stored), "verification": _verification_view(row),
            "first_entry": first}


# ------------------------------------------------------------------------------- declarations
def declaration_view(row, session):
    concluded = session.execute(select(StageConclusionRow).where(
        StageConclusionRow.project_code == row.project_code, StageConclusionRow.stage == row.stage)).scalar()
    return {
        "declaration_id": row.id, "project_code": row.project_code, "stage": row.stage,
        "state": "concluded" if concluded is not None else "open",
        "catalog_version": row.catalog_version, "lead_department": row.lead_department,
        "stage_limit_days": row.stage_limit_days, "form": row.form, "materials": row.materials,
        "items": row.items, "licences": row.licences or [],
        "submitted_by": row.submitted_by, "submitted_at": row.submitted_at,
        "submitted_on": row.submitted_on,
    }


def _declared_materials(session, project_code, material_ids):
    declared, errors = [], []
    for index, material_id in enumerate(material_ids):
        material = session.get(MaterialRow, material_id)
        if material is None or material.project_code != project_code or not material.versions:
            errors.append({"field": f"material_ids[{index}]", "message": f"材料 {material_id} 不属于本项目"})
            continue
        latest = material.versions[-1]
        declared.append({"material_id": material.id, "version": latest.version, "name": material.name,
                         "sha256": latest.sha256})
    if errors:
        raise ValidationFailed("申报材料不正确", errors)
    return declared


def voucher_materials(session, materials):
    """002 §5: each registered material with its form, 纸质（已扫描） or 电子, and the copies received."""
    out = []
    for m in materials:
        stored = session.execute(select(MaterialVersionRow).where(
            MaterialVersionRow.material_id == m["material_id"], MaterialVersionRow.version == m["version"])).scalar_one()
        entry = {"name": m["name"], "version": m["version"], "sha256": m["sha256"],
                 "form": material_rules.form_label(stored.channel), "copies": stored.paper_copies or 1}
        if stored.paper_pages:
            entry["pages"] = stored.paper_pages
        out.append(entry)
    return out


def submit_declaration(project_code, cmd, identity, uow, today):
    session = uow.session
    # The project row lock serialises declarations of one project across replicas.
    project = actionable_project(session, project_code, identity, lock=True)
    catalog = catalog_version(session, project.catalog_version)
    declared_stages = set(session.execute(select(DeclarationRow.stage)
                                          .where(DeclarationRow.project_code == project_code)).scalars())
    concluded = concluded_stages(session, project_code)
    plan = declaration_rules.plan(catalog=catalog, category_code=project.category, stage=cmd["stage"],
                                  region=project.region, attributes=project.attributes,
                                  open_stages=declared_stages - concluded, concluded_stages=concluded,
                                  form=cmd["form"])
    materials = _declared_materials(session, project_code, cmd["material_ids"])
    licences = valid_licences(session, project_code)
    row = DeclarationRow(id=str(uuid.uuid4()), project_code=project_code, stage=plan.stage,
                         catalog_version=catalog.version, licences=licences, lead_department=plan.lead_department,
                         stage_limit_days=plan.stage_limit_days, form=cmd["form"], materials=materials,
                         items=plan.items, submitted_by=identity.sub, submitted_role=identity.role,
                         submitted_on=today)
    session.add(row)
    session.flush()
    voucher = issue_document(session, window.VOUCHER, project, today, declaration_id=row.id, facts={
        "project_name": project.name, "applicant": window.applicant_label(project.applicant_org),
        "stage": row.stage, "received_on": today.isoformat(), "registered_by": identity.name or identity.sub,
        "channel": "综合窗口" if identity.role == "clerk" else "网上申报",
        "materials": voucher_materials(session, materials)})
    uow.emit(new_event("declaration.submitted", source=SOURCE, project_code=project_code,
                       actor=identity.actor(), payload={
                           "declaration_id": row.id, "stage": row.stage, "category": project.category,
                           "catalog_version": catalog.version, "region": project.region,
                           "applicant_org": project.applicant_org, "project_name": project.name,
                           "lead_department": plan.lead_department, "stage_limit_days": plan.stage_limit_days,
                           "submitted_on": today, "form": row.form, "materials": materials,
                           "items": plan.items, "licences": licences}))
    return {**declaration_view(row, session), "voucher": document_view(voucher)}


def draft_view(row, outstanding):
    return {"project_code": row.project_code, "stage": row.stage, "form": row.form, "material_ids": row.material_ids,
            "revision": row.revision, "saved_by": row.saved_by, "saved_at": row.saved_at,
            "declaration_id": row.declaration_id, "outstanding": outstanding}


def _draft(session, project_code, stage, lock=False):
    query = select(DraftRow).where(DraftRow.project_code == project_code, DraftRow.stage == stage)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def _stage_entry(session, project, stage):
    catalog = catalog_version(session, project.catalog_version)
    return catalog.category(project.category).stage(stage)


def save_draft(project_code, cmd, identity, uow):
    """Partial save (暂存) of a stage declaration: checked as far as it goes, submitted later."""
    session = uow.session
    project = actionable_project(session, project_code, identity, lock=True)
    outstanding = declaration_rules.check_draft(_stage_entry(session, project, cmd["stage"]), cmd["form"])
    _declared_materials(session, project_code, cmd["material_ids"])
    row = _draft(session, project_code, cmd["stage"], lock=True)
    if row is None:
        row = DraftRow(project_code=project_code, stage=cmd["stage"], form=cmd["form"],
                       material_ids=cmd["material_ids"], revision=1, saved_by=identity.sub)
        session.add(row)
    else:
        declaration_rules.check_draft_open(row.declaration_id)
        row.form, row.material_ids, row.revision = cmd["form"], cmd["material_ids"], row.revision + 1
        row.saved_by, row.saved_at = identity.sub, utcnow()
    session.flush()
    return draft_view(row, outstanding)


def get_draft(project_code, stage, identity, session):
    project = readable_project(session, project_code, identity)
    row = _draft(session, project_code, stage)
    if row is None:
        raise NotFound(f"项目 {project_code} 没有该阶段的暂存申报")
    outstanding = [] if row.declaration_id else forms.form_errors(
        _stage_entry(session, project, stage).form, row.form)
    return draft_view(row, outstanding)


def submit_draft(project_code, stage, identity, uow, today):
    """Submit the saved draft of `stage` as the stage declaration, with every check a declaration has."""
    session = uow.session
    actionable_project(session, project_code, identity, lock=True)
    row = _draft(session, project_code, stage, lock=True)
    if row is None:
        raise NotFound(f"项目 {project_code} 没有该阶段的暂存申报")
    declaration_rules.check_draft_open(row.declaration_id)
    result = submit_declaration(project_code, {"stage": stage, "form": row.form, "material_ids": row.material_ids},
                                identity, uow, today)
    row.declaration_id = result["declaration_id"]
    session.flush()
    return result


def get_declaration(declaration_id, identity, session):
    row = session.get(DeclarationRow, declaration_id)
    if row is None:
        raise NotFound(f"申报 {declaration_id} 不存在")
    readable_project(session, row.project_code, identity)
    return declaration_view(row, session)


# ------------------------------------------------------------------------------- guide
def _home_region(catalog):
    city = [d.region for d in catalog.departments.values() if d.level == "city"]
    return city[0] if city else None


def preview_guide(cmd, session):
    """The flowchart a project of this kind would get under the latest catalog (000 §6)."""
    catalog = catalog_version(session)
    return guide.build(catalog, cmd["category"], cmd["attributes"], cmd["region"] or _home_region(catalog))


def get_guide(project_code, identity, session):
    """The project's own flowchart: its catalog version, its attributes, its progress."""
    project = readable_project(session, project_code, identity)
    catalog = catalog_version(session, project.catalog_version)
    declared = set(session.execute(select(DeclarationRow.stage)
                                   .where(DeclarationRow.project_code == project_code)).scalars())
    flow = guide.build(catalog, project.category, project.attributes, project.region, declared_stages=declared,
                       concluded_stages=concluded_stages(session, project_code),
                       licences=valid_licences(session, project_code))
    return {"project_code": project.project_code, "project_name": project.name, **flow}


# ------------------------------------------------------------------------------- window documents
def _next_document_no(session, kind, region, year):
    _insert_ignoring_conflict(session, DocumentCounterRow.__table__, {"kind": kind, "region": region, "year": year,
                                                                      "last_sequence": 0})
    counter = session.execute(select(DocumentCounterRow).where(
        DocumentCounterRow.kind == kind, DocumentCounterRow.region == region, DocumentCounterRow.year == year)
        .with_for_update().execution_options(populate_existing=True)).scalar_one()
    counter.last_sequence += 1
    return documents.document_number(kind, region, year, counter.last_sequence)


def issue_document(session, kind, project, today, facts, declaration_id=None, case_id=None, event_id=None):
    row = WindowDocumentRow(id=str(uuid.uuid4()), kind=kind,
                            document_no=_next_document_no(session, kind, project.region, today.year),
                            project_code=project.project_code, declaration_id=declaration_id, case_id=case_id,
                            event_id=event_id, facts=facts, issued_on=today)
    session.add(row)
    session.flush()
    return row


def document_view(row, losses=()):
    return {"document_id": row.id, "kind": row.kind, "title": window.TITLES[row.kind], "document_no": row.document_no,
            "project_code": row.project_code, "declaration_id": row.declaration_id, "case_id": row.case_id,
            "issued_on": row.issued_on,
            "loss": ({"loss_statement_material_id": losses[0].loss_statement_material_id,
                      "identity_copy_material_id": losses[0].identity_copy_material_id,
                      "recorded_by": losses[0].recorded_by, "recorded_at": losses[0].recorded_at}
                     if losses else None)}


def _department_name(catalog, code):
    department = catalog.departments.get(code)
    return department.name if department else code


def issue_case_document(envelope, uow, consumer, kind, calendar, supplement_days, today):
    """The notice the window hands out when a department decides on acceptance (002 §7).

    A deemed acceptance (002 §7(二)) is decided by the platform after the 2 working days lapsed:
    its notice is issued `today` and states the earlier acceptance date (the day of receipt)."""
    if not uow.first_time(envelope, consumer):
        return None
    session = uow.session
    p = envelope.payload
    _add_case_fact(session, envelope)
    if kind == window.COMPLETION and not window.issues_completion_notice(p.get("outcome")):
        return None
    project = session.get(ProjectRow, envelope.project_code)
    if project is None:
        raise NotFound(f"项目 {envelope.project_code} 不存在")
    catalog = catalog_version(session, project.catalog_version)
    common = {"project_name": project.name, "applicant": window.applicant_label(project.applicant_org),
              "stage": p["stage"], "item_name": p["item_name"],
              "department": _department_name(catalog, p["department"]), "issued_on": p["on"].isoformat()}
    issued_on = p["on"]
    if kind == window.ACCEPTANCE:
        resumed = envelope.type == "case.supplement_accepted"
        deemed = bool(p.get("deemed"))
        if deemed:
            issued_on = max(today, p["on"])
            common["issued_on"] = issued_on.isoformat()
        due_on = p.get("due_on")
        facts = {**common, "accepted_on": p["on"].isoformat(), "resumed": resumed, "deemed": deemed,
                 "items": [{"name": p["item_name"], "department": common["department"],
                            "limit_days": p.get("limit_days") or _item_limit(catalog, project.category, p),
                            "due_on": due_on.isoformat() if due_on else None}]}
    elif kind == window.SUPPLEMENT:
        try:
            due_on = calendar.add_working_days(p["on"], supplement_days).isoformat()
        except CalendarNotLoaded:
            due_on = None
        facts = {**common, "materials": window.supplement_materials(p.get("opinion")), "due_on": due_on}
    elif kind == window.DISAPPROVAL:
        facts = {**common, "reasons": window.disapproval_reasons(p.get("opinion")), "decided_on": p["on"].isoformat()}
    elif kind == window.COMPLETION:
        licence = session.execute(select(LicenceRow.licence_no).where(LicenceRow.case_id == p["case_id"])
                                  .order_by(LicenceRow.issued_on.desc())).first()
        acceptance = session.execute(select(WindowDocumentRow.document_no).where(
            WindowDocumentRow.case_id == p["case_id"], WindowDocumentRow.kind == window.ACCEPTANCE)
            .order_by(WindowDocumentRow.issued_at)).first()
        facts = {**common, "concluded_on": p["on"].isoformat(), "licence_no": licence[0] if licence else None,
                 "acceptance_no": acceptance[0] if acceptance else None}
    else:
        facts = {**common, "reasons": window.refusal_reasons(p.get("opinion")), "authority": window.DEFAULT_AUTHORITY}
    return issue_document(session, kind, project, issued_on, facts, case_id=p["case_id"], event_id=envelope.event_id)


def _add_case_fact(session, envelope):
    p = envelope.payload
    _insert_ignoring_conflict(session, CaseFactRow.__table__, dict(
        event_id=envelope.event_id, type=envelope.type, case_id=p["case_id"], project_code=envelope.project_code,
        stage=p["stage"], item_name=p["item_name"], department=p["department"], on=p["on"],
        opinion=p.get("opinion") or "", occurred_at=envelope.occurred_at, recorded_at=utcnow()))


def record_case_fact(envelope, uow, consumer):
    """A decision on a case that needs no document from the window, kept so the window knows where the
    case stands (returned, withdrawn)."""
    if not uow.first_time(envelope, consumer):
        return False
    _add_case_fact(uow.session, envelope)
    return True


def _item_limit(catalog, category, payload):
    for item in catalog.category(category).stage(payload["stage"]).items:
        if item.code == payload["item_code"]:
            return item.limit_days
    return ""


def _losses(session, document_id):
    return session.execute(select(DocumentLossRow).where(DocumentLossRow.document_id == document_id)).scalars().all()


def list_documents(project_code, identity, session):
    readable_project(session, project_code, identity)
    rows = session.execute(select(WindowDocumentRow).where(WindowDocumentRow.project_code == project_code)
                           .order_by(WindowDocumentRow.issued_at, WindowDocumentRow.document_no)).scalars().all()
    return [document_view(row, _losses(session, row.id)) for row in rows]


def render_document(row):
    facts = dict(row.facts)
    common = {"document_no": row.document_no, "project_code": row.project_code,
              "project_name": facts["project_name"], "applicant": facts["applicant"]}
    if row.kind == window.VOUCHER:
        return documents.registration_voucher(**common, stage=facts["stage"], materials=facts["materials"],
                                              received_on=facts["received_on"], channel=facts["channel"],
                                              registered_by=facts["registered_by"],
                                              subject=facts.get("subject", "申请材料"),
                                              form_summary=facts.get("summary"))
    if row.kind == window.ACCEPTANCE:
        return documents.acceptance_notice(**common, stage=facts["stage"], items=facts["items"],
                                           accepted_on=facts["accepted_on"], resumed=facts["resumed"],
                                           deemed=facts.get("deemed", False), issued_on=facts.get("issued_on"))
    if row.kind == window.SUPPLEMENT:
        window.require_due_date(facts)
        return documents.supplement_notice(**common, item_name=facts["item_name"], department=facts["department"],
                                           materials=facts["materials"], due_on=facts["due_on"],
                                           issued_on=facts["issued_on"])
    if row.kind == window.DISAPPROVAL:
        return documents.disapproval_decision(**common, item_name=facts["item_name"], department=facts["department"],
                                              reasons=facts["reasons"], decided_on=facts["decided_on"],
                                              issued_on=facts["issued_on"])
    if row.kind == window.COMPLETION:
        return documents.completion_notice(**common, stage=facts["stage"], item_name=facts["item_name"],
                                           department=facts["department"], concluded_on=facts["concluded_on"],
                                           licence_no=facts.get("licence_no"), acceptance_no=facts.get("acceptance_no"),
                                           issued_on=facts["issued_on"])
    return documents.refusal_decision(**common, item_name=facts["item_name"], department=facts["department"],
                                      reasons=facts["reasons"], authority=facts["authority"],
                                      issued_on=facts["issued_on"])


def get_document(document_id, identity, session):
    row = session.get(WindowDocumentRow, document_id)
    if row is None:
        raise NotFound(f"文书 {document_id} 不存在")
    readable_project(session, row.project_code, identity)
    return {**document_view(row, _losses(session, row.id)), "content_type": "application/pdf",
            "content": render_document(row)}


def report_lost_notice(document_id, cmd, identity, uow):
    """002 §24: a lost acceptance notice; the window records the sealed loss statement and the identity
    copy it received, both uploaded as materials of the project."""
    session = uow.session
    row = session.execute(select(WindowDocumentRow).where(WindowDocumentRow.id == document_id)
                          .with_for_update()).scalar_one_or_none()
    if row is None:
        raise NotFound(f"文书 {document_id} 不存在")
    window.can_report_loss(row.kind, _losses(session, row.id))
    errors = []
    for field in ("loss_statement_material_id", "identity_copy_material_id"):
        material = session.get(MaterialRow, cmd[field])
        if material is None or material.project_code != row.project_code:
            errors.append({"field": field, "message": "不是本项目的材料"})
    if errors:
        raise ValidationFailed("遗失登记材料不正确", errors)
    session.add(DocumentLossRow(document_id=row.id, recorded_by=identity.sub, **cmd))
    session.flush()
    return document_view(row, _losses(session, row.id))


def get_checklist(project_code, stage, identity, session):
    """The stage's materials for this project: already uploaded (offered again), attached by the
    platform, or still missing."""
    flow = get_guide(project_code, identity, session)
    materials = session.execute(select(MaterialRow).where(MaterialRow.project_code == project_code)
                                .order_by(MaterialRow.created_at)).scalars().all()
    uploaded = {m.name: {"material_id": m.id, "version": m.versions[-1].version, "sha256": m.versions[-1].sha256}
                for m in materials if m.versions}
    return {"project_code": project_code, "stage": stage, "materials": guide.checklist(flow, stage, uploaded)}


# ------------------------------------------------------------------------------- supplements (002 §8)
def submission_view(row, voucher):
    return {"submission_id": row.id, "project_code": row.project_code, "case_id": row.case_id,
            "declaration_id": row.declaration_id, "materials": row.materials, "note": row.note,
            "submitted_by": row.submitted_by, "submitted_at": row.submitted_at, "submitted_on": row.submitted_on,
            "voucher": document_view(voucher)}


def submit_supplement(project_code, cmd, identity, uow, today):
    """002 §8: the supplement asked for is handed in through the window, registered with a voucher and
    passed on to the department (``supplement.submitted``); the department then accepts it."""
    session = uow.session
    # The project row lock serialises submissions of one project across replicas.
    project = actionable_project(session, project_code, identity, lock=True)
    facts = session.execute(select(CaseFactRow).where(CaseFactRow.case_id == cmd["case_id"])
                            .order_by(CaseFactRow.occurred_at, CaseFactRow.id)).scalars().all()
    request = supplement.waiting_request(project_code, cmd["case_id"], [
        {"type": f.type, "project_code": f.project_code, "event_id": f.event_id, "row": f} for f in facts])["row"]
    supplement.check_not_submitted(session.execute(select(SupplementSubmissionRow.id).where(
        SupplementSubmissionRow.request_event_id == request.event_id)).first())
    materials = _declared_materials(session, project_code, cmd["material_ids"])
    declaration_id = session.execute(select(DeclarationRow.id).where(
        DeclarationRow.project_code == project_code, DeclarationRow.stage == request.stage)
        .order_by(DeclarationRow.submitted_at.desc()).limit(1)).scalar()
    catalog = catalog_version(session, project.catalog_version)
    notice = session.execute(select(WindowDocumentRow.document_no).where(
        WindowDocumentRow.event_id == request.event_id)).scalar()
    summary = {"补正事项": request.item_name, "审批部门": _department_name(catalog, request.department),
               "补正通知书": notice or "", "补正说明": cmd.get("note") or ""}
    voucher = issue_document(session, window.VOUCHER, project, today, declaration_id=declaration_id,
                             case_id=request.case_id, facts={
                                 "project_name": project.name, "applicant": window.applicant_label(project.applicant_org),
                                 "stage": request.stage, "received_on": today.isoformat(),
                                 "registered_by": identity.name or identity.sub,
                                 "channel": "综合窗口" if identity.role == "clerk" else "网上申报",
                                 "subject": "补齐补正材料", "summary": {k: v for k, v in summary.items() if v},
                                 "materials": voucher_materials(session, materials)})
    row = SupplementSubmissionRow(id=str(uuid.uuid4()), project_code=project_code, case_id=request.case_id,
                                  request_event_id=request.event_id, declaration_id=declaration_id,
                                  materials=materials, note=cmd.get("note") or "", voucher_id=voucher.id,
                                  submitted_by=identity.sub, submitted_role=identity.role, submitted_on=today)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("该补正通知的材料正在同时提交，请刷新后查看") from None
    uow.emit(new_event("supplement.submitted", source=SOURCE, project_code=project_code, actor=identity.actor(),
                       payload={"case_id": request.case_id, "declaration_id": declaration_id, "stage": request.stage,
                                "materials": materials, "submitted_on": today, "note": row.note,
                                "document_no": voucher.document_no}))
    return submission_view(row, voucher)


# ------------------------------------------------------------------------------- licences of earlier stages
def valid_licences(session, project_code):
    """The project's licences that are not revoked: results the platform attaches to later
    declarations so the applicant is never asked for them (000 §7)."""
    revoked = select(LicenceRevocationRow.licence_id)
    rows = session.execute(select(LicenceRow).where(LicenceRow.project_code == project_code,
                                                    LicenceRow.licence_id.not_in(revoked))
                           .order_by(LicenceRow.issued_on, LicenceRow.licence_no)).scalars()
    return [{"licence_id": r.licence_id, "licence_no": r.licence_no, "item_code": r.item_code,
             "item_name": r.item_name} for r in rows]


def record_licence_issued(envelope, uow, consumer):
    if not uow.first_time(envelope, consumer):
        return False
    p = envelope.payload
    inserted = _insert_ignoring_conflict(uow.session, LicenceRow.__table__, dict(
        licence_id=p["licence_id"], project_code=envelope.project_code, case_id=p["case_id"],
        item_code=p["item_code"], item_name=p["item_name"], licence_no=p["licence_no"],
        department=p["department"], issued_on=p["issued_on"], event_id=envelope.event_id))
    return inserted.rowcount == 1


def record_licence_revoked(envelope, uow, consumer):
    if not uow.first_time(envelope, consumer):
        return False
    p = envelope.payload
    inserted = _insert_ignoring_conflict(uow.session, LicenceRevocationRow.__table__, dict(
        licence_id=p["licence_id"], reason=p["reason"], revoked_on=p["revoked_on"], event_id=envelope.event_id))
    return inserted.rowcount == 1


# ------------------------------------------------------------------------------- stage conclusions
def record_stage_concluded(envelope, uow, consumer):
    """``stage.concluded``: the next stage becomes open to declaration. Idempotent by event id, and by
    (project, stage) for a conclusion that arrives twice under different event ids."""
    if not uow.first_time(envelope, consumer):
        return False
    payload = envelope.payload
    session = uow.session
    exists = session.execute(select(StageConclusionRow.id).where(
        StageConclusionRow.project_code == envelope.project_code,
        StageConclusionRow.stage == payload["stage"])).first()
    if exists:
        return False
    session.add(StageConclusionRow(project_code=envelope.project_code, stage=payload["stage"],
                                   declaration_id=payload["declaration_id"],
                                   concluded_on=payload["concluded_on"], event_id=envelope.event_id))
    session.flush()
    return True
