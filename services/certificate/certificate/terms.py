"""What a licence says beyond the approval (002 §18): its kind and validity, which the catalog gives
per item (catalog.loaded), and the values of the stage declaration's form that the layout of the
item's licence prints (e.g. 建设工程规划许可证: floor areas, height, floors), read from the declaration
the case's stage was opened from (declaration.submitted, stage.opened). Nothing is asked of another
service when a licence is sealed: these facts arrive as events and are kept here."""
from certificate.adapters.orm import DeclarationFormRow, LicenceRuleRow, StageDeclarationRow
from certificate.domain.licence import kind_of, printed_fields


class DeclarationNotYetKnown(RuntimeError):
    """The case's declaration has not reached this service yet: the event is retried (platform_kit.bus)."""


def record_licence_rules(session, version, rules):
    """catalog.loaded: each item's licence as the newest catalog gives it (an older catalog's event
    arriving late changes nothing)."""
    for rule in rules:
        row = session.get(LicenceRuleRow, rule["item_code"])
        if row is None:
            session.add(LicenceRuleRow(item_code=rule["item_code"], kind=rule["kind"],
                                       validity_days=rule.get("validity_days"), form_fields=rule["form_fields"],
                                       catalog_version=version))
        elif row.catalog_version < version:
            row.kind, row.validity_days = rule["kind"], rule.get("validity_days")
            row.form_fields, row.catalog_version = rule["form_fields"], version
    session.flush()


def record_declaration(envelope, uow):
    """declaration.submitted: the form as declared (kept once)."""
    p = envelope.payload
    if uow.session.get(DeclarationFormRow, p["declaration_id"]) is None:
        uow.session.add(DeclarationFormRow(declaration_id=p["declaration_id"], stage=p["stage"],
                                           form=_json(p["form"]), source_event_id=envelope.event_id))
        uow.session.flush()


def record_stage_opening(envelope, uow):
    """stage.opened: the declaration the stage (and its cases) came from (kept once)."""
    p = envelope.payload
    if uow.session.get(StageDeclarationRow, p["stage_id"]) is None:
        uow.session.add(StageDeclarationRow(stage_id=p["stage_id"], declaration_id=p["declaration_id"],
                                            source_event_id=envelope.event_id))
        uow.session.flush()


def _json(form):
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in form.items()}


def licence_terms(session, facts, configured_validity):
    """(kind, validity in days or None, [{label, value}] printed from the form) of the case's licence.

    From the item's rule in the catalog; a catalog without one: the kind read off the item's name and
    the validity from LICENCE_VALIDITY_DAYS, nothing printed from the form."""
    rule = session.get(LicenceRuleRow, facts["item_code"])
    if rule is None:
        kind = kind_of(facts["item_name"])
        return kind, configured_validity.get(kind), []
    if not rule.form_fields or not facts.get("stage_id"):
        return rule.kind, rule.validity_days, []
    opened = session.get(StageDeclarationRow, facts["stage_id"])
    declared = opened and session.get(DeclarationFormRow, opened.declaration_id)
    if declared is None:
        raise DeclarationNotYetKnown(f"stage {facts['stage_id']}: its declaration has not arrived yet")
    return rule.kind, rule.validity_days, printed_fields(rule.form_fields, declared.form)
