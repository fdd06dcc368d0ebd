"""nameko entrypoints of the intake service: load → handler → dump, nothing else."""
import base64
import binascii
import json

from nameko.dependency_providers import Config
from platform_kit.rpc import rpc
from sqlalchemy import text
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from intake import handlers, project_records
from intake.adapters.http import CHUNK, body_chunks, content_disposition
from platform_kit import http_port
from platform_kit.http_port import HeaderAuth, http
from intake.adapters.orm import metadata
from intake.adapters.repositories import repositories
from intake.adapters.storage import MaterialStorage, chunks_of
from intake.domain import window
from intake.handlers.guidance import record_guide_entry, record_guidance_list
from intake.render.flowchart import flowchart_svg
from intake.render.sealing import WindowSeals
from intake.schemas import (CatalogIn, CatalogLoaded, ChecklistOut, DeclarationOut, DocumentContentOut, DocumentOut,
                            DocumentListOut, DraftOut, GuideOut, MaterialContentOut, MaterialListOut,
                            MaterialVersionOut, MaterialVersionRef, MyDocumentListOut, PreviewGuide, ProjectFilters,
                            ProjectListOut, ProjectOut, PushProject, ReissueQueryCode,
                            RegisterProject, ReportLostNotice, StageArg, StreamedUpload, SubmitDeclaration,
                            SubmitSupplement, SupplementOut, UploadMaterial, VerifyMaterial)
from platform_kit.bus import event_handler
from platform_kit.wire import PageFilters
from platform_kit.calendar import today_in_shanghai
from platform_kit.calendar_store import store_loaded_year
from platform_kit.db import Database
from platform_kit.errors import EXPECTED_ERRORS, ValidationFailed
from platform_kit.identity import APPLICANT, CLERK, OFFICER, OPERATOR, Auth
from platform_kit.metrics import Metrics
from platform_kit.validation import load

# the answer schemas of the frequent calls, built once: dumping keeps no state between calls (a worker
# does not yield while it dumps)
PROJECT_OUT, MATERIAL_VERSION_OUT, DECLARATION_OUT = ProjectOut(), MaterialVersionOut(), DeclarationOut()
# and the schemas of the frequent commands: loading keeps no state between calls either
REGISTER_PROJECT, STREAMED_UPLOAD, SUBMIT_DECLARATION = RegisterProject(), StreamedUpload(), SubmitDeclaration()


def decode_base64(value):
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("材料内容不是有效的 Base64 编码", [
            {"field": "content_base64", "message": "不是有效的 Base64 编码"}]) from None


class IntakeService(http_port.HttpPortHealth, project_records.ProjectRecords):
    name = "intake"

    db = Database(metadata, repositories=repositories)
    auth = Auth()
    metrics = Metrics()
    storage = MaterialStorage()
    http_auth = HeaderAuth()
    config = Config()
    window_seals = WindowSeals()   # the seal on the window's documents (SEAL_PKI_DIR)

    # ------------------------------------------------------------------ catalog
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def load_catalog(self, data):
        identity = self.auth.identity(OPERATOR)
        cmd = load(CatalogIn(), data, detail="审批事项目录格式不正确")
        with self.db.unit_of_work() as uow:
            result = handlers.load_catalog(cmd, identity, uow)
        return CatalogLoaded().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_catalog(self, version=None):
        # public: the published guide is for everyone (003 §6)
        with self.db.reading() as uow:
            return handlers.get_catalog(uow, version)

    # ------------------------------------------------------------------ projects
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def register_project(self, data):
        identity = self.auth.identity(APPLICANT, CLERK)
        cmd = load(REGISTER_PROJECT, data)
        with self.db.unit_of_work() as uow:
            result = handlers.register_project(cmd, identity, uow, today_in_shanghai())
        return PROJECT_OUT.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def push_project(self, data):
        identity = self.auth.identity(OPERATOR)
        cmd = load(PushProject(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.push_project(cmd, identity, uow)
        return PROJECT_OUT.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_projects(self, filters=None):
        identity = self.auth.identity()
        cmd = load(ProjectFilters(), filters or {}, detail="查询条件不正确")
        with self.db.reading() as uow:
            result = handlers.list_projects(cmd, identity, uow)
        return ProjectListOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reissue_query_code(self, project_code, data):
        identity = self.auth.identity(CLERK)
        cmd = load(ReissueQueryCode(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.reissue_query_code(project_code, cmd, identity, uow, today_in_shanghai())
        return PROJECT_OUT.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_project(self, project_code):
        identity = self.auth.identity()
        with self.db.reading() as uow:
            result = handlers.get_project(project_code, identity, uow)
        return PROJECT_OUT.dump(result)

    # ------------------------------------------------------------------ materials
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def upload_material(self, project_code, data):
        identity = self.auth.identity(APPLICANT, CLERK, OFFICER)
        cmd = load(UploadMaterial(), data)
        content = decode_base64(cmd["content_base64"])
        return MATERIAL_VERSION_OUT.dump(self._upload(project_code, cmd, identity, lambda: chunks_of(content)))

    @http("POST", "/projects/<string:project_code>/materials", expected_exceptions=EXPECTED_ERRORS)
    def upload_material_stream(self, request, project_code):
        """Streamed upload: body = the file, Content-Type = its type,
        ?name=...&material_id=...&channel=electronic|paper&copies=..&pages=.. (paper: window clerk only)"""
        identity = self.http_auth.identity(request, APPLICANT, CLERK, OFFICER)
        args = {"name": request.args.get("name"), "content_type": request.mimetype,
                "material_id": request.args.get("material_id")}
        for field, param in (("channel", "channel"), ("paper_copies", "copies"), ("paper_pages", "pages")):
            if request.args.get(param) not in (None, ""):
                args[field] = request.args.get(param)
        cmd = load(STREAMED_UPLOAD, args)
        result = self._upload(project_code, cmd, identity, lambda: body_chunks(request))
        return Response(json.dumps(MATERIAL_VERSION_OUT.dump(result), ensure_ascii=False), status=201,
                        mimetype="application/json")

    def _upload(self, project_code, cmd, identity, chunks):
        """Refuse before any byte is stored, stage the bytes (`chunks()`), record the version."""
        with self.db.reading() as uow:
            handlers.check_upload(project_code, cmd, identity, uow)
        with self.storage.staged(chunks(), cmd["content_type"]) as staged:
            staged.guard = self._remove_if_unreferenced
            with self.db.unit_of_work() as uow:
                return handlers.upload_material(project_code, cmd, identity, uow, staged, today_in_shanghai())

    def _remove_if_unreferenced(self, key, delete):
        with self.db.unit_of_work() as uow:
            handlers.remove_content_if_unreferenced(uow, key, delete)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_materials(self, project_code, filters=None):
        identity = self.auth.identity()
        page = load(PageFilters(), filters or {}, detail="分页参数不正确")
        with self.db.reading() as uow:
            result = handlers.list_materials(project_code, page, identity, uow)
        return MaterialListOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_material_content(self, material_id, version):
        identity = self.auth.identity()
        ref = load(MaterialVersionRef(), {"material_id": material_id, "version": version})
        limit = int(self.config.get("MATERIAL_RPC_MAX_BYTES") or 8 * 1024 * 1024)
        with self.db.reading() as uow:
            view = handlers.material_content(ref["material_id"], ref["version"], identity, uow, self.storage, limit)
        return MaterialContentOut().dump({**view, "content": handlers.read_content(self.storage, view)})

    @http("GET", "/materials/<string:material_id>/versions/<int(signed=True):version>/content", expected_exceptions=EXPECTED_ERRORS)
    def download_material(self, request, material_id, version):
        """Streamed download of one stored version (any size)."""
        identity = self.http_auth.identity(request)
        with self.db.reading() as uow:
            view = handlers.material_content(material_id, version, identity, uow, self.storage, None)
        return Response(wrap_file(request.environ, self.storage.open(view["storage_key"]), CHUNK),
                        mimetype=view["content_type"], direct_passthrough=True,
                        headers={"Content-Length": str(view["size"]), "ETag": f'"{view["sha256"]}"',
                                 "Content-Disposition": content_disposition(view)})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def verify_material(self, material_id, version, data):
        identity = self.auth.identity(OFFICER)
        ref = load(MaterialVersionRef(), {"material_id": material_id, "version": version})
        cmd = load(VerifyMaterial(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.verify_material(ref["material_id"], ref["version"], cmd, identity, uow,
                                              today_in_shanghai())
        return MATERIAL_VERSION_OUT.dump(result)

    # ------------------------------------------------------------------ declarations
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def submit_declaration(self, project_code, data):
        identity = self.auth.identity(APPLICANT, CLERK)
        cmd = load(SUBMIT_DECLARATION, data)
        with self.db.unit_of_work() as uow:
            result = handlers.submit_declaration(project_code, cmd, identity, uow, today_in_shanghai())
        return DECLARATION_OUT.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def save_draft(self, project_code, data):
        identity = self.auth.identity(APPLICANT, CLERK)
        cmd = load(SubmitDeclaration(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.save_draft(project_code, cmd, identity, uow)
        return DraftOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_draft(self, project_code, stage):
        identity = self.auth.identity()
        cmd = load(StageArg(), {"stage": stage})
        with self.db.reading() as uow:
            result = handlers.get_draft(project_code, cmd["stage"], identity, uow)
        return DraftOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def submit_draft(self, project_code, stage):
        identity = self.auth.identity(APPLICANT, CLERK)
        cmd = load(StageArg(), {"stage": stage})
        with self.db.unit_of_work() as uow:
            result = handlers.submit_draft(project_code, cmd["stage"], identity, uow, today_in_shanghai())
        return DECLARATION_OUT.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def submit_supplement(self, project_code, data):
        identity = self.auth.identity(APPLICANT, CLERK)
        cmd = load(SubmitSupplement(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.submit_supplement(project_code, cmd, identity, uow, today_in_shanghai())
        return SupplementOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_declaration(self, declaration_id):
        identity = self.auth.identity()
        with self.db.reading() as uow:
            result = handlers.get_declaration(declaration_id, identity, uow)
        return DECLARATION_OUT.dump(result)

    # ------------------------------------------------------------------ guide
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def preview_guide(self, data):
        # public: the published guide is for everyone (003 §6)
        cmd = load(PreviewGuide(), data)
        with self.db.reading() as uow:
            result = handlers.preview_guide(cmd, uow)
        return GuideOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_guide(self, project_code):
        identity = self.auth.identity()
        with self.db.reading() as uow:
            result = handlers.get_guide(project_code, identity, uow)
        return GuideOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_checklist(self, project_code, stage):
        identity = self.auth.identity()
        cmd = load(StageArg(), {"stage": stage})
        with self.db.reading() as uow:
            result = handlers.get_checklist(project_code, cmd["stage"], identity, uow)
        return ChecklistOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_guide_svg(self, project_code):
        identity = self.auth.identity()
        with self.db.reading() as uow:
            result = handlers.get_guide(project_code, identity, uow)
        return flowchart_svg(GuideOut().dump(result))

    # ------------------------------------------------------------------ window documents
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_documents(self, project_code, filters=None):
        identity = self.auth.identity()
        page = load(PageFilters(), filters or {}, detail="分页参数不正确")
        with self.db.reading() as uow:
            result = handlers.list_documents(project_code, page, identity, uow)
        return DocumentListOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_my_documents(self, filters=None):
        identity = self.auth.identity(APPLICANT)
        page = load(PageFilters(), filters or {}, detail="分页参数不正确")
        with self.db.reading() as uow:
            result = handlers.list_my_documents(page, identity, uow)
        return MyDocumentListOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_document(self, document_id):
        identity = self.auth.identity()
        with self.db.unit_of_work() as uow:   # writes only a document's first sealed PDF
            result = handlers.get_document(document_id, identity, uow)
        return DocumentContentOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def report_lost_notice(self, document_id, data):
        identity = self.auth.identity(CLERK)
        cmd = load(ReportLostNotice(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.report_lost_notice(document_id, cmd, identity, uow)
        return DocumentOut().dump(result)

    def _case_document(self, envelope, kind, consumer):
        supplement_days = int(self.config.get("SUPPLEMENT_DUE_WORKING_DAYS") or 10)
        with self.db.unit_of_work() as uow:
            handlers.issue_case_document(envelope, uow, consumer, kind, supplement_days, today_in_shanghai())

    @event_handler("stage", "case.accepted")
    def on_case_accepted(self, envelope):
        self._case_document(envelope, window.ACCEPTANCE, "intake.on_case_accepted")

    @event_handler("stage", "case.supplement_accepted")
    def on_case_supplement_accepted(self, envelope):
        self._case_document(envelope, window.ACCEPTANCE, "intake.on_case_supplement_accepted")

    @event_handler("stage", "case.supplement_requested")
    def on_case_supplement_requested(self, envelope):
        self._case_document(envelope, window.SUPPLEMENT, "intake.on_case_supplement_requested")

    @event_handler("stage", "case.refused")
    def on_case_refused(self, envelope):
        self._case_document(envelope, window.REFUSAL, "intake.on_case_refused")

    @event_handler("stage", "case.disapproved")
    def on_case_disapproved(self, envelope):
        # 002 §9, 000 §13: the disapproval and its reasons reach the applicant through the window
        self._case_document(envelope, window.DISAPPROVAL, "intake.on_case_disapproved")

    @event_handler("stage", "case.concluded")
    def on_case_concluded(self, envelope):
        # 002 §22: the applicant is told that the licence is ready at the window
        self._case_document(envelope, window.COMPLETION, "intake.on_case_concluded")

    @event_handler("stage", "case.returned")
    def on_case_returned(self, envelope):
        # 000 §12: the return and its reasons reach the applicant through the window (退件通知书)
        self._case_document(envelope, window.RETURN, "intake.on_case_returned")

    @event_handler("stage", "case.not_required")
    def on_case_not_required(self, envelope):
        # 002 §7(四): the applicant is told the item needs no licence (无需办理告知书)
        self._case_document(envelope, window.NOT_REQUIRED, "intake.on_case_not_required")

    @event_handler("stage", "case.withdrawn")
    def on_case_withdrawn(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.record_case_fact(envelope, uow, "intake.on_case_withdrawn")

    # ------------------------------------------------------------------ events
    @event_handler("consult", "consultation.opened")
    def on_consultation_opened(self, envelope):
        # the departments asked may read the project they are asked about (least privilege, 002 §35)
        with self.db.unit_of_work() as uow:
            handlers.record_consultation(envelope, uow, "intake.on_consultation_opened")

    @event_handler("consult", "consultation.closed")
    def on_consultation_closed(self, envelope):
        # 001 二: the departments asked read the project no longer, and the combined opinion goes
        # back to the applicant through the window
        with self.db.unit_of_work() as uow:
            handlers.close_consultation(envelope, uow, "intake.on_consultation_closed")

    @event_handler("consult", "joint_review.concluded")
    def on_joint_review_concluded(self, envelope):
        # 002 §14–§17: the joint review's minutes and conclusion go to the applicant through the window
        with self.db.unit_of_work() as uow:
            handlers.issue_joint_review_minutes(envelope, uow, "intake.on_joint_review_concluded")

    @event_handler("consult", "guidance.published")
    def on_guidance_published(self, envelope):
        # 003 §6, §15: the lead department's FAQ entries and common-error examples join the item's guide
        with self.db.unit_of_work() as uow:
            record_guide_entry(envelope, uow, "intake.on_guidance_published")

    @event_handler("consult", "guidance.listed")
    def on_guidance_listed(self, envelope):
        # the applicant names the one-time notification list in the stage's declaration (003 §11(四))
        with self.db.unit_of_work() as uow:
            record_guidance_list(envelope, uow, "intake.on_guidance_listed")

    @event_handler("certificate", "licence.issued")
    def on_licence_issued(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.record_licence_issued(envelope, uow, consumer="intake.on_licence_issued")

    @event_handler("certificate", "licence.revoked")
    def on_licence_revoked(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.record_licence_revoked(envelope, uow, consumer="intake.on_licence_revoked")

    @event_handler("stage", "stage.concluded")
    def on_stage_concluded(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.record_stage_concluded(envelope, uow, consumer="intake.on_stage_concluded")

    @event_handler("stage", "calendar.year_loaded")
    def on_calendar_year_loaded(self, envelope):
        # one calendar for the platform: supplement deadlines count with the operator's loads
        with self.db.unit_of_work() as uow:
            store_loaded_year(envelope, uow, "intake.calendar_year_loaded")

    @rpc
    def health(self):
        with self.db.read() as session:
            session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}
