"""The window's paper trail (综合窗口文书): what the window hands the applicant, and when.

- 登记凭单 registration voucher: for every declaration, itemising what was received (002 §5);
- 受理通知书 acceptance notice: when a department accepts its case, and again when it accepts a complete
  supplement (the clock resumes, 002 §7(一), §8);
- 补正通知书 supplement notice: everything to add or correct at once, with the date to submit it by
  (002 §7(二));
- 不予受理决定书 refusal decision: the reasons (002 §7(三));
- 不予行政许可决定书 disapproval decision: the department's reasons and the applicant's right to apply
  for administrative reconsideration or bring a lawsuit (002 §9, 000 §13);
- 办结通知 result notice: the item concluded with a licence, which is ready at the window, collected with
  the acceptance notice (002 §22, §23);
- 退件通知书 return notice: the department returned the application before deciding it, with its
  reasons; the applicant may correct and submit it again, and the limit then starts afresh (000 §12,
  004 §13);
- 无需办理告知书 not-required notice: the item needs no licence for this project (002 §7(四));
- 会审纪要 joint review minutes: a joint review's answers, failures to answer, minutes and conclusion
  (002 §14–§17).

Each document gets a number per region, kind and year (``410800受〔2026〕000001号``) and is kept as
the facts it was issued from; the PDF is drawn from those facts whenever it is asked for. A lost
acceptance notice is not reissued: the applicant collects the licence with a loss statement sealed by
the construction unit and a copy of the collector's identity card (002 §24), which the window records
against the notice.
"""
import re

from platform_kit.errors import Conflict

VOUCHER, ACCEPTANCE, SUPPLEMENT, REFUSAL = ("registration_voucher", "acceptance_notice", "supplement_notice",
                                            "refusal_decision")
DISAPPROVAL, COMPLETION = "disapproval_decision", "completion_notice"
RETURN, NOT_REQUIRED = "return_notice", "not_required_notice"
COUNTERSIGN = "countersign_record"   # 001 二: the combined opinion of a consultation, back through the window
JOINT_REVIEW_MINUTES = "joint_review_minutes"   # 002 §14–§17: the minutes and conclusion of a joint review
KINDS = (VOUCHER, ACCEPTANCE, SUPPLEMENT, REFUSAL, DISAPPROVAL, COMPLETION, RETURN, NOT_REQUIRED, COUNTERSIGN,
         JOINT_REVIEW_MINUTES)
TITLES = {VOUCHER: "登记凭单", ACCEPTANCE: "受理通知书", SUPPLEMENT: "补正通知书", REFUSAL: "不予受理决定书",
          DISAPPROVAL: "不予行政许可决定书", COMPLETION: "办结通知", RETURN: "退件通知书",
          NOT_REQUIRED: "无需办理告知书", COUNTERSIGN: "会签意见书",
          JOINT_REVIEW_MINUTES: "会审纪要"}
OPINION_KIND_NAMES = {"agree": "同意", "conditional": "有条件同意", "disagree": "不同意", "none": "无意见",
                      "replied": "已答复", "no_opinion": "逾期未反馈，视为无意见"}
# a joint review's invitee silent at the deadline: no opinion, and a failure to answer
JOINT_REVIEW_NO_ANSWER = "逾期未反馈，视为无意见（未按时反馈）"
_SEPARATORS = re.compile(r"[\n;；]+")
# The competent authority is the department's to name in its opinion; this is what the decision
# says when it did not (002 §7(三)).
DEFAULT_AUTHORITY = "依法具有相应职权的行政机关"


def applicant_label(applicant_org, applicant_name=None):
    """How a document names the construction unit: its name and unified social credit code (projects
    registered before names were kept: the code alone)."""
    return f"{applicant_name or '建设单位'}（统一社会信用代码 {applicant_org}）"


def opinion_entries(opinion):
    """A department's opinion split into its entries (one per line or per ；)."""
    return [part.strip() for part in _SEPARATORS.split(opinion or "") if part.strip()]


def supplement_materials(opinion):
    """The list a supplement notice prints: ``材料名：要求`` entries become {name, reason}."""
    entries = []
    for entry in opinion_entries(opinion) or ["按审查意见补齐补正申请材料"]:
        name, sep, reason = entry.partition("：") if "：" in entry else entry.partition(":")
        entries.append({"name": name.strip(), "reason": reason.strip()} if sep else {"name": entry, "reason": ""})
    return entries


def refusal_reasons(opinion):
    return opinion_entries(opinion) or ["申请事项不符合受理条件"]


def return_reasons(opinion):
    """000 §12: a return states what is wrong, so the applicant can put it right and submit again."""
    return opinion_entries(opinion) or ["申请材料需修改完善后重新提交"]


def not_required_reasons(opinion):
    """002 §7(四): why the item needs no licence for this project."""
    return opinion_entries(opinion) or ["依法不需要取得该项行政许可"]


def disapproval_reasons(opinion):
    """002 §9: the decision states the department's reasons; the opinion is required to carry them."""
    return opinion_entries(opinion) or ["申请材料不能满足法律法规规定的条件与标准"]


def issues_completion_notice(outcome):
    """002 §22: a concluded item whose result is a licence is announced to the applicant; a disapproved
    one was already told by its disapproval decision."""
    return outcome == "approved"


def case_document_fact(kind, event_type, payload):
    """What a case document states, as a key: the same decision told twice (a second event with a
    new ``event_id`` but the same fact) gets one document, never two. A case has one acceptance notice
    per acceptance (by its date), one resumption notice per supplement accepted, one supplement notice
    per request (by its number and date), one return notice per round and one refusal, disapproval,
    not-required decision or completion notice; a fact is told by the case, the kind of document,
    the event and the decision's date plus, where a case can have several, what tells them apart."""
    parts = [payload["case_id"], kind, event_type, str(payload["on"])]
    if event_type == "case.supplement_requested":
        parts.append(str(payload.get("supplement_no") or 1))
    elif event_type == "case.supplement_accepted":
        parts.append(str(payload.get("accepted_on")))
    elif event_type == "case.returned":
        parts.append(str(payload.get("round")))
    return "|".join(parts)


def supplement_due(calendar, issued_on, working_days):
    """(due_on, estimated): the date a supplement notice asks the materials by, `working_days` after
    it is issued (002 §7(二)). When that runs into a year whose holiday schedule is not loaded yet the
    date is counted Monday to Friday and flagged as an estimate; the notice is issued all the same
    and says so."""
    estimating = calendar.estimating()
    due_on = estimating.add_working_days(issued_on, working_days)
    return due_on, estimating.estimated


def require_due_date(facts):
    """A supplement notice states the date to submit by. Notices issued before deadlines were
    estimated for unloaded years may lack it: those are not drawn with a guessed date."""
    if not facts.get("due_on"):
        raise Conflict("补正期限所在年度的工作日历尚未载入，暂不能出具补正通知书")


def can_report_loss(kind, losses):
    if kind != ACCEPTANCE:
        raise Conflict("只有受理通知书可以登记遗失")
    if losses:
        raise Conflict("该受理通知书已登记遗失")
