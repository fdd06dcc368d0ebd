/**
 * Which officer actions apply to a case now: the stage service's transitions (the states each action
 * leaves from, the steps that entitle an officer, and whether a reason is required), so the case page
 * offers only what the service would accept. The service still decides; its refusal is shown as is.
 */
import type { Schemas } from '@/api/client'
import type { Identity } from '@/session'

export type CaseAction = Schemas['ActOnCase']['action']

interface Rule {
  from: string[]
  steps: string[]
  needsReason: boolean
}

export const OFFICER_RULES: Partial<Record<CaseAction, Rule>> = {
  accept: { from: ['submitted'], steps: ['accept'], needsReason: false },
  request_supplement: { from: ['submitted', 'accepted', 'reviewed'], steps: ['accept'], needsReason: true },
  accept_supplement: { from: ['supplementing'], steps: ['accept'], needsReason: false },
  refuse: { from: ['submitted', 'accepted'], steps: ['accept'], needsReason: true },
  not_required: { from: ['submitted'], steps: ['accept'], needsReason: true },
  review: { from: ['accepted'], steps: ['review'], needsReason: false },
  approve: { from: ['reviewed'], steps: ['approve'], needsReason: false },
  disapprove: { from: ['reviewed'], steps: ['approve'], needsReason: true },
  conclude: { from: ['approved', 'disapproved'], steps: ['conclude'], needsReason: false },
  return: { from: ['submitted', 'accepted', 'reviewed', 'supplementing'], steps: ['accept', 'review'], needsReason: true },
}

/** May this person act on the case at all (an officer of its department and region, or of the stage's
 * lead department once the case was recalled to it on lapse, 004 §14)? */
export function handles(who: Identity | null, c: Schemas['CaseOut']): boolean {
  if (!who || who.role !== 'officer') return false
  if (c.recalled_to) return who.department === c.recalled_to
  return who.department === c.department && (!who.region || who.region === c.region)
}

/** The officer actions the person may take on the case in its current state, in the order of the steps. */
export function applicableActions(who: Identity | null, c: Schemas['CaseOut']): CaseAction[] {
  if (!handles(who, c) || !c.state) return []
  const steps = new Set(who?.steps ?? [])
  return (Object.keys(OFFICER_RULES) as CaseAction[]).filter((action) => {
    const rule = OFFICER_RULES[action]!
    return rule.from.includes(c.state!) && rule.steps.some((s) => steps.has(s))
  })
}

/** Actions the person may pass under special handling (004 §17): any step's action valid in this state. */
export function specialActions(c: Schemas['CaseOut']): CaseAction[] {
  return (Object.keys(OFFICER_RULES) as CaseAction[]).filter((a) => OFFICER_RULES[a]!.from.includes(c.state ?? ''))
}

export function needsReason(action: CaseAction): boolean {
  return OFFICER_RULES[action]?.needsReason ?? false
}

/** Primary (advancing) actions are shown first and highlighted; closing ones are plain. */
export const ADVANCING: CaseAction[] = ['accept', 'accept_supplement', 'review', 'approve', 'conclude']

export function formatSize(bytes?: number): string {
  if (bytes == null) return '—'
  if (bytes < 1024) return `${bytes} 字节`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

export function formatTime(iso?: string | null): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })
}
