/**
 * What changed between two catalog versions, computed in the browser from both versions as served
 * (GET /catalog?version=N): items added, removed and changed (with each changed field), stages whose
 * lead department or limit changed, categories and departments added or removed.
 */
import { label, STAGE_LABELS } from '@/labels'
import { categoriesOf, departmentsOf, type Catalog, type Department, type Item, type Stage } from './catalog'

export interface FieldChange {
  field: string
  label: string
  before: string
  after: string
}

export interface Change {
  kind: 'added' | 'removed' | 'changed'
  scope: 'item' | 'stage' | 'category' | 'department' | 'catalog'
  /** Where it is, in Chinese: 类别 › 阶段 › 事项 */
  where: string
  fields: FieldChange[]
}

const ITEM_FIELDS: Record<string, string> = {
  name: '事项名称', department: '办理部门', limit_days: '办理时限（工作日）', materials: '申请材料',
  applies_when: '适用条件', notification_commitment: '告知承诺制', accept_with_deficiencies: '容缺受理',
  faq: '常见问题', common_errors: '常见错误',
}
const STAGE_FIELDS: Record<string, string> = { lead_department: '牵头部门', limit_days: '阶段时限（工作日）', form: '申报表' }
const CATEGORY_FIELDS: Record<string, string> = { name: '类别名称', description: '类别说明' }
const DEPARTMENT_FIELDS: Record<string, string> = { name: '部门名称', level: '层级', region: '行政区划' }
const CATALOG_FIELDS: Record<string, string> = { name: '目录名称', description: '目录说明', overall_limit_days: '全流程时限（工作日）' }

export function show(value: unknown): string {
  if (value === undefined || value === null) return '（无）'
  if (typeof value === 'boolean') return value ? '是' : '否'
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.length ? value.join('、') : '（无）'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}

function fieldChanges(before: object, after: object, labels: Record<string, string>): FieldChange[] {
  const b = before as Record<string, unknown>, a = after as Record<string, unknown>
  return Object.entries(labels)
    .filter(([field]) => !same(b[field], a[field]))
    .map(([field, text]) => ({ field, label: text, before: show(b[field]), after: show(a[field]) }))
}

function byKey<T>(list: T[] | undefined, key: (t: T) => string): Map<string, T> {
  return new Map((list ?? []).map((t) => [key(t), t]))
}

function compare<T extends object>(old: Map<string, T>, next: Map<string, T>, scope: Change['scope'],
  where: (t: T) => string, labels: Record<string, string>, out: Change[], inner?: (a: T, b: T) => void) {
  for (const [k, t] of next) {
    const before = old.get(k)
    if (!before) out.push({ kind: 'added', scope, where: where(t), fields: [] })
    else {
      const fields = fieldChanges(before, t, labels)
      if (fields.length) out.push({ kind: 'changed', scope, where: where(t), fields })
      inner?.(before, t)
    }
  }
  for (const [k, t] of old) if (!next.has(k)) out.push({ kind: 'removed', scope, where: where(t), fields: [] })
}

export function diffCatalogs(before: Catalog, after: Catalog): Change[] {
  const out: Change[] = []
  const top = fieldChanges(before, after, CATALOG_FIELDS)
  if (top.length) out.push({ kind: 'changed', scope: 'catalog', where: '目录', fields: top })
  compare(byKey(departmentsOf(before), (d) => d.code), byKey(departmentsOf(after), (d) => d.code), 'department',
    (d: Department) => `部门 ${d.name}（${d.code}）`, DEPARTMENT_FIELDS, out)
  compare(byKey(categoriesOf(before), (c) => c.code), byKey(categoriesOf(after), (c) => c.code),
    'category', (c) => `${c.name}`, CATEGORY_FIELDS, out, (oldCat, newCat) => {
      const stageWhere = (s: Stage) => `${newCat.name} › ${label(STAGE_LABELS, s.stage)}`
      compare(byKey(oldCat.stages, (s) => s.stage), byKey(newCat.stages, (s) => s.stage), 'stage', stageWhere,
        STAGE_FIELDS, out, (oldStage, newStage) => {
          compare(byKey(oldStage.items, (i) => i.code), byKey(newStage.items, (i) => i.code), 'item',
            (i: Item) => `${stageWhere(newStage)} › ${i.name}（${i.code}）`, ITEM_FIELDS, out)
        })
    })
  return out
}

export const KIND_LABELS: Record<Change['kind'], string> = { added: '新增', removed: '删除', changed: '修改' }
export const SCOPE_LABELS: Record<Change['scope'], string> = {
  item: '事项', stage: '阶段', category: '项目类别', department: '部门', catalog: '目录',
}
