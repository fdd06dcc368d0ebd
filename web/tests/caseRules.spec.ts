import { describe, expect, it } from 'vitest'
import { applicableActions, needsReason, specialActions } from '@/components/work/caseRules'
import type { Identity } from '@/session'
import type { Schemas } from '@/api/client'

const officer = (steps: string[], department = 'NRP'): Identity =>
  ({ sub: 'o', role: 'officer', name: '审批人员', department, region: '410800', steps, exp: 0 })
const kase = (state: Schemas['CaseOut']['state']): Schemas['CaseOut'] =>
  ({ case_id: 'c', state, department: 'NRP', region: '410800' })
const ALL = ['accept', 'review', 'approve', 'conclude']

describe('the officer actions a case page offers', () => {
  it('follows the case through its steps for an officer holding all four', () => {
    expect(applicableActions(officer(ALL), kase('submitted'))).toEqual(['accept', 'request_supplement', 'refuse', 'not_required', 'return'])
    expect(applicableActions(officer(ALL), kase('accepted'))).toEqual(['request_supplement', 'refuse', 'review', 'return'])
    expect(applicableActions(officer(ALL), kase('reviewed'))).toEqual(['request_supplement', 'approve', 'disapprove', 'return'])
    expect(applicableActions(officer(ALL), kase('approved'))).toEqual(['conclude'])
    expect(applicableActions(officer(ALL), kase('supplementing'))).toEqual(['accept_supplement', 'return'])
    expect(applicableActions(officer(ALL), kase('concluded'))).toEqual([])
  })

  it('offers only the steps the officer is named for, and nothing to another department', () => {
    expect(applicableActions(officer(['review']), kase('accepted'))).toEqual(['review', 'return'])
    expect(applicableActions(officer(['review']), kase('submitted'))).toEqual(['return'])
    expect(applicableActions(officer(['approve']), kase('accepted'))).toEqual([])
    expect(applicableActions(officer(ALL, 'DRC'), kase('submitted'))).toEqual([])
    expect(applicableActions({ ...officer(ALL), role: 'supervisor' }, kase('submitted'))).toEqual([])
  })

  it('asks for a reason where the service requires one', () => {
    expect(['request_supplement', 'refuse', 'not_required', 'disapprove', 'return'].every((a) => needsReason(a as never))).toBe(true)
    expect(['accept', 'review', 'approve', 'conclude', 'accept_supplement'].some((a) => needsReason(a as never))).toBe(false)
  })

  it('special handling offers every officer action the state allows, whatever the steps', () => {
    expect(specialActions(kase('reviewed'))).toEqual(['request_supplement', 'approve', 'disapprove', 'return'])
  })
})
