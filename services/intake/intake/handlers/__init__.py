"""Use cases of the intake service: a command and a unit of work in, a plain dict out.

Each use case reads and writes through the repositories of the unit of work (``uow.projects``,
``uow.materials``, ...: :mod:`intake.adapters.repositories`), reads included (``db.reading()``).
One module per section: catalog, projects, materials, declarations and drafts, guide, window
documents, supplements, licences and stage conclusions.
"""
from intake.handlers.catalog import get_catalog, load_catalog
from intake.handlers.common import SOURCE, catalog_version
from intake.handlers.declarations import get_declaration, get_draft, save_draft, submit_declaration, submit_draft
from intake.handlers.documents import (close_consultation, get_document, issue_case_document,
                                       issue_countersign_record, issue_joint_review_minutes, list_documents,
                                       list_my_documents, record_case_fact,
                                       record_consultation, render_document, report_lost_notice)
from intake.handlers.guide import get_checklist, get_guide, preview_guide
from intake.handlers.licences import (record_licence_issued, record_licence_revoked, record_stage_concluded,
                                      valid_licences)
from intake.handlers.materials import (check_upload, list_materials, material_content, read_content,
                                       remove_content_if_unreferenced, upload_material, verify_material)
from intake.handlers.projects import get_project, list_projects, push_project, register_project, reissue_query_code
from intake.handlers.supplements import submit_supplement

__all__ = ["SOURCE", "catalog_version", "load_catalog", "get_catalog", "register_project", "push_project",
           "get_project", "list_projects", "reissue_query_code", "list_my_documents", "check_upload", "upload_material", "remove_content_if_unreferenced", "list_materials",
           "material_content", "read_content", "verify_material", "submit_declaration", "get_declaration",
           "save_draft", "get_draft", "submit_draft", "preview_guide", "get_guide", "get_checklist",
           "issue_case_document", "close_consultation", "issue_countersign_record", "issue_joint_review_minutes",
           "record_case_fact", "record_consultation", "list_documents", "get_document",
           "render_document", "report_lost_notice", "submit_supplement", "valid_licences", "record_licence_issued",
           "record_licence_revoked", "record_stage_concluded"]
