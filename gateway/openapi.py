"""The OpenAPI 3.0 document, generated from the route table and the marshmallow schemas."""
import re

from marshmallow import INCLUDE, fields

from gateway import schemas
from gateway.problems import HTTP_TITLES

FIELD_TYPES = (
    (fields.Integer, {"type": "integer"}),
    (fields.Float, {"type": "number"}),
    (fields.Number, {"type": "number"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.Email, {"type": "string", "format": "email"}),
    (fields.String, {"type": "string"}),
    (fields.Dict, {"type": "object"}),
)


def field_schema(field, components):
    if isinstance(field, fields.Nested):
        out = {"$ref": component(type(field.schema), components)}
    elif isinstance(field, fields.List):
        out = {"type": "array", "items": field_schema(field.inner, components)}
    else:
        out = next((dict(spec) for kind, spec in FIELD_TYPES if isinstance(field, kind)), {})
        if isinstance(field, fields.Dict) and field.value_field is not None:
            out["additionalProperties"] = field_schema(field.value_field, components)
    for key in ("type", "format", "description", "example", "enum"):
        if key in field.metadata:
            out[key] = field.metadata[key]
    for validator in field.validators:
        for attr, name in (("choices", "enum"), ("min", "minLength"), ("max", "maxLength"),
                           ("equal", "minLength"), ("regex", "pattern")):
            value = getattr(validator, attr, None)
            if value is None or "$ref" in out:
                continue
            if name == "enum":
                out["enum"] = list(value)
            elif name == "pattern":
                out["pattern"] = value.pattern
            elif out.get("type") == "string" and isinstance(value, int):
                out[name] = value
                if attr == "equal":
                    out["maxLength"] = value
            elif out.get("type") in ("integer", "number"):
                out["minimum" if attr == "min" else "maximum"] = value
    if field.allow_none and "$ref" not in out:
        out["nullable"] = True
    return out


def component(schema_cls, components):
    name = schema_cls.__name__
    if name not in components:
        components[name] = {}  # placeholder against recursion
        instance = schema_cls()
        properties = {key: field_schema(f, components) for key, f in instance.fields.items()}
        body = {"type": "object", "properties": properties,
                "additionalProperties": instance.unknown == INCLUDE}
        required = [key for key, f in instance.fields.items() if f.required]
        if required:
            body["required"] = required
        if schema_cls.__doc__:
            body["description"] = schema_cls.__doc__.strip().splitlines()[0]
        components[name] = body
    return f"#/components/schemas/{name}"


def problem_response(status, components):
    return {"description": HTTP_TITLES.get(status, "错误"),
            "content": {"application/problem+json": {"schema": {"$ref": component(schemas.ProblemOut,
                                                                                  components)}}}}


def operation_doc(op, components):
    doc = {"operationId": op.id, "summary": op.summary, "tags": [op.tag or op.service]}
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer" if converter == "int" else "string"}}
                  for name, converter in re.findall(r"{(\w+)(?::(\w+))?}", op.path)]
    parameters += [{"name": q.name, "in": "query", "required": False, "schema": {"type": q.type},
                    **({"description": q.description} if q.description else {})} for q in op.query]
    if op.idempotent:
        parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "description": "同一键、同一请求重试时返回首次结果；同一键用于不同请求时 422",
                           "schema": {"type": "string", "maxLength": 200}})
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        media = "multipart/form-data" if op.multipart else "application/json"
        doc["requestBody"] = {"required": True, "content": {media: {"schema": {"$ref": component(op.body,
                                                                                                components)}}}}
    if op.status == 204:
        success = {"description": "完成"}
    else:
        if op.media == "binary":
            schema = {"type": "string", "format": "binary"}
        elif op.media != "application/json":
            schema = {"type": "string"}
        elif op.response is None:
            schema = {"type": "object"}
        elif op.listing:
            schema = {"type": "object", "required": ["items", "limit", "offset"], "properties": {
                "items": {"type": "array", "items": {"$ref": component(op.response, components)}},
                "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}}}
        else:
            schema = {"$ref": component(op.response, components)}
        media = "application/octet-stream" if op.media == "binary" else op.media
        success = {"description": "成功", "content": {media: {"schema": schema}}}
    responses = {str(op.status): success}
    if op.created_outcome:
        responses["201"] = dict(success, description="首次创建")
    statuses = set(op.errors) | ({401} if not op.public else set())
    if op.service != "gateway":
        statuses |= {502, 503, 504}
    for status in sorted(statuses):
        responses[str(status)] = problem_response(status, components)
    doc["responses"] = responses
    if op.public:
        doc["security"] = []
    return doc


def build(operations, version="0.1.0"):
    components, paths = {}, {}
    for op in operations:
        path = re.sub(r"{(\w+):\w+}", r"{\1}", op.path)
        paths.setdefault(path, {})[op.method.lower()] = operation_doc(op, components)
    return {
        "openapi": "3.0.3",
        "info": {"title": "工程建设项目审批管理系统 API", "version": version,
                 "description": "所有错误均以 application/problem+json 返回；列表接口支持 limit/offset 分页。"},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "bearerFormat": "JWT"}}},
    }
