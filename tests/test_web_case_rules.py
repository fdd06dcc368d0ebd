"""The case page offers the actions the stage service accepts: web/src/components/work/caseRules.ts
mirrors the service's transitions (source states, entitling steps, whether a reason is required)."""
import re
from pathlib import Path

from stage.domain.case import TRANSITIONS

RULES_TS = Path(__file__).resolve().parents[1] / "web" / "src" / "components" / "work" / "caseRules.ts"
RULE = re.compile(r"^\s+(\w+): \{ from: \[([^\]]*)\], steps: \[([^\]]*)\], needsReason: (true|false) \},$", re.M)


def names(listed):
    return frozenset(re.findall(r"'(\w+)'", listed))


def test_the_web_officer_rules_are_the_services_transitions():
    web = {action: (names(sources), names(steps), reason == "true")
           for action, sources, steps, reason in RULE.findall(RULES_TS.read_text(encoding="utf-8"))}
    service = {action: (frozenset(t.sources), frozenset(t.steps), t.needs_reason)
               for action, t in TRANSITIONS.items() if t.steps}
    assert web == service
