"""Wire formats of the intake service's RPC methods.

The formats the gateway reads too are defined once in :mod:`platform_kit.wire.intake`; the ones
only this service reads (material uploads, file contents) are here.
"""
import base64

from marshmallow import fields, validate

from platform_kit.contracts import STAGES
from platform_kit.wire import Body
from platform_kit.wire.intake import (  # noqa: F401  (the service's wire formats, one definition)
    CODE, DAYS, REGION, CatalogIn, CatalogLoaded, CategoryIn, ChecklistMaterialOut, ChecklistOut,
    DeclarationOut, DeclaredInOut, DeclaredItemOut, DeclaredMaterialOut, DepartmentIn, DocumentContentOut,
    DocumentListOut, DocumentLossOut, DocumentOut, DraftBody, DraftOut, FormFieldIn, GuideItemOut,
    GuideMaterialOut, GuideOut, GuideStageOut, ItemIn, MaterialChannel, MaterialListOut, MaterialOut,
    MaterialVersionOut, MyDocumentListOut, MyDocumentOut, NamedOut, PreviewGuide, ProjectFilters, ProjectListOut,
    ProjectOut, PushProject, ReissueQueryCode, RegisterProject, ReportLostNotice,
    StageIn, SubmitDeclaration, SubmitSupplement, SupplementOut, VerificationOut, VerifyMaterial)


# ------------------------------------------------------------------------------- materials
class UploadMaterial(MaterialChannel):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content_type = fields.String(required=True)
    content_base64 = fields.String(required=True, validate=validate.Length(min=1))
    material_id = fields.String(load_default=None, allow_none=True)


class StreamedUpload(MaterialChannel):
    """Metadata of a streamed upload: query parameters ``name``, ``material_id``, ``channel``,
    ``copies`` and ``pages`` (as ``paper_copies``, ``paper_pages``), header Content-Type."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content_type = fields.String(required=True)
    material_id = fields.String(load_default=None, allow_none=True)


class MaterialVersionRef(Body):
    material_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class MaterialContentOut(MaterialVersionOut):
    content_base64 = fields.Function(lambda d: base64.b64encode(d["content"]).decode())


class StageArg(Body):
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
