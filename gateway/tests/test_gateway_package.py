"""The gateway package: one folder, importable from the repository root and from anywhere once
installed; its migrations found by platform-migrate; no service package imported by its code."""
import ast
import subprocess
import sys
from pathlib import Path

from platform_kit.migrate import service_root

GATEWAY = Path(__file__).resolve().parents[1]
ROOT = GATEWAY.parent
SERVICES = {"intake", "stage", "consult", "certificate", "supervision"}


def imported_from(cwd):
    done = subprocess.run([sys.executable, "-W", "ignore", "-c",
                           "import gateway.app, gateway.accounts.book; print(gateway.app.__file__)"],
                          cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def test_the_top_level_folder_is_the_package_wherever_it_is_imported_from(tmp_path):
    assert imported_from(ROOT) == imported_from(tmp_path) == GATEWAY / "app.py"
    assert not (GATEWAY / "tests" / "__init__.py").exists()
    assert not (GATEWAY / "migrations" / "__init__.py").exists()


def test_platform_migrate_finds_the_migrations_inside_the_package():
    assert service_root("gateway") == GATEWAY and (GATEWAY / "migrations" / "env.py").is_file()
    assert service_root("intake") == ROOT / "services" / "intake"  # beside a service's package


def test_the_gateway_imports_no_service_package():
    modules = [path for path in GATEWAY.rglob("*.py") if "tests" not in path.relative_to(GATEWAY).parts]
    assert GATEWAY / "app.py" in modules and GATEWAY / "migrations" / "env.py" in modules
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            assert not {name.split(".")[0] for name in names} & SERVICES, (path, names)


def test_no_gateway_module_is_longer_than_about_400_lines():
    for path in GATEWAY.rglob("*.py"):
        assert len(path.read_text().splitlines()) <= 410, path
