/**
 * The project attributes a category asks about: every key its items' `applies_when` conditions name
 * (docs/catalog.md, "Items and conditions"), with the kind of value each condition compares against,
 * so the window asks exactly what decides which items the project gets.
 */
export type AttributeKind = 'boolean' | 'number' | 'choice'

export interface AttributeSpec {
  key: string
  label: string
  kind: AttributeKind
  choices: string[]
}

type Condition = Record<string, unknown>

const LABELS: Record<string, string> = {
  floor_area_m2: '总建筑面积（平方米）',
  land_area_m2: '用地面积（平方米）',
  height_m: '建筑高度（米）',
  use: '建筑用途',
  eia_level: '环境影响评价类别',
  road_type: '道路类型',
  new_land: '新增建设用地',
  has_elevator: '设有电梯',
  has_radiology: '设有放射诊疗设施',
  hazardous_chemicals: '涉及危险化学品',
  draws_water: '取用水资源',
  uses_forest_land: '占用林地',
  in_heritage_zone: '位于文物保护范围',
  in_river_zone: '位于河道管理范围',
  occupies_road: '占用、挖掘城市道路',
  near_highway: '邻近公路',
  near_security_facility: '涉及国家安全控制区域',
  names_place: '需命名地名',
  major_project: '重大建设工程',
  core_approval: '需核准',
  tech_upgrade: '技术改造项目',
}

export const CHOICE_LABELS: Record<string, string> = {
  hospital: '医院', school: '学校', kindergarten: '幼儿园', elderly_care: '养老设施', mall: '商场',
  theater: '剧院', stadium: '体育场馆', hotel: '宾馆', high_rise_public: '高层公共建筑', transport_hub: '交通枢纽',
  report: '报告书', table: '报告表', register: '登记表', highway: '公路',
}

export function attributeLabel(key: string): string {
  return LABELS[key] ?? key
}

function collect(conditions: Condition | undefined, into: Map<string, AttributeSpec>) {
  if (!conditions || typeof conditions !== 'object') return
  for (const [key, condition] of Object.entries(conditions)) {
    if (key === 'any' && Array.isArray(condition)) {
      for (const alternative of condition) collect(alternative as Condition, into)
      continue
    }
    const spec = into.get(key) ?? { key, label: attributeLabel(key), kind: 'boolean' as AttributeKind, choices: [] }
    for (const [op, expected] of Object.entries((condition ?? {}) as Record<string, unknown>)) {
      if (['gt', 'gte', 'lt', 'lte'].includes(op) || typeof expected === 'number') spec.kind = 'number'
      else if (typeof expected === 'string') {
        spec.kind = 'choice'
        if (!spec.choices.includes(expected)) spec.choices.push(expected)
      } else if (Array.isArray(expected)) {
        spec.kind = 'choice'
        for (const v of expected) if (typeof v === 'string' && !spec.choices.includes(v)) spec.choices.push(v)
      }
    }
    into.set(key, spec)
  }
}

/** The attributes the catalog's category (a `categories[]` entry of GET /catalog) depends on. */
export function attributesOf(category: Record<string, unknown> | undefined): AttributeSpec[] {
  const found = new Map<string, AttributeSpec>()
  const stages = (category?.stages ?? []) as Array<{ items?: Array<{ applies_when?: Condition }> }>
  for (const stage of stages) for (const item of stage.items ?? []) collect(item.applies_when, found)
  const order = Object.keys(LABELS)
  return [...found.values()].sort((a, b) => {
    const ia = order.indexOf(a.key), ib = order.indexOf(b.key)
    return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib) || a.key.localeCompare(b.key)
  })
}
