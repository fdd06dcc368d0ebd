"""Loading wire data through marshmallow schemas, turning failures into ValidationFailed; the nesting
depth of JSON text measured before anything recursive (the JSON decoder included) touches it."""
import re
from itertools import accumulate, count
from operator import sub

from marshmallow import ValidationError

from platform_kit.errors import ValidationFailed
from platform_kit.messages import chinese


MAX_JSON_DEPTH = 32  # the deepest nesting of arrays and objects a request body may have

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_OPEN_CLOSE = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def json_depth(text):
    """How deeply arrays and objects nest in the JSON `text` (str), without recursion or parsing:
    strings are removed (brackets inside them do not count), then the running depth of the brackets
    left is summed in C. Text that is not JSON gets some number; the decoder refuses it afterwards."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if not brackets:
        return 0
    steps = brackets.encode("ascii").translate(_OPEN_CLOSE)   # an opening bracket 2, a closing one 0
    return max(map(sub, accumulate(steps), count(1)))          # running sum minus position = depth


def flatten_messages(messages, prefix=""):
    """marshmallow's nested error messages as a list of {field, message}, said in Chinese
    (:func:`platform_kit.messages.chinese`)."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(flatten_messages(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            out.append({"field": prefix or "_schema", "message": chinese(message)})
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            out.extend(flatten_messages(value, f"{prefix}[{index}]"))
    else:
        out.append({"field": prefix or "_schema", "message": chinese(str(messages))})
    return out


def _fields_where(value, bad, path=""):
    """Paths of the strings in `value` (keys included) for which `bad(text)` holds."""
    if isinstance(value, str):
        return [path or "_schema"] if bad(value) else []
    if isinstance(value, dict):
        found = [f"{path}.{k}" if path else str(k) for k in value if isinstance(k, str) and bad(k)]
        for key, item in value.items():
            found += _fields_where(item, bad, f"{path}.{key}" if path else str(key))
        return found
    if isinstance(value, (list, tuple)):
        return [p for index, item in enumerate(value) for p in _fields_where(item, bad, f"{path}[{index}]")]
    return []


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_IN_REPR = re.compile(r"\\ud[89a-f][0-9a-f]{2}")


def _unstorable(data):
    """{field: message} for text no database column can store: NUL, and half of a UTF-16 pair (JSON
    may escape one, ``"\\ud800"``; it cannot be encoded as UTF-8). The repr shows either as an escape,
    so one C call decides whether to look for where they are."""
    text = repr(data)
    errors = {}
    if "\\x00" in text:
        for field in _fields_where(data, lambda s: "\x00" in s):
            errors[field] = "不得包含空字符（NUL）"
    if _SURROGATE_IN_REPR.search(text):
        for field in _fields_where(data, _SURROGATE.search):
            errors.setdefault(field, "不得包含无法编码的字符（孤立的代理码元）")
    # a field named with half a pair is shown with U+FFFD, so that the answer itself can be sent
    return {_SURROGATE.sub("\ufffd", field): message for field, message in errors.items()}


def load(schema, data, detail="输入数据不符合要求"):
    """Validate `data` with `schema` (an instance); raise ValidationFailed with per-field errors."""
    if data is None:
        data = {}
    unstorable = _unstorable(data)
    if unstorable:
        raise ValidationFailed(detail, [{"field": f, "message": message} for f, message in unstorable.items()])
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(detail, flatten_messages(exc.messages)) from None
