"""Loading wire data through marshmallow schemas, turning failures into ValidationFailed."""
from marshmallow import ValidationError

from platform_kit.errors import ValidationFailed


def flatten_messages(messages, prefix=""):
    """marshmallow's nested error messages as a list of {field, message}."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(flatten_messages(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            out.append({"field": prefix or "_schema", "message": message})
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            out.extend(flatten_messages(value, f"{prefix}[{index}]"))
    else:
        out.append({"field": prefix or "_schema", "message": str(messages)})
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
