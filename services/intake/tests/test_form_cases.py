"""The stage form's rules say the same as the web form's: both are checked against
web/tests/form-cases.json (the web side in web/tests/rules.spec.ts)."""
import json
from pathlib import Path

import pytest

from intake.domain.forms import form_errors

CASES = json.loads((Path(__file__).resolve().parents[3] / "web" / "tests" / "form-cases.json").read_text())


@pytest.mark.parametrize("name, value, message", CASES["cases"], ids=lambda v: repr(v))
def test_service_message_matches_the_web_form(name, value, message):
    field = dict(CASES["fields"][name])
    errors = form_errors([field], {name: value})
    assert [e["message"] for e in errors] == ([message] if message else [])
