from datetime import date
from pathlib import Path

import pytest

from platform_kit import asyncapi
from platform_kit.calendar import WorkingCalendar, official_calendar
from platform_kit.contracts import EVENTS, Actor, new_event, parse_event
from platform_kit.errors import CalendarNotLoaded, ValidationFailed

ROOT = Path(__file__).resolve().parents[2]
ACTOR = Actor(id="officer-1", role="officer", department="FIRE")


def test_round_trip_through_the_wire():
    sent = new_event("consultation.replied", source="consult", project_code="P", actor=ACTOR,
                     payload={"consultation_id": "c", "department": "FIRE", "opinion": "同意"})
    received = parse_event(sent.to_wire())
    assert received.event_id == sent.event_id and received.payload["opinion"] == "同意"
    assert received.actor == ACTOR


def test_publisher_refuses_a_payload_that_breaks_the_contract():
    with pytest.raises(ValidationFailed) as err:
        new_event("consultation.replied", source="consult", project_code="P", actor=ACTOR,
                  payload={"consultation_id": "c"})
    assert {e["field"] for e in err.value.errors} == {"department", "opinion"}


def test_consumer_refuses_unknown_versions_and_bad_envelopes():
    body = new_event("consultation.replied", source="consult", project_code="P", actor=ACTOR,
                     payload={"consultation_id": "c", "department": "FIRE", "opinion": "同意"}).to_wire()
    with pytest.raises(ValidationFailed):
        parse_event(dict(body, version=99))
    with pytest.raises(ValidationFailed):
        parse_event({k: v for k, v in body.items() if k != "event_id"})


def test_asyncapi_document_is_generated_from_the_contract():
    committed = (ROOT / "docs" / "asyncapi.yaml").read_text()
    assert committed == asyncapi.render(), "regenerate: python -m platform_kit.asyncapi > docs/asyncapi.yaml"
    assert set(asyncapi.document()["channels"]) == set(EVENTS)


def test_calendar_follows_the_official_schedule():
    calendar = official_calendar()
    assert calendar.is_working_day(date(2025, 9, 28))       # Sunday worked for National Day 2025
    assert not calendar.is_working_day(date(2025, 10, 1))
    assert calendar.is_working_day(date(2025, 10, 11))      # Saturday worked
    # accepted on Tuesday 2025-09-30; 1–8 Oct off; Thu 9, Fri 10, Sat 11 (worked) count
    assert calendar.add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert calendar.add_working_days(date(2025, 9, 30), 4) == date(2025, 10, 13)
    assert calendar.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert calendar.working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1


def test_calendar_never_guesses_an_unloaded_year():
    with pytest.raises(CalendarNotLoaded):
        official_calendar().is_working_day(date(2031, 3, 3))
    loaded = WorkingCalendar(years={2031}).with_year(2031, holidays=[date(2031, 3, 3)], working_weekends=[])
    assert not loaded.is_working_day(date(2031, 3, 3))


def test_a_nul_character_is_a_field_error_not_a_database_failure():
    from marshmallow import Schema, fields

    from platform_kit.errors import ValidationFailed
    from platform_kit.validation import load

    class Filters(Schema):
        item_code = fields.String()
        tags = fields.List(fields.String())

    assert load(Filters(), {"item_code": "NRP-001", "tags": ["a"]}) == {"item_code": "NRP-001", "tags": ["a"]}
    with pytest.raises(ValidationFailed) as refused:
        load(Filters(), {"item_code": "\x004Q", "tags": ["ok", "b\x00"]})
    assert {e["field"] for e in refused.value.errors} == {"item_code", "tags[1]"}
