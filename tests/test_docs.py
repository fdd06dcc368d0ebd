"""The README's service and event map says what the code does: who publishes and who listens."""
import ast
import re
from pathlib import Path

from platform_kit.asyncapi import PUBLISHERS
from platform_kit.contracts import EVENTS

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "stage", "certificate", "supervision", "consult")


def readme_map():
    text = (ROOT / "README.md").read_text()
    section = text.split("### Service and event map", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in section.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[cells[0]] = (cells[2], cells[3])
    return rows


def names(cell):
    return set(re.findall(r"[a-z_]+\.[a-z_]+", cell))


def listened(service):
    """Event types bound with platform_kit.bus.event_handler("<source>", "<type>") in service.py."""
    tree = ast.parse((ROOT / "services" / service / service / "service.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "event_handler":
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if len(args) == 2:
                found.add(args[1])
    return found


def test_every_event_has_one_publisher_and_is_documented():
    assert set(PUBLISHERS) == set(EVENTS)
    rows = readme_map()
    for service in SERVICES:
        published = {event for event, publisher in PUBLISHERS.items() if publisher == service}
        assert names(rows[service][0]) == published, service


def test_the_listeners_in_the_readme_are_the_handlers_in_the_code():
    rows = readme_map()
    for service in ("intake", "stage", "certificate", "consult"):
        assert names(rows[service][1]) == listened(service), service
    assert rows["supervision"][1] == "every event type"
