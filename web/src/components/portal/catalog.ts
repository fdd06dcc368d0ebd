/**
 * The flow catalog as the portal reads it: `GET /catalog` answers the loaded catalog document, whose
 * categories, stages and items have the shapes of the catalog's own schema (CategoryIn, StageIn, ItemIn).
 * Also: the project attributes that decide which items apply (read from every item's `applies_when`),
 * and a Chinese description of such a condition.
 */
import { api, unwrap, type Schemas } from '@/api/client'

export type Catalog = Schemas['CatalogVersionOut']
export type Category = Schemas['CategoryIn']
export type CatalogStage = Schemas['StageIn']
export type FormField = Schemas['FormFieldIn']
/** A catalog item; `faq` and `common_errors` are carried by catalogs that publish them. */
export type CatalogItem = Schemas['ItemIn'] & {
  faq?: { question: string; answer: string }[] | null
  common_errors?: string[] | null
}
export type Department = Schemas['DepartmentIn']

let loaded: Promise<Catalog> | null = null
let known: Catalog | null = null

/** The current catalog (asked once per page load; a failed answer is asked again next time). */
export function loadCatalog(): Promise<Catalog> {
  loaded ??= unwrap(api.GET('/catalog', {})).then((c) => { known = c; return c }, (e) => { loaded = null; throw e })
  return loaded
}

/** The catalog when it has already been read (a page then shows it at once, without a loading mask). */
export function cachedCatalog(): Catalog | null {
  return known
}

export function categoriesOf(catalog: Catalog): Category[] {
  return (catalog.categories ?? []) as unknown as Category[]
}

export function departmentsOf(catalog: Catalog): Department[] {
  return (catalog.departments ?? []) as unknown as Department[]
}

/** The department's name; a county department is listed as `<code>-<region>`. */
export function departmentName(catalog: Catalog | null, code: string | null | undefined): string {
  if (!code) return '—'
  const found = catalog ? departmentsOf(catalog).find((d) => d.code === code) : undefined
  return found?.name ?? code
}

export function itemsOf(stage: CatalogStage): CatalogItem[] {
  return (stage.items ?? []) as CatalogItem[]
}

/** Names people read for the attributes the demo catalog and common catalogs decide items by. */
export const ATTRIBUTE_LABELS: Record<string, string> = {
  floor_area_m2: '总建筑面积（平方米）',
  land_area_m2: '用地面积（平方米）',
  height_m: '建筑高度（米）',
  use: '建筑用途',
  eia_level: '环境影响评价类别',
  road_type: '道路类型',
  uses_forest_land: '使用林地',
  in_heritage_zone: '位于文物保护范围或地下文物埋藏区',
  major_project: '重大建设工程',
  near_security_facility: '涉及国家安全控制区域',
  names_place: '需要命名或更名地名',
  has_radiology: '含放射诊疗场所',
  has_elevator: '安装电梯等特种设备',
  has_basement: '含地下室',
  new_land: '需新增建设用地',
  in_river_zone: '位于河道管理范围内',
  occupies_road: '占用或挖掘城市道路',
  near_highway: '位于公路建筑控制区内',
  draws_water: '需要取水',
  core_approval: '属于核准类企业投资项目',
  tech_upgrade: '工业企业技术改造项目',
  hazardous_chemicals: '涉及危险化学品',
}

export const VALUE_LABELS: Record<string, string> = {
  hospital: '医院', school: '学校', kindergarten: '幼儿园', elderly_care: '养老机构', mall: '商场',
  theater: '影剧院', stadium: '体育场馆', hotel: '宾馆饭店', high_rise_public: '高层公共建筑',
  transport_hub: '交通枢纽', residential: '住宅', office: '办公', factory: '厂房', warehouse: '仓库', other: '其他',
  report: '环境影响报告书', table: '环境影响报告表', registration: '登记表', none: '无需环评',
  highway: '公路', urban_road: '城市道路', pipeline: '管线工程', bridge: '桥梁隧道',
}

export function attributeLabel(key: string): string {
  return ATTRIBUTE_LABELS[key] ?? key
}

export function valueLabel(value: unknown): string {
  if (value === true) return '是'
  if (value === false) return '否'
  const text = String(value)
  return VALUE_LABELS[text] ?? text
}

export interface AttributeSpec {
  key: string
  label: string
  kind: 'boolean' | 'number' | 'choice'
  choices: string[]
}

type Conditions = Record<string, unknown>

function collect(conditions: Conditions | undefined, into: Map<string, { values: unknown[] }>) {
  if (!conditions) return
  for (const [key, condition] of Object.entries(conditions)) {
    if (key === 'any' && Array.isArray(condition)) {
      for (const alternative of condition) collect(alternative as Conditions, into)
      continue
    }
    const entry = into.get(key) ?? { values: [] }
    for (const [, expected] of Object.entries((condition ?? {}) as Record<string, unknown>)) {
      if (Array.isArray(expected)) entry.values.push(...expected)
      else entry.values.push(expected)
    }
    into.set(key, entry)
  }
}

/** The attributes that decide a category's items: a yes/no, a number or a choice of the listed values. */
export function attributeSpecs(category: Category | undefined): AttributeSpec[] {
  if (!category) return []
  const found = new Map<string, { values: unknown[] }>()
  for (const stage of category.stages ?? []) {
    for (const item of itemsOf(stage)) collect(item.applies_when as Conditions | undefined, found)
  }
  const specs: AttributeSpec[] = []
  for (const [key, { values }] of found) {
    const given = values.filter((v) => typeof v !== 'boolean' || key !== 'present')
    let kind: AttributeSpec['kind'] = 'choice'
    if (given.every((v) => typeof v === 'boolean')) kind = 'boolean'
    else if (given.every((v) => typeof v === 'number')) kind = 'number'
    const choices = kind === 'choice' ? [...new Set(given.filter((v) => typeof v === 'string') as string[])] : []
    specs.push({ key, label: attributeLabel(key), kind, choices })
  }
  return specs.sort((a, b) => ['number', 'choice', 'boolean'].indexOf(a.kind) - ['number', 'choice', 'boolean'].indexOf(b.kind))
}

const OPERATOR_TEXT: Record<string, (v: unknown) => string> = {
  eq: (v) => (typeof v === 'boolean' ? (v ? '为“是”' : '为“否”') : `为${valueLabel(v)}`),
  ne: (v) => (typeof v === 'boolean' ? (v ? '不为“是”' : '不为“否”') : `不为${valueLabel(v)}`),
  in: (v) => `为${(v as unknown[]).map(valueLabel).join('、')}之一`,
  nin: (v) => `不为${(v as unknown[]).map(valueLabel).join('、')}`,
  gt: (v) => `大于 ${v}`,
  gte: (v) => `不小于 ${v}`,
  lt: (v) => `小于 ${v}`,
  lte: (v) => `不大于 ${v}`,
  present: (v) => (v ? '已填写' : '未填写'),
}

/** `applies_when` in words, e.g. “总建筑面积（平方米）不小于 7000”; empty when the item always applies. */
export function describeConditions(conditions: unknown): string {
  if (!conditions || typeof conditions !== 'object') return ''
  const parts: string[] = []
  for (const [key, condition] of Object.entries(conditions as Conditions)) {
    if (key === 'any' && Array.isArray(condition)) {
      parts.push(`（${condition.map((c) => describeConditions(c)).join('，或')}）`)
      continue
    }
    const ops = Object.entries((condition ?? {}) as Record<string, unknown>)
      .map(([op, v]) => OPERATOR_TEXT[op]?.(v) ?? `${op} ${String(v)}`)
    parts.push(`${attributeLabel(key)}${ops.join('且')}`)
  }
  return parts.join('，且')
}

/** A free-form JSON object (project attributes, a declaration form) as the generated body types spell it. */
export function freeObject(value: Record<string, unknown>): Record<string, never> {
  return value as Record<string, never>
}
