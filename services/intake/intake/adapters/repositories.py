"""Every query the intake use cases make, behind the unit of work (``uow.projects.get(code)``).

Rows are mapped to the records of :mod:`intake.domain.model` in the adapters only
(:mod:`intake.adapters.base`): a repository takes and returns records, never rows. What intake
learns from other services' events is kept by :mod:`intake.adapters.facts`. ``repositories(session)`` is what
``Database(metadata, repositories=...)`` calls for each unit of work.
"""
from dataclasses import fields

from sqlalchemy import bindparam, func, insert, or_, select, text

from intake.adapters.orm import (CatalogVersionRow, CodeCounterRow, DeclarationRow,
                                 DocumentLossRow, DraftRow, MaterialRow, MaterialVerificationRow, MaterialVersionRow,
                                 ProjectRevisionRow, ProjectRow, QueryCodeRow, SealedDocumentRow, WindowDocumentRow)
from intake.adapters.base import Repository, refresh, to_record, to_row
from intake.adapters.facts import (CalendarRepository, CaseFactRepository, ConsultationRequestRepository,
                                   LicenceRepository, StageConclusionRepository, SupplementRepository)
from intake.adapters.guidance_repository import GuidanceRepository
from intake.adapters.project_records import ProjectRecordRepository
from intake.domain import model
from intake.domain.catalog import Catalog
from platform_kit.db import insert_ignoring_conflict
from platform_kit.identity import region_prefix
from platform_kit.times import utcnow


# ------------------------------------------------------------------------------- catalog
# Catalog versions are immutable, so a parsed version is kept for the life of the process (keyed by
# database too: one process may serve several, as in tests).
_catalogs = {}


class CatalogRepository(Repository):
    def latest_version(self):
        return self.session.execute(select(func.max(CatalogVersionRow.version))).scalar()

    def get(self, version):
        return to_record(self.session.get(CatalogVersionRow, version), model.CatalogVersion)

    def add(self, record):
        return self._add(record, CatalogVersionRow)

    def parsed(self, version):
        """The parsed catalog of `version`, or None."""
        key = (str(self.session.get_bind().url), version)
        if key not in _catalogs:
            row = self.session.get(CatalogVersionRow, version)
            if row is None:
                return None
            _catalogs[key] = Catalog(row.data, version)
        return _catalogs[key]


# ------------------------------------------------------------------------------- projects
# The next number of a counter in one statement: the counter row is created at 1 or incremented, and
# stays locked until the transaction ends (INSERT ... ON CONFLICT DO UPDATE; PostgreSQL, SQLite).
_NEXT_PROJECT_SEQUENCE = text(
    "INSERT INTO project_code_counters (year, region, last_sequence) VALUES (:year, :region, 1) "
    "ON CONFLICT (year, region) DO UPDATE SET last_sequence = project_code_counters.last_sequence + 1 "
    "RETURNING last_sequence")
_NEXT_DOCUMENT_SEQUENCE = text(
    "INSERT INTO document_counters (kind, region, year, last_sequence) VALUES (:kind, :region, :year, 1) "
    "ON CONFLICT (kind, region, year) DO UPDATE SET last_sequence = document_counters.last_sequence + 1 "
    "RETURNING last_sequence")


# a project read, and read locked, by its code: the most frequent statements, built once
_PROJECT = select(ProjectRow).where(ProjectRow.project_code == bindparam("project_code"))
_PROJECT_LOCKED = _PROJECT.with_for_update().execution_options(populate_existing=True)


class ProjectRepository(Repository):
    def get(self, project_code, lock=False):
        query = _PROJECT_LOCKED if lock else _PROJECT
        return to_record(self.session.execute(query, {"project_code": project_code}).scalar_one_or_none(),
                         model.Project)

    def add(self, project):
        """Insert the project; False when its code is already taken (nothing stored)."""
        values = {f.name: getattr(project, f.name) for f in fields(project)}
        values["registered_at"] = values["registered_at"] or utcnow()
        if not self._insert_ignoring_conflict(ProjectRow.__table__, values):
            return False
        project.registered_at = values["registered_at"]
        return True

    def update(self, project):
        row = self.session.get(ProjectRow, project.project_code)
        row.name, row.attributes = project.name, project.attributes
        self.session.flush()

    def _counter(self, year, region):
        """The code counter of (year, region), created when missing and locked until the transaction
        ends, so no two registrations in any replica get the same number."""
        self._insert_ignoring_conflict(CodeCounterRow.__table__, {"year": year, "region": region, "last_sequence": 0})
        return self.session.execute(
            select(CodeCounterRow).where(CodeCounterRow.year == year, CodeCounterRow.region == region)
            .with_for_update().execution_options(populate_existing=True)).scalar_one()

    def next_sequence(self, year, region):
        return self.session.execute(_NEXT_PROJECT_SEQUENCE, {"year": year, "region": region}).scalar_one()

    def reserve_sequence(self, year, region, sequence):
        """A code used elsewhere (pushed): the counter never hands it out."""
        counter = self._counter(year, region)
        counter.last_sequence = max(counter.last_sequence, sequence)

    def latest_revision(self, project_code):
        return self.session.execute(select(func.max(ProjectRevisionRow.revision))
                                    .where(ProjectRevisionRow.project_code == project_code)).scalar()

    def add_revision(self, revision):
        self._add(revision, ProjectRevisionRow)

    def page(self, scope, limit, offset, q=None, category=None, region=None, source=None):
        """One page of the projects `scope` (intake.domain.project.ListingScope) shows, newest first;
        `q` a part of the name or the project code, `region` a division code or a territory."""
        if scope.nothing:
            return model.Page([], 0, limit, offset)
        query = select(ProjectRow)
        if scope.applicant_org:
            query = query.where(ProjectRow.applicant_org == scope.applicant_org)
        if scope.region_prefix:
            query = query.where(ProjectRow.region.startswith(scope.region_prefix, autoescape=True))
        if q:
            query = query.where(or_(ProjectRow.name.contains(q, autoescape=True),
                                    ProjectRow.project_code.contains(q, autoescape=True)))
        if category:
            query = query.where(ProjectRow.category == category)
        if region:
            query = query.where(ProjectRow.region.startswith(region_prefix(region) or region, autoescape=True))
        if source:
            query = query.where(ProjectRow.source == source)
        rows = self.session.execute(query.order_by(ProjectRow.registered_at.desc(), ProjectRow.project_code.desc())
                                    .limit(limit).offset(offset)).scalars()
        return model.Page([to_record(row, model.Project) for row in rows], self._count(query), limit, offset)

    def add_query_code(self, query_code):
        self._add(query_code, QueryCodeRow)

    def query_codes(self, project_code):
        """The query codes issued for the project (digests), oldest first."""
        rows = self.session.execute(select(QueryCodeRow).where(QueryCodeRow.project_code == project_code)
                                    .order_by(QueryCodeRow.issued_at, QueryCodeRow.id)).scalars()
        return [to_record(row, model.QueryCode) for row in rows]


# ------------------------------------------------------------------------------- materials
def _material(row):
    return to_record(row, model.Material, versions=[to_record(v, model.MaterialVersion) for v in row.versions])


class MaterialRepository(Repository):
    def get(self, material_id, lock=False):
        query = select(MaterialRow).where(MaterialRow.id == material_id)
        if lock:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        return _material(row) if row is not None else None

    def add(self, material):
        self._add(material, MaterialRow)

    def add_version(self, version):
        """False when that version number was taken meanwhile (an upload racing this one)."""
        return self._add(version, MaterialVersionRow)

    def version(self, material_id, version):
        return to_record(self.session.execute(select(MaterialVersionRow).where(
            MaterialVersionRow.material_id == material_id, MaterialVersionRow.version == version)).scalar(),
            model.MaterialVersion)

    def latest_version_number(self, material_id):
        return self.session.execute(select(func.max(MaterialVersionRow.version))
                                    .where(MaterialVersionRow.material_id == material_id)).scalar() or 0

    def _of_project(self, project_code):
        return select(MaterialRow).where(MaterialRow.project_code == project_code)

    def of_project(self, project_code):
        rows = self.session.execute(self._of_project(project_code).order_by(MaterialRow.created_at)).scalars()
        return [_material(row) for row in rows]

    def page(self, project_code, limit, offset):
        query = self._of_project(project_code)
        rows = self.session.execute(query.order_by(MaterialRow.created_at, MaterialRow.id)
                                    .limit(limit).offset(offset)).scalars()
        return model.Page([_material(row) for row in rows], self._count(query), limit, offset)

    def lock_content(self, key):
        """Serialise, per content address, putting content in place and removing a failed upload's.

        Held until the transaction ends (PostgreSQL; SQLite runs one writer at a time anyway). With
        it, a failed upload that created the content and an identical upload that found it never
        interleave between "is it referenced?" and "delete it"."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"material:{key}"})

    def content_referenced(self, key):
        return self.session.execute(select(MaterialVersionRow.id).where(MaterialVersionRow.storage_key == key)
                                    .limit(1)).first() is not None

    def verification(self, material_id, version):
        return to_record(self.session.execute(select(MaterialVerificationRow).where(
            MaterialVerificationRow.material_id == material_id, MaterialVerificationRow.version == version)).scalar(),
            model.Verification)

    def verifications(self, material_ids):
        """{(material_id, version): Verification} for these materials."""
        if not material_ids:
            return {}
        rows = self.session.execute(select(MaterialVerificationRow)
                                    .where(MaterialVerificationRow.material_id.in_(material_ids))).scalars()
        return {(r.material_id, r.version): to_record(r, model.Verification) for r in rows}

    def add_verification(self, verification):
        """Recorded once per version: False when another department's came first."""
        values = {f.name: getattr(verification, f.name) for f in fields(verification)}
        values["verified_at"] = values["verified_at"] or utcnow()
        return self._insert_ignoring_conflict(MaterialVerificationRow.__table__, values)


# ------------------------------------------------------------------------------- declarations and drafts
class DeclarationRepository(Repository):
    def get(self, declaration_id):
        row = self.session.get(DeclarationRow, declaration_id)
        return to_record(row, model.Declaration, licences=row.licences or []) if row is not None else None

    def add(self, declaration):
        self._add(declaration, DeclarationRow)

    def of_project(self, project_code):
        rows = self.session.execute(select(DeclarationRow).where(DeclarationRow.project_code == project_code)
                                    .order_by(DeclarationRow.submitted_at)).scalars()
        return [to_record(row, model.Declaration, licences=row.licences or []) for row in rows]

    def stages_of(self, project_code):
        return set(self.session.execute(select(DeclarationRow.stage)
                                        .where(DeclarationRow.project_code == project_code)).scalars())

    def departments_of(self, project_code):
        """{(department, region)} of the items declared for the project: each is a case of the stage
        service (the department that handles it, in the project's region)."""
        rows = self.session.execute(select(DeclarationRow.items)
                                    .where(DeclarationRow.project_code == project_code)).scalars()
        return {(item["department"], item["region"]) for items in rows for item in items or ()}

    def latest_of_stage(self, project_code, stage):
        """The id of the stage's latest declaration, or None."""
        return self.session.execute(select(DeclarationRow.id).where(
            DeclarationRow.project_code == project_code, DeclarationRow.stage == stage)
            .order_by(DeclarationRow.submitted_at.desc()).limit(1)).scalar()


class DraftRepository(Repository):
    def _row(self, project_code, stage, lock=False):
        query = select(DraftRow).where(DraftRow.project_code == project_code, DraftRow.stage == stage)
        return self.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()

    def get(self, project_code, stage, lock=False):
        return to_record(self._row(project_code, stage, lock), model.Draft)

    def save(self, draft):
        """Insert the draft or write its new revision over the saved one (a draft decides nothing)."""
        row = self._row(draft.project_code, draft.stage)
        if row is None:
            row = to_row(draft, DraftRow)
            self.session.add(row)
        else:
            for name in ("form", "material_ids", "revision", "saved_by", "saved_at", "declaration_id"):
                setattr(row, name, getattr(draft, name))
        self.session.flush()
        refresh(draft, row)


# ------------------------------------------------------------------------------- window documents
_DOCUMENT_OF_FACT = select(WindowDocumentRow).where(WindowDocumentRow.fact_key == bindparam("fact_key"))


class DocumentRepository(Repository):
    def next_sequence(self, kind, region, year):
        """The next number of (kind, region, year); the counter stays locked until the transaction ends."""
        return self.session.execute(_NEXT_DOCUMENT_SEQUENCE, {"kind": kind, "region": region, "year": year}) \
            .scalar_one()

    def add(self, document):
        """Insert the document (a plain insert: nothing of it is read back)."""
        values = {f.name: getattr(document, f.name) for f in fields(document)}
        values["issued_at"] = values["issued_at"] or utcnow()
        self.session.execute(insert(WindowDocumentRow.__table__), values)
        document.issued_at = values["issued_at"]

    def get(self, document_id, lock=False):
        query = select(WindowDocumentRow).where(WindowDocumentRow.id == document_id)
        return to_record(self.session.execute(query.with_for_update() if lock else query).scalar_one_or_none(),
                         model.Document)

    def page(self, project_code, limit, offset):
        query = select(WindowDocumentRow).where(WindowDocumentRow.project_code == project_code)
        rows = self.session.execute(query.order_by(WindowDocumentRow.issued_at, WindowDocumentRow.document_no)
                                    .limit(limit).offset(offset)).scalars()
        return model.Page([to_record(row, model.Document) for row in rows], self._count(query), limit, offset)

    def page_of_organisation(self, applicant_org, limit, offset):
        """One page of the documents issued for the projects of a construction unit, newest first, each
        with its project's name: [(Document, project name)]."""
        query = (select(WindowDocumentRow, ProjectRow.name).join(
            ProjectRow, ProjectRow.project_code == WindowDocumentRow.project_code)
            .where(ProjectRow.applicant_org == applicant_org))
        rows = self.session.execute(query.order_by(WindowDocumentRow.issued_at.desc(),
                                                   WindowDocumentRow.document_no.desc())
                                    .limit(limit).offset(offset)).all()
        return model.Page([(to_record(row, model.Document), name) for row, name in rows], self._count(query),
                          limit, offset)

    def keep_sealed(self, document_id, content, sha256, sealed_at):
        """Store the sealed PDF of a document once (a second, concurrent sealing keeps the first):
        (content, sealed_at) of the one kept."""
        inserted = insert_ignoring_conflict(self.session, SealedDocumentRow.__table__, {
            "document_id": document_id, "content": content, "sha256": sha256, "sealed_at": sealed_at},
            returning=("sealed_at",)).first()
        return (content, inserted.sealed_at) if inserted else self.sealed(document_id)

    def sealed(self, document_id):
        """(content, sealed_at) of the document's sealed PDF, or None when it has none stored."""
        row = self.session.execute(select(SealedDocumentRow.content, SealedDocumentRow.sealed_at)
                                   .where(SealedDocumentRow.document_id == document_id)).first()
        return (row.content, row.sealed_at) if row else None

    def number_of_event(self, event_id):
        """The number of the document issued for an event, or None."""
        return self.session.execute(select(WindowDocumentRow.document_no)
                                    .where(WindowDocumentRow.event_id == event_id)).scalar()

    def of_fact(self, fact_key):
        """The case document stating this fact (window.case_document_fact), or None."""
        return to_record(self.session.execute(_DOCUMENT_OF_FACT, {"fact_key": fact_key}).scalar(), model.Document)

    def first_of_case(self, case_id, kind):
        return to_record(self.session.execute(select(WindowDocumentRow).where(
            WindowDocumentRow.case_id == case_id, WindowDocumentRow.kind == kind)
            .order_by(WindowDocumentRow.issued_at).limit(1)).scalar(), model.Document)

    def losses(self, document_ids):
        """{document_id: [DocumentLoss]} for these documents."""
        found = {document_id: [] for document_id in document_ids}
        if document_ids:
            rows = self.session.execute(select(DocumentLossRow)
                                        .where(DocumentLossRow.document_id.in_(document_ids))).scalars()
            for row in rows:
                found[row.document_id].append(to_record(row, model.DocumentLoss))
        return found

    def add_loss(self, loss):
        self._add(loss, DocumentLossRow)




def repositories(session):
    return {"catalogs": CatalogRepository(session), "projects": ProjectRepository(session),
            "materials": MaterialRepository(session), "declarations": DeclarationRepository(session),
            "drafts": DraftRepository(session), "documents": DocumentRepository(session),
            "case_facts": CaseFactRepository(session), "consultations": ConsultationRequestRepository(session),
            "supplements": SupplementRepository(session),
            "licences": LicenceRepository(session), "conclusions": StageConclusionRepository(session),
            "calendar": CalendarRepository(session), "guidance": GuidanceRepository(session),
            "project_records": ProjectRecordRepository(session)}
