/**
 * The officer's counters and what each filters: 待办 (cases awaiting a step of the department),
 * 已办 (cases the department has finished), 临期/逾期 (open cases by light), 补正中.
 */
import { api, unwrap, type Schemas } from '@/api/client'

export type CounterKey = 'todo' | 'done' | 'due_soon' | 'overdue' | 'supplementing'
export type Counts = Record<CounterKey, number>
export type CaseState = NonNullable<Schemas['CaseOut']['state']>
export type Light = NonNullable<Schemas['CaseOut']['light']>

export const COUNTER_LABELS: Record<CounterKey, string> = {
  todo: '待办', done: '已办', due_soon: '临期', overdue: '逾期', supplementing: '补正中',
}

/** The states a counter covers (the list is filtered by one of them at a time). */
export const COUNTER_STATES: Partial<Record<CounterKey, CaseState[]>> = {
  todo: ['submitted', 'accepted', 'reviewed', 'approved', 'disapproved'],
  done: ['concluded', 'refused', 'not_required', 'returned', 'withdrawn'],
  supplementing: ['supplementing'],
}

export const COUNTER_LIGHTS: Partial<Record<CounterKey, Light>> = { due_soon: 'yellow', overdue: 'red' }

async function totalIn(state: CaseState): Promise<number> {
  const page = await unwrap(api.GET('/cases', { params: { query: { state, limit: 1, offset: 0 } } }))
  return page.total
}

/** Totals by state of the cases the caller may see. */
export async function stateTotals(): Promise<Record<string, number>> {
  const states = [...COUNTER_STATES.todo!, ...COUNTER_STATES.done!, 'supplementing'] as CaseState[]
  const totals = await Promise.all(states.map(totalIn))
  return Object.fromEntries(states.map((s, i) => [s, totals[i]]))
}

export async function loadCounts(): Promise<{ counts: Counts; byState: Record<string, number> }> {
  const byState = await stateTotals()
  const sum = (key: CounterKey) => (COUNTER_STATES[key] ?? []).reduce((n, s) => n + (byState[s] ?? 0), 0)
  const open = await openCases()
  return {
    byState,
    counts: {
      todo: sum('todo'), done: sum('done'), supplementing: byState.supplementing ?? 0,
      due_soon: open.filter((c) => c.light === 'yellow').length,
      overdue: open.filter((c) => c.light === 'red').length,
    },
  }
}

/** The open cases the department is working on (the lights of those that are due). */
export async function openCases(): Promise<Schemas['CaseOut'][]> {
  const pages = await Promise.all(COUNTER_STATES.todo!.map((state) =>
    unwrap(api.GET('/cases', { params: { query: { state, limit: 200, offset: 0 } } }))))
  return pages.flatMap((p) => p.items)
}
