"""The stage application form (申请表单): one form per stage, defined per category in the catalog.

002 §13: "一份办事指南，一张申请表单，一套申报材料，完成多项审批". A stage of a category may define
its form as a list of fields; a declaration's form is then checked field by field, with the field's
Chinese label in every message (an error names ``form.<field>``). A stage without a form definition
takes any JSON object.

Field definition: ``{"name", "label", "type": text|number|integer|date|boolean|choice,
"required": bool, "min"?, "max"? (numbers), "max_length"?, "pattern"? (text), "choices"? (choice)}``.
"""
import re
from datetime import date

TYPES = ("text", "number", "integer", "date", "boolean", "choice")


def definition_errors(fields, path):
    """Per-field errors for a malformed form definition in a catalog."""
    errors, names = [], set()
    for index, field in enumerate(fields):
        at = f"{path}[{index}]"
        if field["name"] in names:
            errors.append({"field": f"{at}.name", "message": f"表单字段 {field['name']} 重复"})
        names.add(field["name"])
        if field["type"] == "choice" and not field.get("choices"):
            errors.append({"field": f"{at}.choices", "message": "选择类字段必须列出可选值"})
        if field.get("pattern"):
            try:
                re.compile(field["pattern"])
            except re.error:
                errors.append({"field": f"{at}.pattern", "message": "格式规则不是有效的正则表达式"})
    return errors


def _number(x):
    """A limit as a person writes it: 0 rather than the catalog's stored 0.0."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _check(field, value):
    """The message for one value that does not fit its field, or None."""
    label, kind = field["label"], field["type"]
    if kind == "text":
        if not isinstance(value, str):
            return f"{label}应为文字"
        if field.get("max_length") and len(value) > field["max_length"]:
            return f"{label}不能超过 {field['max_length']} 个字"
        if field.get("pattern") and not re.fullmatch(field["pattern"], value):
            return f"{label}格式不正确"
        return None
    if kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                kind == "integer" and not isinstance(value, int)):
            return f"{label}应为{'整数' if kind == 'integer' else '数字'}"
        if field.get("min") is not None and value < field["min"]:
            return f"{label}不能小于 {_number(field['min'])}"
        if field.get("max") is not None and value > field["max"]:
            return f"{label}不能大于 {_number(field['max'])}"
        return None
    if kind == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return f"{label}应为日期（如 2026-11-25）"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"{label}应为是或否"
    if kind == "choice":
        return None if value in field["choices"] else f"{label}应为以下之一：{'、'.join(map(str, field['choices']))}"
    return f"{label}的类型 {kind} 未定义"


def form_errors(fields, form, complete=True):
    """Per-field errors of `form` against its definition. `complete=False` (a draft) skips the
    required-field check but still refuses values that do not fit."""
    if not fields:
        return []
    errors = []
    known = {f["name"]: f for f in fields}
    for name in form:
        if name not in known:
            errors.append({"field": f"form.{name}", "message": f"本阶段申请表中没有“{name}”这一项"})
    for field in fields:
        value = form.get(field["name"])
        if value is None or value == "":
            if complete and field.get("required"):
                errors.append({"field": f"form.{field['name']}", "message": f"{field['label']}为必填项"})
            continue
        message = _check(field, value)
        if message:
            errors.append({"field": f"form.{field['name']}", "message": message})
    return errors
