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


def _nul_fields(value, path=""):
    """Paths of the strings in `value` that contain NUL: no database column can store one."""
    if isinstance(value, str):
        return [path or "_schema"] if "\x00" in value else []
    if isinstance(value, dict):
        found = [f"{path}.{k}" if path else str(k) for k in value if isinstance(k, str) and "\x00" in k]
        for key, item in value.items():
            found += _nul_fields(item, f"{path}.{key}" if path else str(key))
        return found
    if isinstance(value, (list, tuple)):
        return [p for index, item in enumerate(value) for p in _nul_fields(item, f"{path}[{index}]")]
    return []


def load(schema, data, detail="输入数据不符合要求"):
    """Validate `data` with `schema` (an instance); raise ValidationFailed with per-field errors."""
    if data is None:
        data = {}
    # a NUL shows as \x00 in the repr: one C call decides whether to look for where it is
    nul = _nul_fields(data) if "\\x00" in repr(data) else None
    if nul:
        raise ValidationFailed(detail, [{"field": field, "message": "不得包含空字符（NUL）"} for field in nul])
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(detail, flatten_messages(exc.messages)) from None
