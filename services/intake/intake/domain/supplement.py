"""Supplements handed in through the window (002 §8).

After a supplement notice the applicant hands in every material asked for; the window registers
them, issues a registration voucher and passes them to the department, which checks them and
accepts the supplement (the clock then continues). The window knows a case is waiting for its
supplement from what the stage service announced: the latest decision on the case is a supplement
request. Any later decision (the supplement accepted, the case accepted, refused, returned,
withdrawn, decided) means the request was dealt with. One supplement is registered per request: the
notice asks for everything at once (002 §7(二)).
"""
from platform_kit.errors import Conflict, NotFound

REQUESTED = "case.supplement_requested"


def waiting_request(project_code, case_id, facts):
    """The supplement request the case is waiting on. `facts`: the case's announced decisions as
    dicts {type, project_code, event_id, ...}, in the order they happened."""
    if any(f["project_code"] != project_code for f in facts):
        raise NotFound(f"项目 {project_code} 中没有办件 {case_id}")
    if not facts or facts[-1]["type"] != REQUESTED:
        raise Conflict("该办件未处于补正中，不能提交补正材料")
    return facts[-1]


def check_not_submitted(existing):
    if existing is not None:
        raise Conflict("该补正通知的材料已经提交，等待审批部门核对；如需再次补正，请等待新的补正通知")
