"""The window's documents (综合窗口文书, :mod:`intake.domain.window`): issued from the facts they state,
drawn as PDF and sealed once, when issued; the sealed file is kept and served as it is."""
import hashlib
import logging
import uuid

from intake.domain import window
from intake.domain.model import CaseFact, ConsultationRequest, Document, DocumentLoss
from intake.handlers.common import SOURCE, catalog_version, department_name, page_answer, readable_project
from intake.render import documents
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import NotFound, ValidationFailed
from platform_kit.times import utcnow

log = logging.getLogger(__name__)


def issue_document(uow, kind, project, today, facts, declaration_id=None, case_id=None, event_id=None,
                   fact_key=None):
    """A new document for the project, numbered per region, kind and year."""
    sequence = uow.documents.next_sequence(kind, project.region, today.year)
    document = Document(id=str(uuid.uuid4()), kind=kind,
                        document_no=documents.document_number(kind, project.region, today.year, sequence),
                        project_code=project.project_code, declaration_id=declaration_id, case_id=case_id,
                        event_id=event_id, facts=facts, issued_on=today, fact_key=fact_key)
    uow.documents.add(document)
    # 002 §22: the applicant is told on the platform that the document is ready
    uow.emit(new_event("document.issued", source=SOURCE, project_code=project.project_code, actor=Actor.SYSTEM,
                       payload={"document_id": document.id, "kind": kind, "title": window.TITLES[kind],
                                "document_no": document.document_no, "applicant_org": project.applicant_org,
                                "region": project.region, "issued_on": today, "declaration_id": declaration_id,
                                "case_id": case_id}))
    seal_document(uow, document)
    return document


def seal_document(uow, document):
    """Draw the document, seal it (004 §16) and keep the sealed PDF: (content, sealed_at)."""
    content = render_document(document)
    return uow.documents.keep_sealed(document.id, content, hashlib.sha256(content).hexdigest(), utcnow())


def document_view(document, losses=()):
    return {"document_id": document.id, "kind": document.kind, "title": window.TITLES[document.kind],
            "document_no": document.document_no, "project_code": document.project_code,
            "declaration_id": document.declaration_id, "case_id": document.case_id, "issued_on": document.issued_on,
            "loss": ({"loss_statement_material_id": losses[0].loss_statement_material_id,
                      "identity_copy_material_id": losses[0].identity_copy_material_id,
                      "recorded_by": losses[0].recorded_by, "recorded_at": losses[0].recorded_at}
                     if losses else None)}


def _case_fact(envelope):
    p = envelope.payload
    return CaseFact(event_id=envelope.event_id, type=envelope.type, case_id=p["case_id"],
                    project_code=envelope.project_code, stage=p["stage"], item_name=p["item_name"],
                    department=p["department"], on=p["on"], opinion=p.get("opinion") or "",
                    occurred_at=envelope.occurred_at, region=p.get("region"))


def _item_limit(catalog, category, payload):
    for item in catalog.category(category).stage(payload["stage"]).items:
        if item.code == payload["item_code"]:
            return item.limit_days
    return ""


def issue_case_document(envelope, uow, consumer, kind, supplement_days, today):
    """The notice the window hands out when a department decides on acceptance (002 §7).

    A deemed acceptance (002 §7(二)) is decided by the platform after the 2 working days lapsed:
    its notice is issued `today` and states the earlier acceptance date (the day of receipt). A
    supplement notice states its date to submit by, counted with the platform's calendar; when that
    date falls in a year whose schedule is not loaded yet it is an estimate, and says so."""
    if not uow.first_time(envelope, consumer):
        return None
    p = envelope.payload
    uow.case_facts.add(_case_fact(envelope))
    if kind == window.COMPLETION and not window.issues_completion_notice(p.get("outcome")):
        return None
    fact_key = window.case_document_fact(kind, envelope.type, p)
    if uow.documents.of_fact(fact_key) is not None:   # the same decision told again under a new event id
        log.warning("%s of %s already issued for this fact; event %s issues nothing", kind, p["case_id"],
                    envelope.event_id)
        return None
    project = uow.projects.get(envelope.project_code)
    if project is None:
        raise NotFound(f"项目 {envelope.project_code} 不存在")
    catalog = catalog_version(uow, project.catalog_version)
    common = {"project_name": project.name, "applicant": window.applicant_label(project.applicant_org, project.applicant_name),
              "stage": p["stage"], "item_name": p["item_name"],
              "department": department_name(catalog, p["department"]), "issued_on": p["on"].isoformat()}
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
        due_on, estimated = window.supplement_due(uow.calendar.current(), p["on"], supplement_days)
        facts = {**common, "materials": window.supplement_materials(p.get("opinion")), "due_on": due_on.isoformat(),
                 "due_estimated": estimated}
    elif kind == window.DISAPPROVAL:
        facts = {**common, "reasons": window.disapproval_reasons(p.get("opinion")), "decided_on": p["on"].isoformat()}
    elif kind == window.RETURN:
        facts = {**common, "reasons": window.return_reasons(p.get("opinion")), "returned_on": p["on"].isoformat(),
                 "round": p.get("round")}
    elif kind == window.NOT_REQUIRED:
        facts = {**common, "reasons": window.not_required_reasons(p.get("opinion")), "decided_on": p["on"].isoformat()}
    elif kind == window.COMPLETION:
        licence = uow.licences.latest_of_case(p["case_id"])
        acceptance = uow.documents.first_of_case(p["case_id"], window.ACCEPTANCE)
        facts = {**common, "concluded_on": p["on"].isoformat(), "licence_no": licence.licence_no if licence else None,
                 "acceptance_no": acceptance.document_no if acceptance else None}
    else:
        facts = {**common, "reasons": window.refusal_reasons(p.get("opinion")), "authority": window.DEFAULT_AUTHORITY}
    return issue_document(uow, kind, project, issued_on, facts, case_id=p["case_id"], event_id=envelope.event_id,
                          fact_key=fact_key)


def record_case_fact(envelope, uow, consumer):
    """A decision on a case that needs no document from the window, kept so the window knows where the
    case stands (withdrawn)."""
    if not uow.first_time(envelope, consumer):
        return False
    uow.case_facts.add(_case_fact(envelope))
    return True


def record_consultation(envelope, uow, consumer):
    """consultation.opened: each department asked, in the asking department's region, may read the
    project from now on until the consultation is countersigned (once per event)."""
    if not uow.first_time(envelope, consumer) or not envelope.project_code:
        return False
    p = envelope.payload
    for department in dict.fromkeys(p["asked_of"]):
        uow.consultations.add(ConsultationRequest(
            event_id=str(envelope.event_id), consultation_id=p["consultation_id"],
            project_code=envelope.project_code, case_id=p.get("case_id"), department=department,
            occurred_at=envelope.occurred_at, region=p.get("region")))
    return True


def close_consultation(envelope, uow, consumer):
    """consultation.closed, once per event: the departments asked no longer read the project through
    the consultation; since version 2 (closed by the countersign, 办结会签) the countersign record
    (会签意见书) goes to the applicant through the window (001 二). Returns the record, if issued."""
    if not uow.first_time(envelope, consumer) or not envelope.project_code:
        return None
    p = envelope.payload
    uow.consultations.close(p["consultation_id"], envelope.project_code, p["closed_on"], str(envelope.event_id))
    if envelope.version < 2:
        return None
    return issue_countersign_record(envelope, uow)


def issue_countersign_record(envelope, uow):
    """The countersign record (会签意见书) of a consultation.closed (version 2) for the applicant."""
    p = envelope.payload
    project = uow.projects.get(envelope.project_code)
    if project is None:
        raise NotFound(f"项目 {envelope.project_code} 不存在")
    catalog = catalog_version(uow, project.catalog_version)
    known = uow.case_facts.of_case(p["case_id"]) if p.get("case_id") else []
    fact = known[-1] if known else None
    facts = {"project_name": project.name,
             "applicant": window.applicant_label(project.applicant_org, project.applicant_name),
             "item_name": fact.item_name if fact else "部门意见征询", "department": department_name(catalog, p["asked_by"]),
             "question": p["question"], "opened_on": p["opened_on"].isoformat(), "due_on": p["due_on"].isoformat(),
             "summary": p["summary"], "closed_on": p["closed_on"].isoformat(), "issued_on": p["closed_on"].isoformat(),
             "replies": [{"department": department_name(catalog, r["department"]),
                          "kind": window.OPINION_KIND_NAMES.get(r["opinion_kind"], r["opinion_kind"]),
                          "opinion": r["opinion"], "conditions": r.get("conditions") or "",
                          "replied_on": r["replied_on"].isoformat()} for r in p["replies"]]}
    return issue_document(uow, window.COUNTERSIGN, project, p["closed_on"], facts, case_id=p.get("case_id"),
                          event_id=envelope.event_id)


def issue_joint_review_minutes(envelope, uow, consumer):
    """joint_review.concluded: the joint review minutes (会审纪要) for the applicant, once per event
    (002 §14–§17): every answer, the departments that failed to answer, minutes and conclusion."""
    if not uow.first_time(envelope, consumer) or not envelope.project_code:
        return None
    p = envelope.payload
    project = uow.projects.get(envelope.project_code)
    if project is None:
        raise NotFound(f"项目 {envelope.project_code} 不存在")
    catalog = catalog_version(uow, project.catalog_version)

    def kind_of(answer):
        if not answer["on_time"]:
            return window.JOINT_REVIEW_NO_ANSWER
        return window.OPINION_KIND_NAMES.get(answer["opinion_kind"], answer["opinion_kind"])

    facts = {"project_name": project.name,
             "applicant": window.applicant_label(project.applicant_org, project.applicant_name),
             "joint_review_id": p["joint_review_id"], "kind": p["kind"], "stage": p["stage"],
             "convened_by": department_name(catalog, p["convened_by"]), "subject": p["subject"],
             "meeting_on": p["meeting_on"].isoformat(), "place": p.get("place") or "", "online": p["online"],
             "opened_on": p["opened_on"].isoformat(), "due_on": p["due_on"].isoformat(),
             "minutes": p["minutes"], "conclusion": p["conclusion"], "closed_on": p["closed_on"].isoformat(),
             "issued_on": p["closed_on"].isoformat(),
             "failed_to_answer": [department_name(catalog, d) for d in p.get("failed_to_answer") or ()],
             "answers": [{"department": department_name(catalog, a["department"]), "kind": kind_of(a),
                          "opinion": a["opinion"], "conditions": a.get("conditions") or "",
                          "answered_on": a["answered_on"].isoformat(), "on_time": a["on_time"]}
                         for a in p["answers"]]}
    return issue_document(uow, window.JOINT_REVIEW_MINUTES, project, p["closed_on"], facts,
                          event_id=envelope.event_id)


def list_documents(project_code, page, identity, uow):
    """One page of the documents the window issued for the project, oldest first. `page`: {limit, offset}."""
    readable_project(uow, project_code, identity)
    found = uow.documents.page(project_code, page["limit"], page["offset"])
    losses = uow.documents.losses([d.id for d in found.items])
    return page_answer(found, [document_view(d, losses[d.id]) for d in found.items])


def list_my_documents(page, identity, uow):
    """An applicant's inbox: the documents the window issued for its own projects, newest first, each
    with its project's name. `page`: {limit, offset}."""
    identity.require("applicant")
    if not identity.org:
        return {"items": [], "total": 0, "limit": page["limit"], "offset": page["offset"]}
    found = uow.documents.page_of_organisation(identity.org, page["limit"], page["offset"])
    losses = uow.documents.losses([d.id for d, _ in found.items])
    return page_answer(found, [{**document_view(d, losses[d.id]), "project_name": name} for d, name in found.items])


def render_document(document):
    facts = dict(document.facts)
    common = {"document_no": document.document_no, "project_code": document.project_code,
              "project_name": facts["project_name"], "applicant": facts["applicant"]}
    if document.kind == window.VOUCHER:
        return documents.registration_voucher(**common, stage=facts["stage"], materials=facts["materials"],
                                              received_on=facts["received_on"], channel=facts["channel"],
                                              registered_by=facts["registered_by"],
                                              subject=facts.get("subject", "申请材料"),
                                              form_summary=facts.get("summary"))
    if document.kind == window.ACCEPTANCE:
        return documents.acceptance_notice(**common, stage=facts["stage"], items=facts["items"],
                                           accepted_on=facts["accepted_on"], resumed=facts["resumed"],
                                           deemed=facts.get("deemed", False), issued_on=facts.get("issued_on"))
    if document.kind == window.SUPPLEMENT:
        window.require_due_date(facts)
        return documents.supplement_notice(**common, item_name=facts["item_name"], department=facts["department"],
                                           materials=facts["materials"], due_on=facts["due_on"],
                                           due_estimated=facts.get("due_estimated", False),
                                           issued_on=facts["issued_on"])
    if document.kind == window.DISAPPROVAL:
        return documents.disapproval_decision(**common, item_name=facts["item_name"], department=facts["department"],
                                              reasons=facts["reasons"], decided_on=facts["decided_on"],
                                              issued_on=facts["issued_on"])
    if document.kind == window.COMPLETION:
        return documents.completion_notice(**common, stage=facts["stage"], item_name=facts["item_name"],
                                           department=facts["department"], concluded_on=facts["concluded_on"],
                                           licence_no=facts.get("licence_no"), acceptance_no=facts.get("acceptance_no"),
                                           issued_on=facts["issued_on"])
    if document.kind == window.RETURN:
        return documents.return_notice(**common, stage=facts["stage"], item_name=facts["item_name"],
                                       department=facts["department"], reasons=facts["reasons"],
                                       returned_on=facts["returned_on"], issued_on=facts["issued_on"])
    if document.kind == window.NOT_REQUIRED:
        return documents.not_required_notice(**common, stage=facts["stage"], item_name=facts["item_name"],
                                             department=facts["department"], reasons=facts["reasons"],
                                             decided_on=facts["decided_on"], issued_on=facts["issued_on"])
    if document.kind == window.COUNTERSIGN:
        return documents.countersign_record(**common, item_name=facts["item_name"], department=facts["department"],
                                            question=facts["question"], opened_on=facts["opened_on"],
                                            due_on=facts["due_on"], replies=facts["replies"],
                                            summary=facts["summary"], closed_on=facts["closed_on"],
                                            issued_on=facts["issued_on"])
    if document.kind == window.JOINT_REVIEW_MINUTES:
        return documents.joint_review_minutes(
            **common, kind=facts["kind"], stage=facts["stage"], convened_by=facts["convened_by"],
            subject=facts["subject"], meeting_on=facts["meeting_on"], place=facts["place"], online=facts["online"],
            opened_on=facts["opened_on"], due_on=facts["due_on"], answers=facts["answers"],
            failed_to_answer=facts["failed_to_answer"], minutes=facts["minutes"], conclusion=facts["conclusion"],
            closed_on=facts["closed_on"], issued_on=facts["issued_on"])
    return documents.refusal_decision(**common, item_name=facts["item_name"], department=facts["department"],
                                      reasons=facts["reasons"], authority=facts["authority"],
                                      issued_on=facts["issued_on"])


def _document(uow, document_id, lock=False):
    document = uow.documents.get(document_id, lock=lock)
    if document is None:
        raise NotFound(f"文书 {document_id} 不存在")
    return document


def get_document(document_id, identity, uow):
    document = _document(uow, document_id)
    readable_project(uow, document.project_code, identity)
    # documents issued before their sealed PDF was kept are sealed (and kept) at their first download
    content, _ = uow.documents.sealed(document.id) or seal_document(uow, document)
    return {**document_view(document, uow.documents.losses([document.id])[document.id]),
            "content_type": "application/pdf", "content": content}


def report_lost_notice(document_id, cmd, identity, uow):
    """002 §24: a lost acceptance notice; the window records the sealed loss statement and the identity
    copy it received, both uploaded as materials of the project."""
    document = _document(uow, document_id, lock=True)
    window.can_report_loss(document.kind, uow.documents.losses([document.id])[document.id])
    errors = []
    for field in ("loss_statement_material_id", "identity_copy_material_id"):
        material = uow.materials.get(cmd[field])
        if material is None or material.project_code != document.project_code:
            errors.append({"field": field, "message": "不是本项目的材料"})
    if errors:
        raise ValidationFailed("遗失登记材料不正确", errors)
    uow.documents.add_loss(DocumentLoss(document_id=document.id, recorded_by=identity.sub, **cmd))
    return document_view(document, uow.documents.losses([document.id])[document.id])
