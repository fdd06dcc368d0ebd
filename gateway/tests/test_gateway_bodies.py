"""Request bodies: checked at the door with the service's own wire format, then given to the
service as the client sent them (JSON text, never objects the gateway made while checking)."""
import pytest
from kombu.utils.json import dumps, loads

from platform_kit.validation import load
from platform_kit.wire.stage import LoadCalendarYear

YEAR = {"year": 2027, "holidays": ["2027-01-01"], "working_weekends": ["2027-02-07"]}


def as_the_service_receives(value):
    """What a nameko service gets: the arguments through kombu's JSON, as on the broker."""
    return loads(dumps(value))


def test_a_calendar_year_reaches_the_stage_service_and_loads(client, rpc, auth):
    def load_calendar_year(data):
        cmd = load(LoadCalendarYear(), as_the_service_receives(data))  # what stage.load_calendar_year does
        return {"year": cmd["year"], "holidays": len(cmd["holidays"]),
                "working_weekends": len(cmd["working_weekends"]), "recomputed_clocks": 0, "loaded_years": [2027]}

    rpc.answers["stage.load_calendar_year"] = load_calendar_year
    response = client.simulate_post("/calendar/years", json=YEAR, headers=auth("operator"))
    assert response.status_code == 201, response.text
    assert response.json["holidays"] == 1 and response.json["working_weekends"] == 1
    assert rpc.calls[-1]["method"] == "load_calendar_year" and rpc.calls[-1]["args"] == [YEAR]
    assert as_the_service_receives(rpc.calls[-1]["args"]) == [YEAR]  # text stays text on the wire


@pytest.mark.parametrize("body, field", [
    ({"year": 2027, "holidays": ["2027-13-01"]}, "holidays.0"),
    ({"year": 1999, "holidays": []}, "year"),
    ({"year": 2027}, "holidays"),
    (dict(YEAR, extra=1), "extra"),
])
def test_a_malformed_calendar_year_is_refused_at_the_door(client, rpc, auth, assert_problem, body, field):
    problem = assert_problem(client.simulate_post("/calendar/years", json=body, headers=auth("operator")), 422)
    assert field in {e["field"] for e in problem["errors"]}
    assert rpc.calls == []


def test_bodies_reach_services_as_sent_with_path_fields_added(client, rpc, auth):
    headers = auth("operator")
    draft = {"form": {"planned_start": "2027-03-01"}, "material_ids": []}
    client.simulate_put("/projects/P1/drafts/land_use_planning", json=draft, headers=headers)
    assert rpc.calls[-1]["args"] == ["P1", dict(draft, stage="land_use_planning")]
    extension = {"days": 5, "reason": "需现场踏勘"}
    client.simulate_post("/cases/C7/extensions", json=extension, headers=headers)
    assert rpc.calls[-1]["args"] == [dict(extension, case_id="C7")]
    for call in rpc.calls:
        assert as_the_service_receives(call["args"]) == call["args"]


def test_limits_of_the_service_are_enforced_at_the_door(client, rpc, auth, assert_problem):
    headers = auth("operator")
    assert_problem(client.simulate_post("/cases/C7/extensions", json={"days": 61, "reason": "x"}, headers=headers), 422)
    assert_problem(client.simulate_post("/licences/L1/revocation", json={"reason": "理" * 2001}, headers=headers), 422)
    assert_problem(client.simulate_post("/consultations", headers=headers, json={
        "project_code": "P1", "asked_of": ["FIRE"], "question": "?", "due_days": 0}), 422)
    assert_problem(client.simulate_put("/projects/P1/drafts/land_use_planning", json={"material_ids": []},
                                       headers=headers), 422)
    assert rpc.calls == []


def test_a_body_in_another_media_type_is_415(client, rpc, auth, assert_problem):
    response = client.simulate_post("/calendar/years", body="year=2027",
                                    headers=dict(auth("operator"), **{"Content-Type": "text/plain"}))
    assert_problem(response, 415)
    assert rpc.calls == []


# ------------------------------------------------------------------------------------ hostile JSON
HOSTILE = {
    "nested 900 deep": ('{"name": "项目", "category": "gov_building", "region": "410800", "attributes": '
                        + '{"a": ' * 900 + '1' + '}' * 900 + '}', 400, "嵌套"),
    "lone surrogate in an attributes key": (
        '{"name": "项目", "category": "gov_building", "region": "410800", "attributes": {"\\ud800": 1}}', 422, "代理"),
    "lone surrogate in the name": (
        '{"name": "项目\\udfff", "category": "gov_building", "region": "410800", "attributes": {}}', 422, "代理"),
    "a number too large for a double": (
        '{"name": "项目", "category": "gov_building", "region": "410800", "attributes": {"a": 1e400}}', 400, "范围"),
    "NaN": ('{"name": "项目", "category": "gov_building", "region": "410800", "attributes": {"a": NaN}}', 400, "有限数"),
    "Infinity": ('{"name": "项目", "category": "gov_building", "region": "410800", "attributes": {"a": -Infinity}}',
                 400, "有限数"),
    "NUL in the name": (
        '{"name": "项目\\u0000", "category": "gov_building", "region": "410800", "attributes": {}}', 422, "空字符"),
    "NUL in an attributes key": (
        '{"name": "项目", "category": "gov_building", "region": "410800", "attributes": {"a\\u0000": 1}}', 422, "空字符"),
    "invalid UTF-8": (b'{"name": "\xff\xfe", "category": "gov_building", "region": "410800"}', 400, "JSON"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_json_is_a_4xx_in_chinese_and_reaches_no_service(client, rpc, auth, assert_problem, kind):
    text, status, said = HOSTILE[kind]
    headers = dict(auth("applicant"), **{"Content-Type": "application/json", "Idempotency-Key": f"hostile-{len(kind)}"})
    body = assert_problem(client.simulate_post("/projects", body=text, headers=headers), status)
    assert said in body["detail"] + "".join(e["message"] for e in body.get("errors", ()))
    assert rpc.calls == []  # nothing called, nothing written
    # the key was not used up: the same key with a good body goes through
    good = client.simulate_post("/projects", json={"name": "项目", "category": "gov_building", "region": "410800",
                                                   "attributes": {}}, headers=headers)
    assert good.status_code == 201 and len(rpc.calls) == 1


def test_the_json_handler_reads_no_more_than_the_limit_whatever_the_length_said():
    import io

    import falcon

    from gateway.bodies import MAX_JSON_BYTES, JsonHandler
    stream = io.BytesIO(b'{"name": "' + b"x" * (MAX_JSON_BYTES + 10) + b'"}')
    with pytest.raises(falcon.HTTPContentTooLarge):
        JsonHandler().deserialize(stream, "application/json", None)
    assert stream.tell() == MAX_JSON_BYTES + 1
