/**
 * The stage application form's rules, as the intake service applies them (intake.domain.forms):
 * the same field types, the same checks, the same Chinese messages, so the applicant sees at once
 * what the service would refuse. The service still decides; its messages are shown when it refuses.
 */
export type FieldType = 'text' | 'number' | 'integer' | 'date' | 'boolean' | 'choice'
export const FIELD_TYPES: FieldType[] = ['text', 'number', 'integer', 'date', 'boolean', 'choice']

export interface FormField {
  name: string
  label: string
  type: FieldType
  required?: boolean
  min?: number | null
  max?: number | null
  max_length?: number | null
  pattern?: string | null
  choices?: unknown[] | null
}

export type FormValues = Record<string, unknown>

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

function isDate(value: unknown): boolean {
  if (typeof value !== 'string') return false
  const m = ISO_DATE.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const day = new Date(Date.UTC(y, mo - 1, d))
  return y >= 1 && day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d
}

/** A Python-style full match of `pattern` (the catalog's patterns are Python regular expressions). */
export function fullMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u').test(value)
  } catch {
    return true // a pattern JavaScript cannot read is left to the service
  }
}

function characters(value: string): number {
  return Array.from(value).length
}

/** The message for a value that does not fit its field, or null. */
export function valueError(field: FormField, value: unknown): string | null {
  const { label } = field
  switch (field.type) {
    case 'text':
      if (typeof value !== 'string') return `${label}应为文字`
      if (field.max_length && characters(value) > field.max_length) return `${label}不能超过 ${field.max_length} 个字`
      if (field.pattern && !fullMatch(field.pattern, value)) return `${label}格式不正确`
      return null
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value) || (field.type === 'integer' && !Number.isInteger(value)))
        return `${label}应为${field.type === 'integer' ? '整数' : '数字'}`
      if (field.min != null && value < field.min) return `${label}不能小于 ${field.min}`
      if (field.max != null && value > field.max) return `${label}不能大于 ${field.max}`
      return null
    case 'date':
      return isDate(value) ? null : `${label}应为日期（如 2026-11-25）`
    case 'boolean':
      return typeof value === 'boolean' ? null : `${label}应为是或否`
    case 'choice':
      return (field.choices ?? []).includes(value) ? null : `${label}应为以下之一：${(field.choices ?? []).map(String).join('、')}`
    default:
      return `${label}的类型 ${String((field as FormField).type)} 未定义`
  }
}

export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === ''
}

/**
 * Messages by field name for `values` against `fields`. A draft (`complete` false) may leave
 * required fields empty but may not hold values that do not fit.
 */
export function formErrors(fields: FormField[], values: FormValues, complete = true): Record<string, string> {
  const errors: Record<string, string> = {}
  for (const field of fields) {
    const value = values[field.name]
    if (isEmpty(value)) {
      if (complete && field.required) errors[field.name] = `${field.label}为必填项`
      continue
    }
    const message = valueError(field, value)
    if (message) errors[field.name] = message
  }
  return errors
}

/** What the person typed in a number field, as the value to send: a number when it reads as one. */
export function parseNumber(text: string): number | string | null {
  const trimmed = text.trim()
  if (trimmed === '') return null
  const n = Number(trimmed)
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) && Number.isFinite(n) ? n : trimmed
}

/** Only the filled fields, as the service takes them. */
export function filled(values: FormValues): FormValues {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => !isEmpty(v)))
}
