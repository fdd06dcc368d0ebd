"""The window's records of consultations and joint reviews: 会签意见书 (the combined opinion of a
consultation, 001 二) and 会审纪要 (the lead department's minutes of a joint review, 002 §14–§17),
drawn like every window document (:mod:`intake.render.documents`)."""
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from intake.render.documents import (_NOTE, _PLAIN, _fields, _list, _p, _render, _stage_name,
                                     chinese_date)


def countersign_record(*, document_no, project_code, project_name, applicant, item_name, department, question,
                       opened_on, due_on, replies, summary, closed_on, issued_on=None,
                       issued_by="工程建设项目综合服务窗口"):
    """001 二: the asking department concluded its consultation (办结会签); every department's answer,
    the silences recorded as no opinion by the deadline (004 §14), and the summary go back to the
    applicant through the window.

    `replies`: [{department (name), kind (Chinese), opinion, conditions, replied_on}].
    """
    flow = [
        _p(f"{applicant}：", _PLAIN),
        _p(f"你单位申请的“{project_name}”（项目代码 {project_code}）“{item_name}”事项，{department}于"
           f"{chinese_date(opened_on)}发起部门意见征询，答复期限至{chinese_date(due_on)}，"
           f"于{chinese_date(closed_on)}办结会签。各部门意见如下："),
        Spacer(1, 2 * mm),
        _fields([("征询事项", question)]),
        Spacer(1, 3 * mm),
        _list(["答复部门", "意见", "意见内容及条件", "日期"],
              [[r["department"], r["kind"],
                r["opinion"] + (f"。条件：{r['conditions']}" if r.get("conditions") else ""),
                chinese_date(r["replied_on"])] for r in replies],
              [34, 28, 78, 30]),   # mm (_list takes millimetres)
        Spacer(1, 4 * mm),
        _p("会签意见：", _PLAIN),
        _p(summary),
        Spacer(1, 3 * mm),
        _p("逾期未反馈意见的部门视为无意见（依据内部协作实施方案第二条及相关规定）。", _NOTE),
    ]
    return _render("countersign_record", document_no, project_code, flow, issued_by, issued_on or closed_on)


JOINT_REVIEW_KIND_NAMES = {"design_scheme": "方案联审", "construction_drawings": "联合审图",
                           "joint_survey": "联合测绘", "joint_acceptance": "联合验收"}


def joint_review_minutes(*, document_no, project_code, project_name, applicant, kind, stage, convened_by, subject,
                         meeting_on, place, online, opened_on, due_on, answers, failed_to_answer, minutes,
                         conclusion, closed_on, issued_on=None, issued_by="工程建设项目综合服务窗口"):
    """002 §14–§17: the lead department's joint review (会审) of the stage: every invited department's
    answer (an explicit 无意见 included), the departments silent at the deadline recorded as no
    opinion and as failing to answer (未按时反馈), the minutes and the conclusion.

    `answers`: [{department (name), kind (Chinese), opinion, conditions, answered_on, on_time}];
    `failed_to_answer`: department names.
    """
    kind_name = JOINT_REVIEW_KIND_NAMES.get(kind, kind)
    flow = [
        _p(f"{applicant}：", _PLAIN),
        _p(f"你单位“{project_name}”（项目代码 {project_code}）{_stage_name(stage)}阶段，牵头部门{convened_by}于"
           f"{chinese_date(opened_on)}召集{kind_name}，各受邀部门反馈期限至{chinese_date(due_on)}，"
           f"于{chinese_date(closed_on)}形成会审纪要。"),
        Spacer(1, 2 * mm),
        _fields([("会审类型", kind_name), ("会审事项", subject), ("会审日期", chinese_date(meeting_on)),
                 ("会审地点", "线上会审" + (f"（{place}）" if place else "") if online else place),
                 ("牵头部门", convened_by)]),
        Spacer(1, 3 * mm),
        _list(["受邀部门", "意见", "意见内容及条件", "日期"],
              [[a["department"], a["kind"],
                a["opinion"] + (f"。条件：{a['conditions']}" if a.get("conditions") else ""),
                chinese_date(a["answered_on"])] for a in answers],
              [34, 32, 74, 30]),   # mm
        Spacer(1, 3 * mm),
        _p("未按时反馈意见的部门：" + ("、".join(failed_to_answer) if failed_to_answer else "无"), _PLAIN),
        Spacer(1, 3 * mm),
        _p("会审纪要：", _PLAIN),
        _p(minutes),
        Spacer(1, 3 * mm),
        _p("会审结论：", _PLAIN),
        _p(conclusion),
        Spacer(1, 3 * mm),
        _p("受邀部门逾期未反馈意见的视为无意见，并记为未按时反馈（依据运行管理办法第十四条至第十七条）。", _NOTE),
    ]
    return _render("joint_review_minutes", document_no, project_code, flow, issued_by, issued_on or closed_on)
