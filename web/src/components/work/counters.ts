/**
 * The officer's counters and what each filters: 待办 (cases awaiting a step of the department: to
 * accept, review, decide or conclude), 已办 (closed: concluded, refused, not required, withdrawn),
 * 临期/逾期 (open cases lit yellow/red today), 补正中 (waiting for the applicant's supplement).
 */
import { api, unwrap, type Schemas } from '@/api/client'

export type CounterKey = 'todo' | 'done' | 'due_soon' | 'overdue' | 'supplementing'
export type Counts = Record<CounterKey, number>
export type CaseState = NonNullable<Schemas['CaseOut']['state']>
export type Light = NonNullable<Schemas['CaseOut']['light']>

export const COUNTER_LABELS: Record<CounterKey, string> = {
  todo: '待办', done: '已办', due_soon: '临期', overdue: '逾期', supplementing: '补正中',
}

/** The states a counter covers (临期 and 逾期: every state not yet closed). */
export const COUNTER_STATES: Partial<Record<CounterKey, CaseState[]>> = {
  todo: ['submitted', 'accepted', 'reviewed', 'approved', 'disapproved'],
  done: ['concluded', 'refused', 'not_required', 'withdrawn'],
  supplementing: ['supplementing'],
  due_soon: ['submitted', 'accepted', 'reviewed', 'approved', 'disapproved', 'supplementing', 'returned'],
  overdue: ['submitted', 'accepted', 'reviewed', 'approved', 'disapproved', 'supplementing', 'returned'],
}

export const COUNTER_LIGHTS: Partial<Record<CounterKey, Light>> = { due_soon: 'yellow', overdue: 'red' }

/** The counters of the caller's visible cases, as of today. */
export async function loadCounts(): Promise<Counts> {
  const c = await unwrap(api.GET('/cases/counters'))
  return { todo: c.todo ?? 0, done: c.done ?? 0, due_soon: c.due_soon ?? 0, overdue: c.overdue ?? 0, supplementing: c.supplementing ?? 0 }
}
