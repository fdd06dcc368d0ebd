"""The OpenAPI 3.1 document (its schemas are JSON Schema 2020-12), generated from the route table and the marshmallow schemas.

Every limit a schema's validators enforce is stated (lengths, ranges, patterns, choices); request
bodies refuse unknown fields (``additionalProperties: false``), answers list the fields a service
dumps. A schema's component is named after its class; two classes of the same name (e.g. intake's
and supervision's) are told apart by their module's last name.
"""
import json
import re
import sys
from pathlib import Path

from marshmallow import fields, missing, validate

from gateway import schemas
from gateway.idempotency import KEY_PATTERN, MAX_KEY_LENGTH
from gateway.problems import HTTP_TITLES
from platform_kit.wire import Body

FIELD_TYPES = (
    (fields.Integer, {"type": "integer"}),
    (fields.Float, {"type": "number"}),
    (fields.Number, {"type": "number"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.Date, {"type": "string", "format": "date"}),          # a Date is a kind of DateTime: first
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Email, {"type": "string", "format": "email"}),
    (fields.String, {"type": "string"}),
    (fields.Dict, {"type": "object"}),
)
METADATA = ("type", "format", "description", "example", "enum")


class Components:
    """The document's ``components/schemas``, one entry per schema class."""

    def __init__(self):
        self.schemas, self.names = {}, {}

    def ref(self, schema_cls):
        name = self.names.get(schema_cls)
        if name is None:
            name = schema_cls.__name__
            if name in self.schemas:
                name = schema_cls.__module__.rsplit(".", 1)[-1].title() + name
            self.names[schema_cls] = name
            self.schemas[name] = {}  # placeholder against recursion
            self.schemas[name] = schema_doc(schema_cls, self)
        return {"$ref": f"#/components/schemas/{name}"}


def schema_doc(schema_cls, components):
    instance = schema_cls()
    body = {"type": "object",
            "properties": {key: field_schema(f, components) for key, f in instance.fields.items()}}
    if issubclass(schema_cls, Body):
        body["additionalProperties"] = False
    required = [key for key, f in instance.fields.items() if f.required]
    if required:
        body["required"] = required
    if schema_cls.__doc__:
        body["description"] = schema_cls.__doc__.strip().splitlines()[0]
    return body


def field_schema(field, components):
    if isinstance(field, fields.Nested):
        ref = components.ref(type(field.schema))
        return {"anyOf": [ref, {"type": "null"}]} if field.allow_none else ref
    if isinstance(field, fields.List):
        out = {"type": "array", "items": field_schema(field.inner, components)}
    else:
        out = next((dict(spec) for kind, spec in FIELD_TYPES if isinstance(field, kind)), {})
        if isinstance(field, fields.Dict) and field.value_field is not None:
            out["additionalProperties"] = field_schema(field.value_field, components)
    out.update({key: field.metadata[key] for key in METADATA if key in field.metadata})
    for validator in field.validators:
        out.update(limits(validator, out.get("type")))
    default = field.load_default
    if default is not missing and not callable(default):
        out["default"] = default
    if field.allow_none:
        out = nullable(out)
    return out


def nullable(schema):
    """JSON Schema 2020-12 (OpenAPI 3.1): null is one more allowed type, and one more enum value."""
    schema = dict(schema)
    kind = schema.get("type")
    if kind is None:
        return {"anyOf": [schema, {"type": "null"}]}
    schema["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def limits(validator, kind):
    """What `validator` enforces, in JSON Schema words."""
    if isinstance(validator, validate.OneOf):
        return {"enum": list(validator.choices)}
    if isinstance(validator, validate.Regexp):  # marshmallow matches at the start; JSON Schema searches
        pattern = validator.regex.pattern
        return {"pattern": pattern if pattern.startswith("^") else "^" + pattern}
    if isinstance(validator, validate.Length):
        low, high = ("minItems", "maxItems") if kind == "array" else ("minLength", "maxLength")
        if validator.equal is not None:
            return {low: validator.equal, high: validator.equal}
        return {key: value for key, value in ((low, validator.min), (high, validator.max)) if value is not None}
    if isinstance(validator, validate.Range):
        out = {}
        if validator.min is not None:
            out["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
        if validator.max is not None:
            out["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
        return out
    return {}


def problem_response(status, components):
    return {"description": HTTP_TITLES.get(status, "错误"),
            "content": {"application/problem+json": {"schema": components.ref(schemas.ProblemOut)}}}


def page_schema(op, components):
    """A listing's answer: the service's list answer (or its items) with the page it is."""
    instance = op.response()
    if "items" in instance.fields:
        properties = {key: field_schema(f, components) for key, f in instance.fields.items()}
    else:
        properties = {"items": {"type": "array", "items": components.ref(op.response)}}
    properties.update(total={"type": "integer", "minimum": 0},
                      limit={"type": "integer", "minimum": 1, "maximum": 200},
                      offset={"type": "integer", "minimum": 0})
    return {"type": "object", "required": ["items", "total", "limit", "offset"], "properties": properties}


def success_response(op, components):
    if op.status == 204:
        return {"description": "完成"}
    if op.binary:
        content = {media: {"schema": {"type": "string", "format": "binary"}} for media in op.media}
    elif not op.json:
        content = {media: {"schema": {"type": "string"}} for media in op.media}
    elif op.response is None:
        content = {"application/json": {"schema": {"type": "object"}}}
    elif op.paged:
        content = {"application/json": {"schema": page_schema(op, components)}}
    else:
        content = {"application/json": {"schema": components.ref(op.response)}}
    return {"description": "成功", "content": content}


def parameters(op):
    constrained = {p.name: p for p in op.path_params}
    out = []
    for name, converter in re.findall(r"{(\w+)(?::(\w+))?}", op.path):
        param = constrained.get(name)
        schema = param.schema() if param else {"type": "integer" if converter == "int" else "string"}
        out.append({"name": name, "in": "path", "required": True, "schema": schema,
                    **({"description": param.description} if param and param.description else {})})
    out += [{"name": q.name, "in": "query", "required": False, "schema": q.schema(),
             **({"description": q.description} if q.description else {})} for q in op.query]
    if op.idempotent:
        out.append({"name": "Idempotency-Key", "in": "header", "required": False,
                    "description": "同一键、同一请求重试时返回首次结果（首次仍在处理时等待片刻）；"
                                   "答复为 503/504 且 type 为 .../problems/outcome-unknown（结果未知）时，"
                                   "请用同一键重试，不会重复办理；同一键用于不同请求时 422；"
                                   f"1–{MAX_KEY_LENGTH} 个可打印字符",
                    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
                               "pattern": KEY_PATTERN}})
    return out


def operation_doc(op, components):
    doc = {"operationId": op.id, "summary": op.summary, "tags": [op.tag or op.service]}
    params = parameters(op)
    if params:
        doc["parameters"] = params
    if op.body is not None:
        if op.multipart:
            form = {"schema": components.ref(op.body),
                    "encoding": {"file": {"contentType": ", ".join(op.media_in)}}} if op.media_in else {
                "schema": components.ref(op.body)}
            doc["requestBody"] = {"required": True, "content": {"multipart/form-data": form}}
        else:
            doc["requestBody"] = {"required": True,
                                  "content": {"application/json": {"schema": components.ref(op.body)}}}
    responses = {str(op.status): success_response(op, components)}
    if op.created_outcome:
        responses["201"] = dict(responses[str(op.status)], description="首次创建")
    statuses = set(op.errors) | ({401} if not op.public else set())
    if op.body is not None:
        statuses |= {408, 413, 415}  # a body too large; a body not in the media type the route takes
    if op.service != "gateway":
        statuses |= {502, 503, 504}
    for status in sorted(statuses):
        responses[str(status)] = problem_response(status, components)
    doc["responses"] = responses
    if op.public:
        doc["security"] = []
    return doc


def build(operations, version="0.1.0"):
    components, paths = Components(), {}
    for op in operations:
        path = re.sub(r"{(\w+):\w+}", r"{\1}", op.path)
        paths.setdefault(path, {})[op.method.lower()] = operation_doc(op, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "工程建设项目审批管理系统 API", "version": version,
                 "description": "所有错误均以 application/problem+json 返回；列表接口支持 limit/offset 分页。"},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {"schemas": components.schemas,
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "bearerFormat": "JWT"}}},
    }


def served():
    """The document the gateway serves at ``/openapi.json``: every operation of the route table."""
    from gateway.routes import GATEWAY_OPERATIONS, OPERATIONS
    return build(OPERATIONS + GATEWAY_OPERATIONS)


def text(document=None):
    """The document as committed in ``docs/openapi.json``: pretty-printed, keys sorted, UTF-8."""
    return json.dumps(served() if document is None else document, ensure_ascii=False, indent=2,
                      sort_keys=True) + "\n"


def main(argv=None):
    """``python -m gateway.openapi [path]``: write the served document (default ``docs/openapi.json``),
    from which the web client is generated."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path(__file__).resolve().parents[1] / "docs" / "openapi.json"
    path.write_text(text(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
