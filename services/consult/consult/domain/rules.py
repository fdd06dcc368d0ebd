"""Who is consulted and for how long (001 二–四): the catalog's rule for the item, plus the
departments the asking department adds.

An item of the catalog may name departments consulted by default and the working days each has
(site selection: earthquake, meteorology within 3; planning permit: fire, civil air defence within 5).
The rule's days are the consultation's deadline: a different number asked for is refused, and an
added department answers by the same deadline. Without a rule the asking department sets the days.
Every department must be one of the catalog's.
"""
from dataclasses import dataclass

from platform_kit.errors import ValidationFailed


@dataclass(frozen=True)
class ConsultationPlan:
    asked_of: list
    due_days: int
    by_rule: bool


def plan(*, rule, asked_of, due_days, known_departments, asked_by):
    """`rule`: [{department, days}] of the case's item (empty without one); `asked_of`, `due_days`:
    what the asking department requested (either may be missing when a rule applies)."""
    requested = list(dict.fromkeys(asked_of or ()))
    errors = []
    unknown = [d for d in requested if d not in known_departments]
    if unknown:
        errors.append({"field": "asked_of", "message": f"未知部门：{'、'.join(unknown)}（不在审批事项目录的部门列表中）"})
    if rule:
        days = max(r["days"] for r in rule)
        if due_days is not None and due_days != days:
            errors.append({"field": "due_days",
                           "message": f"本事项按目录征询答复期限为 {days} 个工作日，不能改为 {due_days} 个工作日"})
        departments = [r["department"] for r in rule] + [d for d in requested if d not in {r["department"] for r in rule}]
    else:
        days = due_days
        if due_days is None:
            errors.append({"field": "due_days", "message": "本事项目录未规定征询期限，请填写答复工作日数"})
        departments = requested
    departments = [d for d in departments if d != asked_by]
    if not departments and not unknown:
        errors.append({"field": "asked_of", "message": "至少征询一个其他部门"})
    if errors:
        raise ValidationFailed("征询对象或答复期限不符合规定", errors)
    return ConsultationPlan(asked_of=departments, due_days=days, by_rule=bool(rule))
