"""GET /openapi.json: every route, every body and answer, every limit the server enforces."""
import json
import re
from pathlib import Path

import pytest

from gateway import openapi


@pytest.fixture
def doc(client):
    return client.simulate_get("/openapi.json").json


@pytest.fixture
def app_routes(client):
    """(path template, method) of every responder the app really has."""
    routes = set()

    def walk(nodes):
        for node in nodes:
            if node.resource is not None:
                for method, responder in node.method_map.items():
                    if method != "OPTIONS" and getattr(responder, "__name__", "") != "method_not_allowed":
                        routes.add((re.sub(r"{(\w+):\w+}", r"{\1}", node.uri_template), method))
            walk(node.children)
    walk(client.app._router._roots)
    return routes


def schema_of(doc, ref_or_schema):
    if "$ref" in ref_or_schema:
        return doc["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in ref_or_schema:
        return schema_of(doc, ref_or_schema["allOf"][0])
    return ref_or_schema


def answer(doc, path, method="get", status="200"):
    return doc["paths"][path][method]["responses"][status]["content"]


def test_openapi_document_describes_every_route(doc, app_routes):
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
    assert documented == app_routes
    operation_ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for path, item in doc["paths"].items():
        template_fields = set(re.findall(r"{(\w+)}", path))
        for method, op in item.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == template_fields, (path, method)
            assert op["responses"] and all(re.fullmatch(r"[1-5]\d\d", code) for code in op["responses"])
            if method in ("post", "put") and not path.endswith("/submission"):
                assert "requestBody" in op, path
                assert "415" in op["responses"] and "413" in op["responses"], path
    refs = set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(doc)))
    assert refs and refs <= set(doc["components"]["schemas"])

    def check(schema, where):
        if "$ref" in schema:
            assert set(schema) == {"$ref"}, where
            return
        if "anyOf" in schema:  # a nullable object: anyOf [$ref, null]
            assert set(schema) == {"anyOf"} and len(schema["anyOf"]) == 2, where
            assert schema["anyOf"][1] == {"type": "null"}, where
            return check(schema["anyOf"][0], where)
        assert "nullable" not in schema, where   # OpenAPI 3.1: null is a type
        if schema == {} or set(schema) <= {"description", "default"}:
            return  # any JSON value (e.g. a catalog form field's choices)
        kinds = schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]
        assert set(kinds) - {"null"} and set(kinds) <= {"string", "integer", "number", "boolean", "object",
                                                         "array", "null"}, where
        if "array" in kinds:
            check(schema["items"], where + "[]")
        for name, sub in schema.get("properties", {}).items():
            check(sub, f"{where}.{name}")
        if isinstance(schema.get("additionalProperties"), dict):
            check(schema["additionalProperties"], where + ".*")
        assert set(schema.get("required", [])) <= set(schema.get("properties", {})), where
        if schema.get("format") in ("date", "date-time"):
            assert set(kinds) - {"null"} == {"string"}, where
    for name, schema in doc["components"]["schemas"].items():
        check(schema, name)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                for media in response.get("content", {}).values():
                    check(media["schema"], f"{method} {path} {status}")
    project = doc["components"]["schemas"]["RegisterProject"]
    assert set(project["required"]) == {"name", "category", "region"} and project["additionalProperties"] is False
    upload = doc["paths"]["/projects/{code}/materials"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert upload["schema"]["$ref"].endswith("MaterialForm")
    assert upload["encoding"]["file"]["contentType"] == "application/pdf, application/ofd, image/jpeg, image/png"
    form = doc["components"]["schemas"]["MaterialForm"]["properties"]
    assert form["file"] == {"type": "string", "format": "binary"}
    assert form["channel"]["enum"] == ["electronic", "paper"] and form["paper_copies"]["maximum"] == 1000
    assert doc["paths"]["/licences/verify"]["post"]["security"] == []
    version = doc["paths"]["/materials/{material_id}/versions/{version}/verification"]["post"]["parameters"][1]
    assert version["in"] == "path" and version["schema"] == {"type": "integer", "minimum": 1}
    assert "security" not in doc["paths"]["/cases"]["get"]


def test_dates_are_dates_and_what_is_served_null_is_nullable(doc):
    """Every *_on field is served as YYYY-MM-DD; every field a service may answer null says so."""
    on_fields = 0
    for name, schema in doc["components"]["schemas"].items():
        for field, spec in schema.get("properties", {}).items():
            if field.endswith("_on") or field == "on":
                on_fields += 1
                assert spec.get("format") == "date", (name, field, spec)
            if field.endswith("_at") and spec.get("format"):
                assert spec["format"] == "date-time", (name, field)
    assert on_fields > 20
    clock = doc["components"]["schemas"]["ClockOut"]["properties"]
    assert clock["case_id"]["type"] == ["string", "null"]
    assert clock["due_on"] == {"type": ["string", "null"], "format": "date"}
    licence = doc["components"]["schemas"]["LicenceOut"]["properties"]
    assert licence["revocation"] == {"anyOf": [{"$ref": "#/components/schemas/RevocationOut"}, {"type": "null"}]}
    assert doc["components"]["schemas"]["RevocationOut"]["properties"]["revoked_on"]["format"] == "date"


def test_downloads_are_documented_with_the_media_type_they_are_served_with(doc):
    pdf = answer(doc, "/documents/{document_id}/content")
    assert pdf == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    material = answer(doc, "/materials/{material_id}/versions/{version}/content")
    assert set(material) == {"application/pdf", "application/ofd", "image/jpeg", "image/png"}
    assert answer(doc, "/projects/{code}/guide.svg") == {"image/svg+xml": {"schema": {"type": "string"}}}
    document = schema_of(doc, answer(doc, "/documents/{document_id}")["application/json"]["schema"])
    assert document["properties"]["content_base64"]["format"] == "byte"


def test_every_limit_the_server_enforces_is_in_the_schema(doc):
    schemas = doc["components"]["schemas"]
    for path in ("/cases", "/supervision/clocks", "/projects/{code}/materials", "/projects/{code}/documents",
                 "/projects/{code}/stages", "/projects/{code}/licences", "/accounts", "/accounts/{account}/log"):
        params = {p["name"]: p["schema"] for p in doc["paths"][path]["get"]["parameters"]}
        assert params["limit"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, path
        assert params["offset"]["minimum"] == 0 and params["offset"]["type"] == "integer", path
        page = answer(doc, path)["application/json"]["schema"]
        assert set(page["required"]) == {"items", "total", "limit", "offset"}, path
        assert page["properties"]["items"]["type"] == "array", path
    assert "overall" in answer(doc, "/projects/{code}/stages")["application/json"]["schema"]["properties"]
    code = next(p for p in doc["paths"]["/projects/{code}"]["get"]["parameters"] if p["name"] == "code")
    assert re.match(code["schema"]["pattern"], "2026-410800-48-01-000001")
    assert not re.match(code["schema"]["pattern"], "2026-410800-48-01-1")
    stage = next(p for p in doc["paths"]["/projects/{code}/drafts/{stage}"]["put"]["parameters"]
                 if p["name"] == "stage")
    assert stage["schema"]["enum"] == ["land_use_planning", "engineering_permit", "construction_permit",
                                       "completion_acceptance"]
    assert schemas["SubmitDeclaration"]["properties"]["stage"]["enum"] == stage["schema"]["enum"]
    assert schemas["ExtensionBody"]["properties"]["days"] == {"type": "integer", "minimum": 1, "maximum": 60}
    assert schemas["OpenConsultation"]["properties"]["due_days"] == {"type": ["integer", "null"], "minimum": 1,
                                                                   "maximum": 60, "default": None}
    assert schemas["LoadCalendarYear"]["properties"]["year"] == {"type": "integer", "minimum": 2000, "maximum": 2100}
    assert schemas["LoadCalendarYear"]["properties"]["holidays"]["items"] == {"type": "string", "format": "date"}
    assert schemas["RevokeLicence"]["properties"]["reason"] == {"type": "string", "minLength": 1, "maxLength": 2000}
    for name, field in (("AccountIn", "password"), ("PasswordResetIn", "new_password"),
                        ("ChangePasswordIn", "new_password")):
        password = schemas[name]["properties"][field]
        assert password["minLength"] == 8 and password["maxLength"] == 256, name
        assert re.match(password["pattern"], "Better#2027x") and not re.match(password["pattern"], "abcdefgh1")
    key = next(p for p in doc["paths"]["/projects"]["post"]["parameters"] if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and key["schema"]["minLength"] == 1 and key["schema"]["maxLength"] == 200
    assert re.match(key["schema"]["pattern"], "order-2026-0001") and not re.match(key["schema"]["pattern"], "a\tb")
    states = next(p for p in doc["paths"]["/cases"]["get"]["parameters"] if p["name"] == "state")
    assert "supplementing" in states["schema"]["enum"]


def test_the_committed_openapi_document_is_the_one_the_gateway_serves(client):
    committed = (Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi.text(), "regenerate: python -m gateway.openapi"
    assert json.loads(committed) == client.simulate_get("/openapi.json").json
