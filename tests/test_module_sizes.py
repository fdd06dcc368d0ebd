"""Every production module of the services stays short enough to read whole: a module that grows past
about 400 lines is split by section (the gateway's own test holds it to the same)."""
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[1] / "services"


def production_modules():
    for path in sorted(SERVICES.rglob("*.py")):
        parts = set(path.relative_to(SERVICES).parts)
        if not parts & {"tests", "migrations", "__pycache__"}:
            yield path


def test_the_services_have_production_modules():
    assert sum(1 for _ in production_modules()) > 50


def test_no_service_module_is_longer_than_about_400_lines():
    long = {str(p.relative_to(SERVICES)): n for p in production_modules()
            if (n := len(p.read_text().splitlines())) > 410}
    assert long == {}
