import { describe, expect, it } from 'vitest'
import { FIELD_TYPES, filled, formErrors, fullMatch, parseNumber, valueError, type FormField } from '@/forms/rules'

const text: FormField = { name: 'site', label: '建设地点', type: 'text', required: true, max_length: 5 }
const phone: FormField = { name: 'phone', label: '联系电话', type: 'text', pattern: '1\\d{10}|0\\d{2,3}-?\\d{7,8}' }
const area: FormField = { name: 'area', label: '总建筑面积', type: 'number', min: 0, max: 1000 }
const floors: FormField = { name: 'floors', label: '层数', type: 'integer', min: 1 }
const start: FormField = { name: 'start', label: '开工日期', type: 'date' }
const emergency: FormField = { name: 'emergency', label: '是否应急工程', type: 'boolean' }
const funding: FormField = { name: 'funding', label: '资金来源', type: 'choice', choices: ['财政资金', '其他'] }

describe('the rules of each field type, with the service\'s messages', () => {
  it('knows every type the catalog allows', () => {
    expect(FIELD_TYPES).toEqual(['text', 'number', 'integer', 'date', 'boolean', 'choice'])
  })

  it('text: a string, no longer than max_length characters (not bytes), matching the whole pattern', () => {
    expect(valueError(text, 12)).toBe('建设地点应为文字')
    expect(valueError(text, '焦作市山阳')).toBeNull()
    expect(valueError(text, '焦作市山阳区')).toBe('建设地点不能超过 5 个字')
    expect(valueError(phone, '13912345678')).toBeNull()
    expect(valueError(phone, '0391-1234567')).toBeNull()
    expect(valueError(phone, '139123456789')).toBe('联系电话格式不正确')
    expect(valueError(phone, 'x13912345678')).toBe('联系电话格式不正确')
  })

  it('number and integer: finite numbers within min and max; integers whole', () => {
    expect(valueError(area, '12')).toBe('总建筑面积应为数字')
    expect(valueError(area, true)).toBe('总建筑面积应为数字')
    expect(valueError(area, Number.NaN)).toBe('总建筑面积应为数字')
    expect(valueError(area, 12.5)).toBeNull()
    expect(valueError(area, -1)).toBe('总建筑面积不能小于 0')
    expect(valueError(area, 1000.5)).toBe('总建筑面积不能大于 1000')
    expect(valueError(floors, 2.5)).toBe('层数应为整数')
    expect(valueError(floors, 0)).toBe('层数不能小于 1')
    expect(valueError(floors, 3)).toBeNull()
  })

  it('date: a real calendar day written YYYY-MM-DD', () => {
    expect(valueError(start, '2027-02-28')).toBeNull()
    expect(valueError(start, '2028-02-29')).toBeNull()
    expect(valueError(start, '2027-02-29')).toBe('开工日期应为日期（如 2026-11-25）')
    expect(valueError(start, '2027/02/28')).toBe('开工日期应为日期（如 2026-11-25）')
    expect(valueError(start, 20270228)).toBe('开工日期应为日期（如 2026-11-25）')
  })

  it('boolean: true or false only', () => {
    expect(valueError(emergency, false)).toBeNull()
    expect(valueError(emergency, 'false')).toBe('是否应急工程应为是或否')
  })

  it('choice: one of the listed values', () => {
    expect(valueError(funding, '其他')).toBeNull()
    expect(valueError(funding, '贷款')).toBe('资金来源应为以下之一：财政资金、其他')
  })

  it('a complete form needs its required fields; a draft does not, but refuses values that do not fit', () => {
    const fields = [text, area, floors]
    expect(formErrors(fields, {})).toEqual({ site: '建设地点为必填项' })
    expect(formErrors(fields, { site: '' })).toEqual({ site: '建设地点为必填项' })
    expect(formErrors(fields, {}, false)).toEqual({})
    expect(formErrors(fields, { floors: 0 }, false)).toEqual({ floors: '层数不能小于 1' })
    expect(formErrors(fields, { site: '山阳区', area: 10, floors: 2 })).toEqual({})
  })

  it('reads typed numbers and keeps what is not a number for its message', () => {
    expect(parseNumber(' 12.5 ')).toBe(12.5)
    expect(parseNumber('-3')).toBe(-3)
    expect(parseNumber('1e3')).toBe(1000)
    expect(parseNumber('')).toBeNull()
    expect(parseNumber('12a')).toBe('12a')
    expect(parseNumber('0x10')).toBe('0x10')
  })

  it('matches like Python re.fullmatch and sends only filled fields', () => {
    expect(fullMatch('a|b', 'ab')).toBe(false)
    expect(fullMatch('a|b', 'b')).toBe(true)
    expect(filled({ a: '', b: null, c: 0, d: false, e: 'x' })).toEqual({ c: 0, d: false, e: 'x' })
  })
})

describe('the cases the intake service is checked against too (form-cases.json)', async () => {
  const { fields, cases } = (await import('./form-cases.json')).default as unknown as {
    fields: Record<string, FormField>
    cases: [string, unknown, string | null][]
  }
  it.each(cases)('%s = %j → %s', (name, value, message) => {
    const field = fields[name]
    expect(formErrors([field], { [name]: value })[name] ?? null).toBe(message)
  })
})
