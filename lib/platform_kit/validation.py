"""Loading wire data through marshmallow schemas, turning failures into ValidationFailed."""
from marshmallow import ValidationError

from platform_kit.errors import ValidationFailed


def _flatten(messages, prefix=""):
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            out.append({"field": prefix or "_schema", "message": message})
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            out.extend(_flatten(value, f"{prefix}[{index}]"))
    else:
        out.append({"field": prefix or "_schema", "message": str(messages)})
    return out


def load(schema, data, detail="输入数据不符合要求"):
    """Validate `data` with `schema` (an instance); raise ValidationFailed with per-field errors."""
    if data is None:
        data = {}
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(detail, _flatten(exc.messages)) from None
