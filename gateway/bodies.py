"""JSON request bodies at the door: size and nesting measured before parsing, then only text a database
can store and only finite numbers. Every refusal is a 4xx problem said in Chinese, before anything is
called or written.

- larger than :data:`MAX_JSON_BYTES` → 413 (read no further, whatever Content-Length said);
- nested deeper than ``platform_kit.validation.MAX_JSON_DEPTH`` → 400 (measured without recursion);
- ``NaN``, ``Infinity``, ``-Infinity`` or a number too large for a double (``1e400``) → 400;
- a lone UTF-16 surrogate (``"\\ud800"``) or NUL in any string or object key → 422 naming the field.
"""
import json
import math
from functools import partial

import falcon
import falcon.media

from platform_kit.errors import ValidationFailed
from platform_kit.validation import MAX_JSON_DEPTH, _unstorable, json_depth

MAX_JSON_BYTES = 5 * 1024 * 1024  # the largest JSON body: a whole catalog is well below this


def _no_constant(name):
    raise falcon.HTTPBadRequest(description=f"请求体含有非有限数 {name}：JSON 数值须为有限数")


def _finite(text):
    value = float(text)
    if not math.isfinite(value):
        raise falcon.HTTPBadRequest(description=f"请求体的数值 {text[:40]} 超出可表示的范围")
    return value


def json_loads(text):
    """Every JSON request body: its nesting measured before the decoder (which recurses) reads it."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise falcon.HTTPBadRequest(description=f"请求体的数组或对象嵌套不得超过 {MAX_JSON_DEPTH} 层")
    value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    unstorable = _unstorable(value)
    if unstorable:
        raise ValidationFailed("请求体含有无法保存的字符",
                               [{"field": field, "message": message} for field, message in unstorable.items()])
    return value


class JsonHandler(falcon.media.JSONHandler):
    """Falcon's JSON handler reading at most MAX_JSON_BYTES (+1 to notice more) of the body."""

    def __init__(self):
        super().__init__(dumps=partial(json.dumps, ensure_ascii=False), loads=json_loads)

    def deserialize(self, stream, content_type, content_length):
        if (content_length or 0) > MAX_JSON_BYTES:
            raise _too_large()
        data = stream.read(MAX_JSON_BYTES + 1)
        if len(data) > MAX_JSON_BYTES:
            raise _too_large()
        return self._deserialize(data)


def _too_large():
    return falcon.HTTPContentTooLarge(description=f"请求体不得超过 {MAX_JSON_BYTES // (1024 * 1024)} MB")
