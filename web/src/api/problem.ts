/** An RFC 9457 problem answered by the gateway, as an Error whose message is the Chinese detail. */
export interface FieldError {
  field: string
  message: string
}

export class ApiError extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly type: string
  readonly errors: FieldError[]
  /** The whole problem document (some carry more, e.g. an enrolment token). */
  readonly body: Record<string, unknown>

  constructor(status: number, body: unknown) {
    const problem = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
    const title = typeof problem.title === 'string' ? problem.title : `请求失败（${status}）`
    const detail = typeof problem.detail === 'string' ? problem.detail : ''
    super(detail || title)
    this.name = 'ApiError'
    this.status = status
    this.title = title
    this.detail = detail
    this.body = problem
    this.type = typeof problem.type === 'string' ? problem.type : 'about:blank'
    this.errors = Array.isArray(problem.errors)
      ? (problem.errors as FieldError[]).filter((e) => e && typeof e.field === 'string')
      : []
  }

  /** The last part of the problem's type (`password-expired`, `second-factor-enrolment-required`…). */
  get kind(): string {
    return this.type.split('/').pop() ?? ''
  }

  /** Field messages keyed by field path (`form.floor_area_m2` → its message). */
  fieldMessages(prefix = ''): Record<string, string> {
    const out: Record<string, string> = {}
    for (const e of this.errors) {
      if (!prefix || e.field.startsWith(prefix)) out[e.field.slice(prefix.length)] = e.message
    }
    return out
  }
}

/** The message to show for anything thrown by a call: the problem's detail, or a network failure. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.errors.map((e) => e.message)
    return fields.length ? `${error.message}：${fields.join('；')}` : error.message
  }
  if (error instanceof TypeError) return '无法连接到服务器，请检查网络后重试'
  return error instanceof Error ? error.message : String(error)
}
