"""What intake keeps, as plain records: the repositories (``intake.adapters.repositories``) map
table rows to these and back, so use cases and their rules never see a row or a session.

Timestamps and generated ids the database fills in (``registered_at``, ``uploaded_at``, ...) are
``None`` on a record until a repository has added it.
"""
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class CatalogVersion:
    version: int
    data: dict
    sha256: str
    loaded_by: str
    loaded_at: datetime | None = None


@dataclass
class Project:
    project_code: str
    name: str
    category: str
    region: str
    applicant_org: str
    attributes: dict
    catalog_version: int
    source: str                 # online | window | investment_platform
    registered_by: str
    registered_at: datetime | None = None
    applicant_name: str | None = None   # the construction unit's name (not known for older projects)


@dataclass
class QueryCode:
    """A query code (查询码) issued for a project: only its digest is kept (platform_kit.query_code)."""
    project_code: str
    digest: str
    issued_by: str
    issued_role: str
    issued_on: date
    issued_at: datetime | None = None
    reason: str | None = None


@dataclass
class ProjectRevision:
    """One accepted push of a project, as received (000 §3)."""
    project_code: str
    revision: int
    name: str
    attributes: dict
    received: dict
    pushed_by: str
    pushed_at: datetime | None = None


@dataclass
class MaterialVersion:
    material_id: str
    version: int
    sha256: str
    size: int
    content_type: str
    storage_key: str
    uploaded_by: str
    channel: str = "electronic"
    paper_copies: int | None = None
    paper_pages: int | None = None
    uploaded_at: datetime | None = None


@dataclass
class Material:
    id: str
    project_code: str
    name: str
    created_by: str
    created_at: datetime | None = None
    versions: list = field(default_factory=list)   # [MaterialVersion], oldest first

    @property
    def latest(self):
        return self.versions[-1] if self.versions else None


@dataclass
class Verification:
    """First-entry verification of a material version (000 §11)."""
    material_id: str
    version: int
    department: str
    case_id: str
    verified_by: str
    verified_on: date
    verified_at: datetime | None = None


@dataclass
class Declaration:
    id: str
    project_code: str
    stage: str
    catalog_version: int
    lead_department: str
    stage_limit_days: int
    form: dict
    materials: list
    items: list
    licences: list
    submitted_by: str
    submitted_role: str
    submitted_on: date
    submitted_at: datetime | None = None
    guidance_list_id: str | None = None   # the one-time notification list it was prepared with (003 §11)


@dataclass
class Draft:
    project_code: str
    stage: str
    form: dict
    material_ids: list
    revision: int
    saved_by: str
    saved_at: datetime | None = None
    declaration_id: str | None = None


@dataclass
class Document:
    """A document the window issued, kept as the facts it is drawn from."""
    id: str
    kind: str
    document_no: str
    project_code: str
    facts: dict
    issued_on: date
    declaration_id: str | None = None
    case_id: str | None = None
    event_id: str | None = None
    issued_at: datetime | None = None
    fact_key: str | None = None   # what a case document states (window.case_document_fact): one document each


@dataclass
class DocumentLoss:
    document_id: str
    loss_statement_material_id: str
    identity_copy_material_id: str
    recorded_by: str
    recorded_at: datetime | None = None


@dataclass
class CaseFact:
    """A decision on a case the stage service announced."""
    event_id: str
    type: str
    case_id: str
    project_code: str
    stage: str
    item_name: str
    department: str
    on: date
    opinion: str
    occurred_at: datetime
    recorded_at: datetime | None = None
    region: str | None = None   # the case's region (known for facts recorded since it is kept)


@dataclass
class ConsultationRequest:
    """A department asked for its opinion on a project (consultation.opened), one row per department;
    `region` is the asking department's (the departments asked in that region, or a territory
    containing it, are the ones asked)."""
    event_id: str
    consultation_id: str
    project_code: str
    case_id: str | None
    department: str
    occurred_at: datetime
    recorded_at: datetime | None = None
    region: str | None = None


@dataclass
class SupplementSubmission:
    id: str
    project_code: str
    case_id: str
    request_event_id: str
    declaration_id: str | None
    materials: list
    note: str
    voucher_id: str
    submitted_by: str
    submitted_role: str
    submitted_on: date
    submitted_at: datetime | None = None


@dataclass
class Licence:
    licence_id: str
    project_code: str
    case_id: str
    item_code: str
    item_name: str
    licence_no: str
    department: str
    issued_on: date
    event_id: str


@dataclass
class LicenceRevocation:
    licence_id: str
    reason: str
    revoked_on: date
    event_id: str


@dataclass
class StageConclusion:
    project_code: str
    stage: str
    declaration_id: str
    concluded_on: date
    event_id: str


@dataclass(frozen=True)
class Page:
    """One page of a list, with the size of the whole list."""
    items: list
    total: int
    limit: int
    offset: int
