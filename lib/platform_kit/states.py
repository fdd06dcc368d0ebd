"""State names of cases and stages: part of the public event contract.

The stage service owns the state machine (``stage.domain.case``); every event about a case or a
stage carries the state it is in after the event, named here, and every reader (supervision, the
gateway's documents, department systems) uses these names and labels.
"""
# 办件 (case): 000 §9, 004 §10
SUBMITTED, ACCEPTED, REVIEWED, APPROVED, DISAPPROVED, CONCLUDED = (
    "submitted", "accepted", "reviewed", "approved", "disapproved", "concluded")
SUPPLEMENTING, RETURNED, REFUSED, NOT_REQUIRED, WITHDRAWN = (
    "supplementing", "returned", "refused", "not_required", "withdrawn")

CASE_STATE_LABELS = {
    SUBMITTED: "待受理", ACCEPTED: "已受理", REVIEWED: "已审核", APPROVED: "已批准",
    DISAPPROVED: "不予许可", CONCLUDED: "已办结", SUPPLEMENTING: "补正中", RETURNED: "已退回",
    REFUSED: "不予受理", NOT_REQUIRED: "无需许可", WITHDRAWN: "已撤回",
}
CASE_STATES = tuple(CASE_STATE_LABELS)
CASE_CLOSED_STATES = frozenset({CONCLUDED, REFUSED, NOT_REQUIRED, WITHDRAWN})
# 000 §12: the stage clock pauses while any of its cases is in one of these
CASE_HOLDING_STAGE_CLOCK = frozenset({SUPPLEMENTING, RETURNED})

# 审批阶段 (stage)
STAGE_OPEN, STAGE_CONCLUDED = "open", "concluded"
STAGE_STATE_LABELS = {STAGE_OPEN: "办理中", STAGE_CONCLUDED: "已办结"}
STAGE_STATES = tuple(STAGE_STATE_LABELS)

# 004 §14: what the platform does with a case whose limit lapsed without the department's decision,
# once it recorded "no opinion" (configured per item in the catalog): recall it to the stage's lead
# department, which decides it (the default), or conclude it as "no objection" (视为无意见，自动收回)
RETURN_TO_LEAD, NO_OBJECTION = "return_to_lead", "no_objection"
LAPSE_ACTION_LABELS = {RETURN_TO_LEAD: "收回由牵头部门决定", NO_OBJECTION: "视为无意见，按无异议办结"}
LAPSE_ACTIONS = tuple(LAPSE_ACTION_LABELS)
DEFAULT_LAPSE_ACTION = RETURN_TO_LEAD
