/**
 * Consultations (征询) as the consult service reports them: the Chinese names of their states and of
 * the reply kinds, the catalog's departments and the item rules, and who may do what on one.
 */
import { api, unwrap, type Schemas } from '@/api/client'
import { categoriesOf, departmentsOf, type Catalog, type Department } from '@/components/operator/catalog'
import type { Identity } from '@/session'

export type Consultation = Schemas['ConsultationOut']
export type Reply = Schemas['ReplyOut']

export const CONSULT_STATE_LABELS: Record<string, string> = { open: '待答复', answered: '待会签', closed: '已办结' }

export const REPLY_KIND_LABELS: Record<string, string> = {
  agree: '同意',
  conditional: '有条件同意',
  disagree: '不同意',
  none: '无意见',
  replied: '已答复',
  no_opinion: '逾期未答复（视为无意见）',
}

let catalogOnce: Promise<Catalog> | null = null

/** The newest catalog (public), fetched once per page load: department names and item rules. */
export function loadCatalog(): Promise<Catalog> {
  if (!catalogOnce) {
    catalogOnce = unwrap(api.GET('/catalog', { params: { query: {} } })).catch((e) => {
      catalogOnce = null
      throw e
    })
  }
  return catalogOnce
}

export function departmentList(catalog: Catalog | null): Department[] {
  return departmentsOf(catalog)
}

export function nameOf(catalog: Catalog | null, code: string | null | undefined): string {
  if (!code) return '—'
  const found = departmentsOf(catalog).find((d) => d.code === code)
  return found ? found.name : code
}

/** The item's consultation rule in the catalog: [{department, days}] (empty without one). */
export function ruleOf(catalog: Catalog | null, itemCode: string | undefined): Schemas['ConsultationRuleIn'][] {
  for (const category of categoriesOf(catalog)) {
    for (const stage of category.stages ?? []) {
      const item = (stage.items ?? []).find((i) => i.code === itemCode)
      if (item) return item.consultations ?? []
    }
  }
  return []
}

/** May this officer reply now (an addressed department without a reply, while the consultation is open)? */
export function mayReply(who: Identity | null, c: Consultation): boolean {
  return !!who && who.role === 'officer' && c.status === 'open' && !!who.department
    && (c.outstanding ?? []).includes(who.department) && !!c.due_on && c.due_on >= todayInShanghai()
}

/** Today's date in China (YYYY-MM-DD), the day the platform counts deadlines by. */
export function todayInShanghai(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
}

/** May this officer countersign (the initiating department, not closed yet)? */
export function initiates(who: Identity | null, c: Consultation): boolean {
  return !!who && who.role === 'officer' && who.department === c.asked_by && c.status !== 'closed'
}
