"""One line of Chinese per event, for the project timeline supervisors read (002 §33: real-time督察)."""

STAGE_NAMES = {
    "land_use_planning": "立项用地规划许可",
    "engineering_permit": "工程建设许可",
    "construction_permit": "施工许可",
    "completion_acceptance": "竣工验收",
}


def _stage(p):
    return STAGE_NAMES.get(p.get("stage"), p.get("stage") or "")


def _in_time(p):
    return "按期" if p.get("on_time") else "超期"


SUMMARIES = {
    "project.registered": lambda p: f"项目登记：{p.get('name')}（建设单位 {p.get('applicant_org')}）",
    "project.updated": lambda p: f"项目信息更新（第 {p.get('revision')} 版）：{p.get('name')}",
    "material.uploaded": lambda p: f"上传材料《{p.get('name')}》第 {p.get('version')} 版",
    "material.verified": lambda p: (f"{p.get('department')} 核验材料《{p.get('name')}》第 {p.get('version')} 版"
                                    f"与原件一致（首次核验，000 §11）"),
    "declaration.submitted": lambda p: f"申报{_stage(p)}阶段，共 {len(p.get('items') or [])} 个审批事项",
    "stage.opened": lambda p: (f"{_stage(p)}阶段受理，牵头部门 {p.get('lead_department')}，"
                               f"阶段时限 {p.get('limit_days')} 个工作日"),
    "case.accepted": lambda p: (f"{p.get('department')} 受理「{p.get('item_name')}」，时限 {p.get('limit_days')}"
                                f" 个工作日，{p.get('due_on')} 到期"),
    "case.reviewed": lambda p: f"{p.get('department')} 审查「{p.get('item_name')}」",
    "case.approved": lambda p: f"{p.get('department')} 批准「{p.get('item_name')}」",
    "case.disapproved": lambda p: f"{p.get('department')} 不予许可「{p.get('item_name')}」",
    "case.concluded": lambda p: (f"{p.get('department')} 办结「{p.get('item_name')}」，用时 {p.get('used_days')}"
                                 f" 个工作日，{_in_time(p)}"),
    "stage.concluded": lambda p: f"{_stage(p)}阶段办结，{_in_time(p)}",
    "case.supplement_requested": lambda p: (
        f"{p.get('department')} 对「{p.get('item_name')}」出具补正通知，自 {p.get('on')} 起暂停计时"
        + (f"；第 {p.get('supplement_no')} 次补正，牵头部门记录的理由：{p.get('second_supplement_reason')}"
           if p.get("second_supplement_reason") else "")),
    "case.supplement_accepted": lambda p: (f"{p.get('department')} 受理「{p.get('item_name')}」的补正材料，继续计时"
                                           + (f"，{p.get('due_on')} 到期" if p.get("due_on") else "")),
    "case.refused": lambda p: f"{p.get('department')} 对「{p.get('item_name')}」不予受理：{p.get('opinion') or ''}",
    "case.not_required": lambda p: f"{p.get('department')} 告知「{p.get('item_name')}」无需取得许可",
    "case.returned": lambda p: (f"{p.get('department')} 退回「{p.get('item_name')}」，本办件计时终止，"
                                f"阶段暂停计时"),
    "case.resubmitted": lambda p: f"「{p.get('item_name')}」重新提交（第 {p.get('round')} 次），重新计算时限",
    "case.withdrawn": lambda p: f"申请人撤回「{p.get('item_name')}」",
    "case.lapsed": lambda p: (f"{p.get('department')} 逾期未对「{p.get('item_name')}」出具意见"
                              f"（{p.get('due_on')} 到期），视为无意见"),
    "case.recalled": lambda p: (f"「{p.get('item_name')}」办理时限届满，{p.get('recalled_from')} 未作决定，办理流程自动收回，"
                                + (f"由牵头部门 {p.get('recalled_to')} 决定" if p.get("recalled_to")
                                   else "视为无意见，按无异议办结")),
    "case.special_handled": lambda p: (f"{p.get('department')} 对「{p.get('item_name')}」按特别程序处理："
                                       f"{p.get('reason')}"),
    "stage.extended": lambda p: (f"牵头部门 {p.get('department')} 延长"
                                 + ("办件" if p.get("case_id") else f"{_stage(p)}阶段")
                                 + f"时限 {p.get('days')} 个工作日：{p.get('reason')}"),
    "licence.issued": lambda p: f"{p.get('department')} 核发电子证照 {p.get('licence_no')}（{p.get('item_name')}）",
    "licence.revoked": lambda p: f"{p.get('department')} 废止电子证照 {p.get('licence_no')}：{p.get('reason')}",
    "consultation.opened": lambda p: (f"{p.get('asked_by')} 向 {'、'.join(p.get('asked_of') or [])} 发起征询，"
                                      f"{p.get('due_on')} 前答复"),
    "consultation.replied": lambda p: f"{p.get('department')} 答复征询",
    "joint_review.convened": lambda p: (f"牵头部门 {p.get('convened_by')} 召集{_joint_review(p)}，邀请 "
                                        f"{'、'.join(p.get('invitees') or [])}，{p.get('due_on')} 前反馈意见"),
    "joint_review.answered": lambda p: f"{p.get('department')} 反馈会审意见",
    "joint_review.no_answer": lambda p: (f"{p.get('department')} 未按时反馈{_joint_review(p)}意见"
                                         f"（{p.get('due_on')} 到期），视为无意见，记为未按时反馈"),
    "joint_review.concluded": lambda p: (f"牵头部门 {p.get('convened_by')} 形成{_joint_review(p)}纪要，结论：{p.get('conclusion')}"
                                         + (f"；未按时反馈：{'、'.join(p['failed_to_answer'])}"
                                            if p.get("failed_to_answer") else "")),
}


_WORKS = {"building": "房屋建筑", "transport": "交通工程", "water": "水利工程", "grid": "电网工程",
          "municipal_pipeline": "市政管线外线工程"}
_LIST = {"one_time": "一次告知清单", "next_stage": "下一阶段并联审批事项及材料清单"}


def _guidance_requested(p):
    how = "综合窗口现场代为申请" if p.get("channel") == "window" else "申请人网上申请"
    which = f"第 {p['session_no']} 次" if p.get("session_no") else ""
    return (f"{how}{which}联合辅导（{_stage(p)}阶段，{_WORKS.get(p.get('works'), p.get('works'))}），"
            f"牵头部门 {p.get('lead_department')}：{p.get('topic')}")


def _guidance_answered(p):
    if p.get("lapsed"):
        return f"{p.get('department')} 未在 {p.get('due_on')} 前答复联合辅导疑难问题，答复时限已过（红灯）"
    if p.get("mode") == "on_spot":
        return f"{p.get('department')} 当场答复联合辅导问题"
    late = p.get("due_on") and p.get("answered_on") and str(p["answered_on"]) > str(p["due_on"])
    return (f"{p.get('department')} 答复联合辅导疑难问题（{p.get('due_on')} 前答复）"
            + ("，逾期答复" if late else "，按期"))


def _guidance_listed(p):
    text = f"{p.get('department')} 出具{_LIST.get(p.get('kind'), '清单')}（{_stage(p)}阶段，{len(p.get('item_codes') or [])} 个事项）"
    return text + (f"，更正前一清单：{p.get('reason')}" if p.get("supersedes") else "")


def _joint_review(p):
    return {"design_scheme": "方案联审", "construction_drawings": "联合审图", "joint_survey": "联合测绘",
            "joint_acceptance": "联合验收"}.get(p.get("kind"), "会审")


def _recounted(p):
    clock = p.get("clock") or {}
    whose = "办件" if p.get("case_id") else f"{_stage(p)}阶段"
    return (f"按 {p.get('year')} 年节假日安排重新计算{whose}时限，{clock.get('due_on')} 到期"
            + ("（仍为估算）" if clock.get("due_estimated") else ""))


SUMMARIES["stage.clock_recomputed"] = _recounted
# joint guidance (联合辅导, 003)
SUMMARIES.update({
    "guidance.requested": _guidance_requested,
    "guidance.scheduled": lambda p: (f"牵头部门 {p.get('lead_department')} 组织联合辅导，选派 {len(p.get('team') or [])} 名辅导人员，"
                                     f"通知 {'、'.join(p.get('supporting') or []) or '无'} 15分钟内到场"
                                     + (f"（{p.get('place')}）" if p.get("place") else "")),
    "guidance.answered": _guidance_answered,
    "guidance.listed": _guidance_listed,
    "guidance.flagged": lambda p: (f"第 {p.get('session_no')} 次申请联合辅导，同一项目辅导超过三次，列为异常办件，"
                                   f"启动监察、督办（牵头部门 {p.get('lead_department')}）"),
    "guidance.closed": lambda p: (f"联合辅导办结（牵头部门 {p.get('lead_department')}，{p.get('questions')} 个问题）"
                                  + (f"；迟到部门：{'、'.join(p['late_arrivals'])}" if p.get("late_arrivals") else "")),
    "guidance.published": lambda p: (f"{p.get('department')} 向「{p.get('item_code')}」办事指南发布"
                                     + ("常见问题" if p.get("kind") == "faq" else "常见错误示例")),
})
SUMMARIES["calendar.year_loaded"] = lambda p: f"{p.get('loaded_by')} 载入 {p.get('year')} 年法定节假日安排"


def summary(event_type, payload):
    describe = SUMMARIES.get(event_type)
    if describe is None:
        return f"事件 {event_type}"
    try:
        return describe(payload)
    except Exception:  # a payload of a later version may lack a field; the timeline still records it
        return f"事件 {event_type}"


# supervision's own acts (000 §18, 004 §21-22)
_URGENCY = {"normal": "一般", "urgent": "紧急", "very_urgent": "特急"}
_TARGET = {"case": "办件", "stage": "阶段", "consultation": "征求意见", "guidance": "辅导答复"}
_ALERT = {"yellow": "临近时限（黄灯），提醒承办人员", "red": "已超时限（红灯），催办部门负责人并告知牵头部门",
          "supervision": "超时限未办，转督查人员督办"}
SUMMARIES["urge.sent"] = lambda p: (f"{p.get('sent_by')} 催办{p.get('department')}的{_TARGET.get(p.get('target_kind'), '')}"
                                    f"（{_URGENCY.get(p.get('urgency'), p.get('urgency'))}）：{p.get('message')}")
SUMMARIES["alert.raised"] = lambda p: f"{p.get('department')} 的办件{_ALERT.get(p.get('level'), p.get('level'))}"
