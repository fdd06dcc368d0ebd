"""The gateway serves the built web front end under /web/ beside the API."""
import falcon.testing
import pytest

from gateway.app import create_app
from gateway.audit.trail import AuditTrail


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>工程建设项目审批管理系统</title>", encoding="utf-8")
    (tmp_path / "assets" / "index-3f2a.js").write_text("console.log('portal')")
    return tmp_path


@pytest.fixture
def web_client(settings, rpc, book, dist):
    return falcon.testing.TestClient(create_app(settings, rpc, book=book, web_root=dist))


def test_pages_and_assets_are_served_under_web_without_a_token(web_client):
    page = web_client.simulate_get("/web/")
    assert page.status_code == 200
    assert "工程建设项目审批管理系统" in page.text
    assert page.headers["Cache-Control"] == "no-cache"
    asset = web_client.simulate_get("/web/assets/index-3f2a.js")
    assert asset.status_code == 200 and asset.text == "console.log('portal')"
    assert "immutable" in asset.headers["Cache-Control"]


def test_the_front_ends_own_routes_survive_a_reload(web_client):
    for path in ("/web/my/projects/2026-410800-48-01-000001", "/web/work/cases/abc", "/web/login"):
        answer = web_client.simulate_get(path)
        assert answer.status_code == 200, path
        assert "<title>工程建设项目审批管理系统</title>" in answer.text


def test_pages_allow_nothing_from_other_origins(web_client):
    policy = web_client.simulate_get("/web/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "http" not in policy
    assert web_client.simulate_get("/web/").headers["X-Content-Type-Options"] == "nosniff"


def test_the_root_leads_to_the_portal_and_the_api_is_unchanged(web_client, assert_problem):
    answer = web_client.simulate_get("/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/web/")
    assert_problem(web_client.simulate_get("/projects/2026-410800-48-01-000001"), 401)
    assert "Content-Security-Policy" not in web_client.simulate_get("/openapi.json").headers
    assert web_client.simulate_get("/openapi.json").status_code == 200


def test_without_a_build_nothing_is_served_under_web(settings, rpc, book, tmp_path, assert_problem):
    client = falcon.testing.TestClient(create_app(settings, rpc, book=book, web_root=tmp_path / "missing"))
    assert_problem(client.simulate_get("/web/"), 404)
    assert_problem(client.simulate_get("/"), 404)


def test_page_loads_are_not_audited(web_client, settings):
    web_client.simulate_get("/web/")
    web_client.simulate_get("/web/assets/index-3f2a.js")
    trail = AuditTrail(settings.database_url)
    assert [r for r in trail.records() if "/web" in (r.get("route") or "")] == []
