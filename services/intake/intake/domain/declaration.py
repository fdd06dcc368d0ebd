"""Stage declarations (阶段申报): one form and one set of materials per stage (000 §7, 002 §4).

The window takes the declaration in once; the platform splits it by item and hands each department
its share (000 §8). Which items a declaration carries is decided here, from the catalog version the
project's flow started on and the project's attributes. A stage is declared once at a time: a second
open declaration for the same stage is refused, and a stage is open to declaration only after the
stage before it (in the category's flow) has concluded (000 §3: the four stages run in order).
"""
from dataclasses import dataclass

from intake.domain import forms
from intake.domain.catalog import STAGE_NAMES
from platform_kit.errors import Conflict, ValidationFailed


@dataclass(frozen=True)
class DeclarationPlan:
    stage: str
    lead_department: str
    stage_limit_days: int
    items: list   # [{item_code, item_name, department, region, limit_days, lapse_action}]


def plan(*, catalog, category_code, stage, region, attributes, open_stages, concluded_stages, form=None):
    """What a declaration of `stage` for a project carries, or the reason it cannot be made now.

    `open_stages`: stages with a declaration not yet concluded; `concluded_stages`: stages concluded.
    """
    category = catalog.category(category_code)
    stage_entry = category.stage(stage)
    if stage in open_stages:
        raise Conflict(f"{STAGE_NAMES[stage]}阶段已有正在办理的申报，不能重复申报")
    if stage in concluded_stages:
        raise Conflict(f"{STAGE_NAMES[stage]}阶段已办结，不能再次申报")
    order = [s.stage for s in category.stages]
    position = order.index(stage)
    if position > 0 and order[position - 1] not in concluded_stages:
        raise Conflict(f"上一阶段（{STAGE_NAMES[order[position - 1]]}）尚未办结，"
                       f"不能申报{STAGE_NAMES[stage]}阶段")
    errors = forms.form_errors(stage_entry.form, form or {})
    if errors:
        raise ValidationFailed("申请表填写有误", errors)
    items = stage_entry.items_for(attributes)
    if not items:
        raise Conflict(f"按项目属性，{STAGE_NAMES[stage]}阶段没有需要办理的审批事项")
    return DeclarationPlan(
        stage=stage, lead_department=catalog.department_for(stage_entry.lead_department, region).code,
        stage_limit_days=stage_entry.limit_days,
        items=[{"item_code": item.code, "item_name": item.name,
                "department": catalog.department_for(item.department, region).code,
                "region": region, "limit_days": item.limit_days, "lapse_action": item.lapse_action}
               for item in items])


def check_draft(stage_entry, form):
    """A draft may be incomplete, but what it holds must fit the form (per-field errors)."""
    errors = forms.form_errors(stage_entry.form, form, complete=False)
    if errors:
        raise ValidationFailed("申请表填写有误", errors)
    return forms.form_errors(stage_entry.form, form, complete=True)   # what submitting would still refuse


def check_draft_open(declaration_id):
    if declaration_id:
        raise Conflict("该阶段的暂存申报已经提交，不能再修改")
