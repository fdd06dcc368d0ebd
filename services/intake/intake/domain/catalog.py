"""The flow catalog (审批事项目录与流程图): which items a project must obtain, stage by stage.

The catalog is data an operator loads (000 §6, 001 §8). Each load is stored as a new, immutable
version; a project keeps the version its flow started on, so an edit never changes a running flow.

Catalog JSON (validated by ``intake.schemas.CatalogIn``, checked for consistency here)::

    {
      "name": "焦作市工程建设项目审批事项目录",          # optional label
      "overall_limit_days": 59,                         # cap of a whole flow in working days (001 §8)
      "departments": [
        {"code": "NRP", "name": "自然资源和规划局", "level": "city" | "county", "region": "410800"}
      ],
      "categories": [                                   # flow categories (流程图类别)
        {"code": "gov_building", "name": "政府投资房屋建筑类",
         "stages": [                                    # at most one per stage of contracts.STAGES
           {"stage": "land_use_planning", "lead_department": "NRP", "limit_days": 15,
            "items": [
              {"code": "NRP-001", "name": "建设用地规划许可证", "department": "NRP", "limit_days": 10,
               "materials": ["建设项目用地预审与选址意见书", ...],
               "applies_when": {...},                   # optional, see below; absent = always applies
               "notification_commitment": false,        # 告知承诺制 allowed
               "accept_with_deficiencies": false,       # 容缺受理 allowed
               "lapse_action": "return_to_lead",        # optional, 004 §14: when the limit lapses
                                                        # undecided, recall to the lead department
                                                        # (default) or "no_objection" (concluded)
               "faq": [{"question": "...", "answer": "..."}],   # optional: the guide's 常见问题 (003 §6)
               "common_errors": ["..."],                # optional: 常见错误, what gets applications sent back
               "licence": {"kind": "certificate",       # optional, 002 §18: the licence it yields, its kind
                           "validity_days": null,       # (certificate, approval, proof, report, result),
                           "form_fields": ["construction_site", "land_area_m2"]}}
                                                        # validity (null: long-term) and the stage form's
                                                        # fields its layout prints
            ],
            "form": [{"name": "construction_site", "label": "建设地点", "type": "text", "required": true}]}
                                                        # optional, see intake.domain.forms
         ]}
      ]
    }

``applies_when`` maps a project attribute to a condition; every entry must hold (AND). A condition
is an object with one or more of ``eq``, ``ne``, ``in`` (list), ``nin`` (list), ``gt``, ``gte``, ``lt``, ``lte``,
``present`` (bool). The special key ``any`` holds a list of such maps of which at least one must
hold (OR). An attribute the project does not have fails every condition except ``present: false``,
``ne`` and ``nin``. Example: 人防 only above 7000 m² or underground works::

    {"any": [{"floor_area_m2": {"gt": 7000}}, {"has_basement": {"eq": true}}]}

Territory (000 §15: city and county departments each handle their own): an item names the
city-level department by its code (``HCD``); a county-level department of the same function is listed
as ``<code>-<region>`` (``HCD-410821``, 修武县住房和城乡建设局). For a project located in that
region, the item goes to the county department; everywhere else to the city department.

Consistency rules checked on load: department codes unique; every lead department and item
department exists; category codes unique; stages unique per category and in stage order; item codes
unique within a stage; an item's limit never exceeds its stage's limit (items run in parallel, 000
§12); the stage limits of a category sum to at most the overall cap (001 §8).
"""
from dataclasses import dataclass, field

from intake.domain import forms
from platform_kit.contracts import STAGES
from platform_kit.errors import Conflict, NotFound, ValidationFailed
from platform_kit.states import DEFAULT_LAPSE_ACTION

STAGE_NAMES = {
    "land_use_planning": "立项用地规划许可",
    "engineering_permit": "工程建设许可",
    "construction_permit": "施工许可",
    "completion_acceptance": "竣工验收",
}
OPERATORS = ("eq", "ne", "in", "nin", "gt", "gte", "lt", "lte", "present")
_MISSING = object()


def _holds(operator, expected, value):
    if operator == "present":
        return (value is not _MISSING) == bool(expected)
    if operator == "ne":
        return value is _MISSING or value != expected
    if operator == "nin":
        return value is _MISSING or value not in expected
    if value is _MISSING or value is None:
        return False
    try:
        if operator == "eq":
            return value == expected
        if operator == "in":
            return value in expected
        if operator == "gt":
            return value > expected
        if operator == "gte":
            return value >= expected
        if operator == "lt":
            return value < expected
        if operator == "lte":
            return value <= expected
    except TypeError:  # e.g. a text attribute compared with a number: the condition does not hold
        return False
    raise ValueError(f"unknown operator {operator}")


def applies(conditions, attributes):
    """True when a project with `attributes` meets every condition of an item's ``applies_when``."""
    if not conditions:
        return True
    for key, condition in conditions.items():
        if key == "any":
            if not any(applies(alternative, attributes) for alternative in condition):
                return False
            continue
        value = attributes.get(key, _MISSING)
        if not all(_holds(op, expected, value) for op, expected in condition.items()):
            return False
    return True


def check_conditions(conditions, path):
    """Per-field errors for a malformed ``applies_when``."""
    errors = []
    if not isinstance(conditions, dict):
        return [{"field": path, "message": "适用条件必须是对象"}]
    for key, condition in conditions.items():
        if key == "any":
            if not isinstance(condition, list) or not condition:
                errors.append({"field": f"{path}.any", "message": "any 必须是非空列表"})
                continue
            for index, alternative in enumerate(condition):
                errors.extend(check_conditions(alternative, f"{path}.any[{index}]"))
            continue
        if not isinstance(condition, dict) or not condition:
            errors.append({"field": f"{path}.{key}", "message": "条件必须是非空对象"})
            continue
        for op, expected in condition.items():
            if op not in OPERATORS:
                errors.append({"field": f"{path}.{key}.{op}", "message": f"未知的条件运算符 {op}"})
            elif op in ("in", "nin") and not isinstance(expected, list):
                errors.append({"field": f"{path}.{key}.{op}", "message": f"{op} 的取值必须是列表"})
            elif op in ("gt", "gte", "lt", "lte") and (
                    isinstance(expected, bool) or not isinstance(expected, (int, float))):
                errors.append({"field": f"{path}.{key}.{op}", "message": "比较条件的取值必须是数字"})
            elif op == "present" and not isinstance(expected, bool):
                errors.append({"field": f"{path}.{key}.present", "message": "present 的取值必须是布尔值"})
    return errors


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    department: str
    limit_days: int
    materials: tuple = ()
    applies_when: dict = field(default_factory=dict)
    notification_commitment: bool = False
    accept_with_deficiencies: bool = False
    lapse_action: str = DEFAULT_LAPSE_ACTION   # 004 §14 (platform_kit.states.LAPSE_ACTIONS)
    faq: tuple = ()              # ({"question", "answer"}, ...)
    common_errors: tuple = ()
    consultations: tuple = ()    # ({"department", "days"}, ...): consulted by default (001 二–四)


@dataclass(frozen=True)
class Stage:
    stage: str
    lead_department: str
    limit_days: int
    items: tuple
    form: tuple = ()     # field definitions of the stage's application form (intake.domain.forms)

    @property
    def name(self):
        return STAGE_NAMES[self.stage]

    def items_for(self, attributes):
        return [item for item in self.items if applies(item.applies_when, attributes or {})]


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    stages: tuple

    def stage(self, stage):
        for candidate in self.stages:
            if candidate.stage == stage:
                return candidate
        if stage not in STAGES:
            raise ValidationFailed("审批阶段不存在", [{"field": "stage", "message": f"未知阶段 {stage}"}])
        raise Conflict(f"类别 {self.name} 的流程不包含阶段 {STAGE_NAMES[stage]}")


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    level: str
    region: str


class Catalog:
    """One immutable catalog version."""

    def __init__(self, data, version=None):
        self.version = version
        self.data = data
        self.name = data.get("name") or ""
        self.overall_limit_days = data["overall_limit_days"]
        self.departments = {d["code"]: Department(d["code"], d["name"], d["level"], d["region"])
                            for d in data["departments"]}
        self.categories = {}
        for c in data["categories"]:
            stages = tuple(
                Stage(stage=s["stage"], lead_department=s["lead_department"], limit_days=s["limit_days"],
                      form=tuple(dict(f) for f in s.get("form") or ()),
                      items=tuple(Item(code=i["code"], name=i["name"], department=i["department"],
                                       limit_days=i["limit_days"], materials=tuple(i.get("materials") or ()),
                                       applies_when=dict(i.get("applies_when") or {}),
                                       notification_commitment=bool(i.get("notification_commitment")),
                                       accept_with_deficiencies=bool(i.get("accept_with_deficiencies")),
                                       lapse_action=i.get("lapse_action") or DEFAULT_LAPSE_ACTION,
                                       faq=tuple(dict(q) for q in i.get("faq") or ()),
                                       common_errors=tuple(i.get("common_errors") or ()),
                                       consultations=tuple(dict(r) for r in i.get("consultations") or ()))
                                  for i in s["items"]))
                for s in c["stages"])
            self.categories[c["code"]] = Category(code=c["code"], name=c["name"], stages=stages)

    @classmethod
    def checked(cls, data, version=None):
        """A catalog from loaded JSON, refusing it with per-field errors when it is inconsistent."""
        errors = consistency_errors(data)
        if errors:
            raise ValidationFailed("审批事项目录不一致", errors)
        return cls(data, version)

    def category(self, code):
        try:
            return self.categories[code]
        except KeyError:
            raise ValidationFailed("项目类别不存在", [
                {"field": "category", "message": f"目录第 {self.version} 版中没有类别 {code}"}]) from None

    def department(self, code):
        return self.departments[code]

    @property
    def regions(self):
        """The administrative divisions the catalog's departments serve: where a project may be."""
        return sorted({d.region for d in self.departments.values()})

    def check_region(self, region):
        """A project is located where some department of the catalog serves; anywhere else its cases
        would go to departments no officer works in."""
        if region not in self.regions:
            raise ValidationFailed("项目所在地不在审批事项目录的行政区划内", [
                {"field": "region", "message": f"目录第 {self.version} 版中没有行政区划 {region}，"
                                               f"可选: {', '.join(self.regions)}"}])
        return region

    def department_for(self, code, region):
        """The department that handles item department `code` for a project in `region` (000 §15)."""
        local = f"{code}-{region}"
        return self.departments[local] if local in self.departments else self.departments[code]

    def summary(self):
        return {"version": self.version, "name": self.name, "overall_limit_days": self.overall_limit_days,
                "departments": len(self.departments), "categories": len(self.categories),
                "items": sum(len(s.items) for c in self.categories.values() for s in c.stages)}


def consistency_errors(data):
    errors = []
    departments = set()
    for index, department in enumerate(data["departments"]):
        if department["code"] in departments:
            errors.append({"field": f"departments[{index}].code", "message": f"部门代码 {department['code']} 重复"})
        departments.add(department["code"])
    categories = set()
    for ci, category in enumerate(data["categories"]):
        where = f"categories[{ci}]"
        if category["code"] in categories:
            errors.append({"field": f"{where}.code", "message": f"类别代码 {category['code']} 重复"})
        categories.add(category["code"])
        order = [s["stage"] for s in category["stages"]]
        if len(set(order)) != len(order):
            errors.append({"field": f"{where}.stages", "message": "同一类别中阶段不能重复"})
        elif order != sorted(order, key=STAGES.index):
            errors.append({"field": f"{where}.stages", "message": "阶段必须按审批顺序排列"})
        total = 0
        for si, stage in enumerate(category["stages"]):
            at = f"{where}.stages[{si}]"
            total += stage["limit_days"]
            if stage["lead_department"] not in departments:
                errors.append({"field": f"{at}.lead_department",
                               "message": f"牵头部门 {stage['lead_department']} 不在部门列表中"})
            errors.extend(forms.definition_errors(stage.get("form") or [], f"{at}.form"))
            codes = set()
            for ii, item in enumerate(stage["items"]):
                it = f"{at}.items[{ii}]"
                if item["code"] in codes:
                    errors.append({"field": f"{it}.code", "message": f"事项代码 {item['code']} 在本阶段重复"})
                codes.add(item["code"])
                if item["department"] not in departments:
                    errors.append({"field": f"{it}.department",
                                   "message": f"部门 {item['department']} 不在部门列表中"})
                if item["limit_days"] > stage["limit_days"]:
                    errors.append({"field": f"{it}.limit_days", "message": "事项时限不能超过阶段总时限"})
                errors.extend(check_conditions(item.get("applies_when") or {}, f"{it}.applies_when"))
                errors.extend(_consultation_errors(item, it, departments))
                errors.extend(_licence_errors(item, it, stage))
        if total > data["overall_limit_days"]:
            errors.append({"field": f"{where}.stages",
                           "message": f"各阶段时限之和 {total} 个工作日超过全流程总时限 {data['overall_limit_days']}"})
    for index, lead in enumerate(data.get("guidance_leads") or ()):
        if lead["lead_department"] not in departments:
            errors.append({"field": f"guidance_leads[{index}].lead_department",
                           "message": f"辅导牵头部门 {lead['lead_department']} 不在部门列表中"})
    return errors


def guidance_facts(data):
    """What joint guidance (003 §4, §10) needs of a catalog: the lead department of a stage per kind
    of works, and each category's stages with their items, materials and 告知承诺 / 容缺 flags."""
    leads = [{"works": lead["works"], "works_name": lead["works_name"], "stage": stage,
              "lead_department": lead["lead_department"]}
             for lead in data.get("guidance_leads") or () for stage in lead["stages"]]
    stages = [{"category": category["code"], "stage": stage["stage"], "lead_department": stage["lead_department"],
               "items": [{"code": item["code"], "name": item["name"], "department": item["department"],
                          "materials": list(item.get("materials") or ()),
                          "notification_commitment": bool(item.get("notification_commitment")),
                          "accept_with_deficiencies": bool(item.get("accept_with_deficiencies"))}
                         for item in stage["items"]]}
              for category in data["categories"] for stage in category["stages"]]
    return {"guidance_leads": leads, "guidance_stages": stages}


def _consultation_errors(item, at, departments):
    """An item's default consultations name known departments other than its own, each once, with
    no more working days than the item's own limit (the answers feed its decision)."""
    errors, seen = [], set()
    for index, rule in enumerate(item.get("consultations") or ()):
        where = f"{at}.consultations[{index}]"
        if rule["department"] not in departments:
            errors.append({"field": f"{where}.department", "message": f"部门 {rule['department']} 不在部门列表中"})
        elif rule["department"] == item["department"]:
            errors.append({"field": f"{where}.department", "message": "不能向事项的办理部门自身征询"})
        elif rule["department"] in seen:
            errors.append({"field": f"{where}.department", "message": f"部门 {rule['department']} 重复"})
        seen.add(rule["department"])
        if rule["days"] > item["limit_days"]:
            errors.append({"field": f"{where}.days", "message": "征询答复期限不能超过事项办理时限"})
    return errors


def _licence_errors(item, at, stage):
    """The form fields a licence prints are fields of its stage's declaration form."""
    names = {f["name"] for f in stage.get("form") or ()}
    return [{"field": f"{at}.licence.form_fields[{index}]", "message": f"阶段申报表中没有字段 {name}"}
            for index, name in enumerate((item.get("licence") or {}).get("form_fields") or ()) if name not in names]


def licence_rules(data):
    """Every item's licence as the catalog gives it: [{item_code, kind, validity_days, form_fields:
    [{name, label}]}] (an item listed in several categories: the first one listed)."""
    rules = {}
    for category in data["categories"]:
        for stage in category["stages"]:
            labels = {f["name"]: f["label"] for f in stage.get("form") or ()}
            for item in stage["items"]:
                licence = item.get("licence")
                if licence and item["code"] not in rules:
                    rules[item["code"]] = {
                        "item_code": item["code"], "kind": licence["kind"],
                        "validity_days": licence.get("validity_days"),
                        "form_fields": [{"name": n, "label": labels[n]} for n in licence.get("form_fields") or ()]}
    return [rules[code] for code in sorted(rules)]


def consultation_rules(data):
    """Every item's default consultations in a catalog: {item_code: [{department, days}]} (an item
    listed in several categories has one rule; the first one listed)."""
    rules = {}
    for category in data["categories"]:
        for stage in category["stages"]:
            for item in stage["items"]:
                if item.get("consultations"):
                    rules.setdefault(item["code"], [dict(r) for r in item["consultations"]])
    return rules


def require_catalog(catalog):
    if catalog is None:
        raise NotFound("尚未载入审批事项目录")
    return catalog
