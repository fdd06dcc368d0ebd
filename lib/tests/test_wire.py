"""The shared wire formats agree with the rules of the service that owns them."""
import re

import pytest
from marshmallow import ValidationError

from platform_kit.wire import intake as wire_intake
from platform_kit.wire import stage as wire_stage


def test_case_actions_are_the_stage_state_machine_actions():
    from stage.domain.case import ACTIONS
    assert set(wire_stage.CASE_ACTIONS) == set(ACTIONS)


def test_project_and_org_patterns_are_intake_domain_patterns():
    from intake.domain.project import CODE_PATTERN, ORG_PATTERN, format_code
    assert wire_intake.ORG_PATTERN.pattern == ORG_PATTERN.pattern
    code = format_code(2026, "410800", 12)
    assert re.fullmatch(wire_intake.PROJECT_CODE_PATTERN.strip("^$"), code)
    assert CODE_PATTERN.fullmatch(code)
    for bad in ("2026-410800-48-01-00001", "2026-41080-48-01-000001", "2026-410800-49-01-000001"):
        assert not re.match(wire_intake.PROJECT_CODE_PATTERN, bad) and not CODE_PATTERN.fullmatch(bad)


def test_a_calendar_year_body_loads_from_json_dates():
    loaded = wire_stage.LoadCalendarYear().load(
        {"year": 2027, "holidays": ["2027-01-01"], "working_weekends": ["2027-02-07"]})
    assert loaded["holidays"][0].isoformat() == "2027-01-01"
    with pytest.raises(ValidationError):
        wire_stage.LoadCalendarYear().load({"year": 2101, "holidays": []})


def test_services_read_the_shared_definitions():
    import consult.schemas
    import intake.schemas
    import stage.schemas
    assert intake.schemas.SubmitDeclaration is wire_intake.SubmitDeclaration
    assert stage.schemas.CaseOut is wire_stage.CaseOut
    assert consult.schemas.OpenConsultation.__module__ == "platform_kit.wire.consult"


def test_material_content_types_are_the_ones_intake_accepts():
    from intake.domain.material import CONTENT_TYPES
    assert set(wire_intake.MATERIAL_CONTENT_TYPES) == set(CONTENT_TYPES)
