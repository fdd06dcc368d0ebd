"""Every validation message a service or the gateway answers is Chinese, keeping its values."""
import re

import pytest
from marshmallow import RAISE, Schema, fields, validate

from platform_kit.contracts import EnvelopeSchema
from platform_kit.errors import ValidationFailed
from platform_kit.validation import load
from platform_kit.wire import PageFilters
from platform_kit.wire.intake import RegisterProject

LIBRARY_ENGLISH = re.compile(r"\b(Must|Length|Not a valid|Missing|Unknown|Invalid|Shorter|Longer|field|"
                             r"greater|less|Field|choices|Number|equal|pattern)\b")


class Inner(Schema):
    class Meta:
        unknown = RAISE

    on = fields.Date(required=True)


class Everything(Schema):
    class Meta:
        unknown = RAISE

    level = fields.String(required=True, validate=validate.OneOf(["city", "county"]))
    name = fields.String(required=True, validate=validate.Length(min=2, max=5))
    code = fields.String(validate=validate.Length(equal=18))
    short = fields.String(validate=validate.Length(min=3))
    long = fields.String(validate=validate.Length(max=2))
    on = fields.Date()
    at = fields.AwareDateTime()
    count = fields.Integer(validate=validate.Range(min=1, max=365))
    floor = fields.Integer(validate=validate.Range(min=0))
    ratio = fields.Float()
    flag = fields.Boolean()
    tags = fields.List(fields.String(validate=validate.OneOf(["a", "b"])))
    inner = fields.Nested(Inner)
    mapping = fields.Dict()
    email = fields.Email()
    key = fields.UUID()
    pattern = fields.String(validate=validate.Regexp(r"^\d+$"))
    none = fields.String(allow_none=False)


BAD = {"level": "village", "name": "x", "code": "123", "short": "ab", "long": "abc", "on": "2027-13-01",
       "at": "2027-01-01T00:00:00", "count": 400, "floor": -1, "ratio": "many", "flag": "perhaps",
       "tags": ["c"], "inner": {"stray": 1}, "mapping": [], "email": "nobody", "key": "k",
       "pattern": "abc", "none": None, "stray": 1}


def _messages(schema, data):
    with pytest.raises(ValidationFailed) as caught:
        load(schema, data)
    return {e["field"]: e["message"] for e in caught.value.errors}


def test_marshmallow_messages_of_every_kind_are_said_in_chinese():
    messages = _messages(Everything(), BAD)
    for field, message in messages.items():
        assert not LIBRARY_ENGLISH.search(message), (field, message)
    assert messages["level"] == "须为以下之一: city, county"
    assert messages["name"] == "长度须在 2 到 5 之间"
    assert messages["code"] == "长度须为 18"
    assert messages["short"] == "长度至少为 3"
    assert messages["long"] == "长度至多为 2"
    assert messages["on"] == "须为日期（YYYY-MM-DD）"
    assert "时区" in messages["at"]
    assert messages["count"] == "须大于或等于 1 且小于或等于 365"
    assert messages["floor"] == "须大于或等于 0"
    assert messages["ratio"] == "须为数字"
    assert messages["flag"] == "须为 true 或 false"
    assert messages["tags.0"] == "须为以下之一: a, b"
    assert messages["inner.on"] == "必填字段缺失" and messages["inner.stray"] == "未知字段"
    assert messages["mapping"] == "须为对象"
    assert messages["email"] == "须为电子邮件地址"
    assert messages["key"] == "须为 UUID"
    assert messages["pattern"] == "格式不正确"
    assert messages["none"] == "不能为空值"
    assert messages["stray"] == "未知字段"


def test_the_wire_formats_services_load_answer_in_chinese():
    messages = _messages(RegisterProject(), {"name": "", "category": 7, "region": "abc", "extra": 1})
    assert messages == {"name": "长度须在 1 到 200 之间", "category": "须为字符串",
                        "region": "行政区划代码应为6位数字", "extra": "未知字段"}
    messages = _messages(PageFilters(), {"limit": "x"})
    assert messages == {"limit": "须为整数"}
    assert _messages(Everything(), "not an object") == {"_schema": "请求体须为 JSON 对象"}


def test_messages_the_platform_wrote_itself_are_kept():
    messages = _messages(EnvelopeSchema(), {})
    assert set(messages.values()) == {"必填字段缺失"}
    assert _messages(PageFilters(), {"limit": 0}) == {"limit": "每页条数须为 1 至 200"}


def test_a_lone_surrogate_is_refused_where_it_is_and_a_whole_pair_is_kept():
    schema = Everything()
    assert _messages(schema, {"level": "city", "name": "ab\ud800", "tags": ["a", "\udc00"]}) == {
        "name": "不得包含无法编码的字符（孤立的代理码元）",
        "tags[1]": "不得包含无法编码的字符（孤立的代理码元）"}
    assert load(schema, {"level": "city", "name": "ab😀", "short": "\\ud800"})["name"] == "ab😀"


def test_a_field_named_with_a_lone_surrogate_is_named_so_that_the_answer_can_be_sent():
    messages = _messages(Everything(), {"level": "city", "name": "ab", "x\ud800": 1})
    assert messages == {"x\ufffd": "不得包含无法编码的字符（孤立的代理码元）"}
    assert "x\ufffd".encode("utf-8")
