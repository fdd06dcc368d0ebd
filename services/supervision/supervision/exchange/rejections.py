"""What a rejected row (SJSCZT = 2) asks of the platform, read from its reason (SBYY). Plain rules.

- a missing parent row (上级数据不存在): the platform sends the row again after its parent;
- a code outside the national code list (代码表): the platform maps the record again with the newest
  mapping and sends it again when that changes the row;
- anything else (a wrong date, a missing value the platform does not have): a person must correct
  the record; it becomes an operator task and a fact of the accountability list (002 §34(三)).
A row is fixed by the platform at most ``MAX_SELF_FIXES`` times; after that a person looks at it.
"""
from dataclasses import dataclass

MISSING_PARENT, STALE_CODE, PERSON = "missing_parent", "stale_code", "person"
MAX_SELF_FIXES = 3
LABELS = {MISSING_PARENT: "上级数据不存在（平台自动补发）", STALE_CODE: "代码不在国家代码表（平台按新映射重发）",
          PERSON: "需人工更正"}
# who answers for the data of each kind of row (the window registers projects and their records; a
# case's department its steps and documents; the operator the published catalog)
WINDOW, OPERATOR_DEPARTMENT = "DSB", "DSB"


@dataclass(frozen=True)
class Verdict:
    kind: str
    self_fix: bool


def classify(reason, self_fixes=0):
    text = reason or ""
    if "上级" in text or "父记录" in text or "不存在" in text:
        kind = MISSING_PARENT
    elif "代码表" in text:
        kind = STALE_CODE
    else:
        kind = PERSON
    return Verdict(kind, kind != PERSON and self_fixes < MAX_SELF_FIXES)


def responsible_department(kind, record):
    """The department that answers for a row of `kind` built from `record` (001 §14)."""
    if kind in ("case", "step", "document", "attachment"):
        return record.get("department") or WINDOW
    if kind in ("flow", "stage", "item"):
        return record.get("department") or OPERATOR_DEPARTMENT
    return WINDOW


def reason_group(reason):
    """Rejections counted by reason: the text before the first colon (e.g. 计划竣工时间早于计划开工时间)."""
    text = (reason or "").strip()
    for separator in ("：", ":"):
        if separator in text:
            return text.split(separator, 1)[0]
    return text[:60]
