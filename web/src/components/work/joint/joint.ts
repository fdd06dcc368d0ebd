/**
 * Joint reviews (会审) as the consult service reports them: the Chinese names of their kinds, states
 * and answers, and who may do what on one.
 */
import type { Schemas } from '@/api/client'
import type { Identity } from '@/session'
import { todayInShanghai } from '@/components/work/consult/consult'

export type JointReview = Schemas['JointReviewOut']
export type JointAnswer = Schemas['JointReviewAnswerOut']
export type JointKind = Schemas['ConveneJointReview']['kind']

export const JOINT_KIND_LABELS: Record<JointKind, string> = {
  design_scheme: '方案联审',
  construction_drawings: '联合审图',
  joint_survey: '联合测绘',
  joint_acceptance: '联合验收',
}
export const JOINT_KINDS = Object.keys(JOINT_KIND_LABELS) as JointKind[]

export const JOINT_STATE_LABELS: Record<string, string> = { open: '待反馈', answered: '待形成纪要', closed: '已办结' }

export const ANSWER_KIND_LABELS: Record<string, string> = {
  agree: '同意',
  conditional: '有条件同意',
  disagree: '不同意',
  none: '无意见',
  no_opinion: '逾期未答复（视为无意见，记为未按时反馈）',
}

/** May this officer answer now (an invited department without an answer, while open, by the deadline)? */
export function mayAnswer(who: Identity | null, r: JointReview): boolean {
  return !!who && who.role === 'officer' && r.status === 'open' && !!who.department
    && (r.outstanding ?? []).includes(who.department) && !!r.due_on && r.due_on >= todayInShanghai()
}

/** Is this officer of the convening department, the review not closed yet? */
export function convenes(who: Identity | null, r: JointReview): boolean {
  return !!who && who.role === 'officer' && who.department === r.convened_by && r.status !== 'closed'
}

/** The minutes may be recorded once nobody is outstanding within the deadline. */
export function minutesReady(r: JointReview): boolean {
  return !(r.outstanding ?? []).length || (!!r.due_on && r.due_on < todayInShanghai())
}
