/** Chinese names of the platform's codes (the same labels the services print; a test compares them). */
export const STAGE_LABELS: Record<string, string> = {
  land_use_planning: '立项用地规划许可',
  engineering_permit: '工程建设许可',
  construction_permit: '施工许可',
  completion_acceptance: '竣工验收',
}
export const STAGE_ORDER = Object.keys(STAGE_LABELS)

export const CASE_STATE_LABELS: Record<string, string> = {
  submitted: '待受理',
  accepted: '已受理',
  reviewed: '已审核',
  approved: '已批准',
  disapproved: '不予许可',
  concluded: '已办结',
  supplementing: '补正中',
  returned: '已退回',
  refused: '不予受理',
  not_required: '无需许可',
  withdrawn: '已撤回',
}
export const CASE_CLOSED_STATES = ['concluded', 'refused', 'not_required', 'withdrawn']

export const STAGE_STATE_LABELS: Record<string, string> = { open: '办理中', concluded: '已办结' }

export const ACTION_LABELS: Record<string, string> = {
  accept: '受理',
  request_supplement: '一次性告知补正',
  accept_supplement: '补正后受理',
  refuse: '不予受理',
  not_required: '无需许可',
  review: '审核通过',
  approve: '批准',
  disapprove: '不予许可',
  conclude: '办结',
  return: '退回',
  resubmit: '重新提交',
  withdraw: '撤回',
}

export const LIGHT_LABELS: Record<string, string> = { green: '正常', yellow: '临期', red: '逾期' }

export const ROLE_LABELS: Record<string, string> = {
  applicant: '申请人',
  clerk: '综合窗口',
  officer: '部门审批人员',
  dept_admin: '部门管理员',
  supervisor: '监督人员',
  operator: '平台运营',
  province: '省级平台',
}

export const DOCUMENT_KIND_LABELS: Record<string, string> = {
  registration_voucher: '项目登记凭单',
  acceptance_notice: '受理通知书',
  supplement_notice: '补正材料通知书',
  refusal_decision: '不予受理决定书',
  disapproval_decision: '不予许可决定书',
  completion_notice: '办结通知书',
  return_notice: '退件通知书',
  not_required_notice: '无需办理告知书',
  countersign_record: '会签意见书',
  joint_review_minutes: '会审纪要',
}

export const SOURCE_LABELS: Record<string, string> = { online: '网上申报', window: '窗口登记', investment_platform: '投资审批平台推送' }

export function label(map: Record<string, string>, code: string | null | undefined): string {
  if (code == null) return '—'
  return map[code] ?? code
}

// complaints and reports (投诉举报, 002 §33) and the accountability list (问责清单, 002 §34)
export const COMPLAINT_STATE_LABELS: Record<string, string> = { filed: '待受理', assigned: '办理中', concluded: '已办结' }
export const COMPLAINT_ABOUT_LABELS: Record<string, string> = { case: '办件', project: '项目', department: '部门' }
export const COMPLAINT_CHANNEL_LABELS: Record<string, string> = { applicant: '申请人', public: '匿名' }
export const COMPLAINT_STEP_LABELS: Record<string, string> = {
  filed: '提交', assigned: '受理分派', recounted: '期限重算', concluded: '办结',
}
export const ACCOUNTABILITY_GROUND_LABELS: Record<string, string> = {
  '34-2': '第三十四条第（二）项 不按流程办理',
  '34-3': '第三十四条第（三）项 不提供、接收、处理或拖延信息',
  '34-4': '第三十四条第（四）项 未实时推送或上传信息不准确、不完整',
  '34-5': '第三十四条第（五）项 未在承诺时限内出具意见或证件',
}
export const ACCOUNTABILITY_FACT_LABELS: Record<string, string> = {
  case_lapsed: '审批意见逾期',
  consultation_silent: '征询逾期未答复',
  joint_review_silent: '会审逾期未反馈',
  second_supplement: '再次补正',
  exchange_rejected: '省级平台退回数据',
}
export const ACCOUNTABILITY_STATE_LABELS: Record<string, string> = {
  open: '待决定', confirmed: '已确认', dismissed: '不予问责', referred: '已移送',
}
export const ACCOUNTABILITY_DECISION_LABELS: Record<string, string> = { confirm: '确认', dismiss: '不予问责', refer: '移送' }

// ------------------------------------------------------------------ notices (消息)
export const NOTICE_KIND_LABELS: Record<string, string> = {
  urge: '催办',
  reminder: '提醒',
  supervision: '督办',
  document: '文书送达',
  supplement: '补正通知',
  decision: '审批决定',
  completion: '办结通知',
  complaint: '投诉举报',
  guidance: '辅导答复',
  coordination: '协调申请',
  inspection: '督查',
  accountability: '问责',
  consultation: '征询会审',
}
export const URGENCY_LABELS: Record<string, string> = { normal: '一般', urgent: '紧急', very_urgent: '特急' }
export const CHANNEL_LABELS: Record<string, string> = { inbox: '站内消息', email: '电子邮件', sms: '短信' }
// urges (催办), coordination requests (协调申请) and inspection notes (督查)
export const COORDINATION_STATE_LABELS: Record<string, string> = { open: '待答复', answered: '已答复', overdue: '逾期未答复' }
// statistics (统计分析)
export const STATISTICS_GROUP_LABELS: Record<string, string> = {
  department: '部门', region: '行政区划', item: '事项', stage: '阶段', officer: '经办人', month: '月份',
}
export const STATISTICS_CHART_LABELS: Record<string, string> = { ranking: '部门按时办结率排名', trend: '按月办件趋势' }

/** A rate (0–1) as a percentage; '—' without a base. */
export function percent(rate: number | null | undefined): string {
  return rate == null ? '—' : `${(rate * 100).toFixed(1)}%`
}

/** 环比/同比 of a count (relative change) with its sign; '—' without a base. */
export function change(value: number | null | undefined): string {
  if (value == null) return '—'
  return `${value > 0 ? '+' : ''}${(value * 100).toFixed(1)}%`
}

// sealed licences (电子证照): state today, form, kind
export const LICENCE_STATUS_LABELS: Record<string, string> = {
  valid: '有效', superseded: '已变更', revoked: '已废止', expired: '已过期', unknown: '非本平台签发',
}
export const LICENCE_FORM_LABELS: Record<string, string> = { electronic: '电子证照', paper_copy: '纸质证照电子副本' }
export const HANDOVER_FORM_LABELS: Record<string, string> = { paper: '纸质', electronic: '电子' }
// joint guidance (联合辅导, 003)
export const GUIDANCE_STATE_LABELS: Record<string, string> = {
  requested: '待牵头部门签收', handling: '牵头部门办理中', consulting: '联合辅导中',
  to_confirm: '待申请人确认清单', closed: '已办结',
}
export const WORKS_LABELS: Record<string, string> = {
  building: '房屋建筑', transport: '交通工程', water: '水利工程', grid: '电网工程', municipal_pipeline: '市政管线外线工程',
}
export const FINDING_LABELS: Record<string, string> = { ok: '符合要求', missing: '缺少', error: '有误', corrected: '已当场更正' }
export const ANSWER_MODE_LABELS: Record<string, string> = { on_spot: '当场答复', deferred: '2个工作日内答复' }
export const GUIDANCE_LIST_LABELS: Record<string, string> = { one_time: '一次告知清单', next_stage: '下一阶段事项及材料清单' }
