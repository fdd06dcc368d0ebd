"""The AsyncAPI document of the platform's events, generated from ``contracts.EVENTS``.

``python -m platform_kit.asyncapi > docs/asyncapi.yaml``; a test keeps the committed file equal
to what the contract says, so the published documentation cannot drift from the code.
"""
import sys

import yaml
from marshmallow import fields, validate

from platform_kit import contracts

PUBLISHERS = {
    "catalog.loaded": "intake",
    "project.registered": "intake", "material.uploaded": "intake", "declaration.submitted": "intake",
    "project.updated": "intake", "material.verified": "intake", "supplement.submitted": "intake",
    "project.query_code_issued": "intake", "document.issued": "intake",
    "project.boundary_recorded": "intake", "intermediary_service.recorded": "intake",
    "intermediary_service.withdrawn": "intake",
    "stage.opened": "stage", "case.accepted": "stage", "case.reviewed": "stage", "case.approved": "stage",
    "case.disapproved": "stage", "case.concluded": "stage", "stage.concluded": "stage",
    "case.supplement_requested": "stage", "case.supplement_accepted": "stage", "case.refused": "stage",
    "case.not_required": "stage", "case.returned": "stage", "case.resubmitted": "stage",
    "case.withdrawn": "stage", "case.lapsed": "stage", "case.recalled": "stage",
    "case.special_handled": "stage",
    "stage.extended": "stage", "stage.paused": "stage", "stage.resumed": "stage",
    "stage.clock_recomputed": "stage", "calendar.year_loaded": "stage",
    "licence.issued": "certificate", "licence.revoked": "certificate", "licence.superseded": "certificate",
    "licence.expired": "certificate", "licence.handed_over": "certificate", "seal.rotated": "certificate",
    "consultation.opened": "consult", "consultation.replied": "consult",
    "consultation.lapsed": "consult", "consultation.closed": "consult",
    "joint_review.convened": "consult", "joint_review.answered": "consult", "joint_review.no_answer": "consult",
    "joint_review.concluded": "consult",
    "guidance.requested": "consult", "guidance.scheduled": "consult", "guidance.answered": "consult",
    "guidance.listed": "consult", "guidance.flagged": "consult", "guidance.closed": "consult",
    "guidance.published": "consult",
    "complaint.filed": "supervision", "complaint.assigned": "supervision", "complaint.concluded": "supervision",
    "accountability.recorded": "supervision",
    "notification.requested": "supervision",
    "urge.sent": "supervision", "alert.raised": "supervision",
}


def field_schema(field):
    if isinstance(field, fields.Nested):
        schema = object_schema(field.schema)
    elif isinstance(field, fields.List):
        schema = {"type": "array", "items": field_schema(field.inner)}
    elif isinstance(field, fields.Boolean):
        schema = {"type": "boolean"}
    elif isinstance(field, fields.Integer):
        schema = {"type": "integer"}
    elif isinstance(field, fields.Number):
        schema = {"type": "number"}
    elif isinstance(field, fields.AwareDateTime):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(field, fields.Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, fields.UUID):
        schema = {"type": "string", "format": "uuid"}
    elif isinstance(field, fields.Dict):
        schema = {"type": "object"}
    else:
        schema = {"type": "string"}
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            schema["enum"] = list(validator.choices)
        elif isinstance(validator, validate.Range):
            if validator.min is not None:
                schema["minimum"] = validator.min
            if validator.max is not None:
                schema["maximum"] = validator.max
        elif isinstance(validator, validate.Length) and schema.get("type") == "string":
            if validator.equal is not None:
                schema["minLength"] = schema["maxLength"] = validator.equal
            else:
                if validator.min is not None:
                    schema["minLength"] = validator.min
                if validator.max is not None:
                    schema["maxLength"] = validator.max
        elif isinstance(validator, validate.Length):
            if validator.min is not None:
                schema["minItems"] = validator.min
    if field.allow_none:
        schema = {"oneOf": [schema, {"type": "null"}]}
    return schema


def object_schema(schema):
    props, required = {}, []
    for name, field in schema.fields.items():
        props[name] = field_schema(field)
        if field.required:
            required.append(name)
    out = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


def document():
    channels, messages, schemas = {}, {}, {}
    schemas["Envelope"] = object_schema(contracts.EnvelopeSchema())
    schemas["MessageHeaders"] = {"type": "object", "properties": {
        "event_type": {"type": "string", "description": "The event's type (also the routing key)."},
        "nameko.request_id": {"type": "string", "maxLength": 128, "description": (
            "The request id of the work that emitted the event (the HTTP request's X-Request-Id, or one "
            "the service made): handlers log it and pass it on with the events they emit. Optional.")}}}
    for event_type, versions in contracts.EVENTS.items():
        source = PUBLISHERS[event_type]
        refs = []
        for version, schema_class in versions.items():
            name = f"{event_type.replace('.', '_')}_v{version}"
            schemas[name] = object_schema(schema_class())
            messages[name] = {
                "name": event_type, "title": f"{event_type} v{version}", "contentType": "application/json",
                "summary": (schema_class.__doc__ or "").strip() or f"{event_type}, version {version}",
                "headers": {"$ref": "#/components/schemas/MessageHeaders"},
                "payload": {"allOf": [{"$ref": "#/components/schemas/Envelope"}, {
                    "type": "object", "properties": {
                        "type": {"const": event_type}, "version": {"const": version},
                        "source": {"const": source},
                        "payload": {"$ref": f"#/components/schemas/{name}"}}}]},
            }
            refs.append({"$ref": f"#/components/messages/{name}"})
        channels[event_type] = {
            "address": event_type,
            "description": f"Topic exchange `{source}.events`, routing key `{event_type}`.",
            "messages": {m["$ref"].rsplit("/", 1)[1]: m for m in refs},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": f"{source}.events", "type": "topic", "durable": True, "autoDelete": False}}},
        }
    operations = {f"publish_{t.replace('.', '_')}": {
        "action": "send", "channel": {"$ref": f"#/channels/{t}"},
        "summary": f"{PUBLISHERS[t]} publishes {t}"} for t in contracts.EVENTS}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "工程建设项目审批管理系统 events", "version": "1.0.0", "description": (
            "Events of the construction-project approval platform. Each is a fact in the past tense, "
            "delivered at least once: subscribers must be idempotent by `event_id`. A payload may gain "
            "fields within a version; a breaking change gets a new version.")},
        "defaultContentType": "application/json",
        "channels": channels, "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render():
    return yaml.safe_dump(document(), allow_unicode=True, sort_keys=False, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())
