/**
 * The typed API client. Its types are generated from the gateway's OpenAPI document
 * (`npm run api` writes src/api/schema.d.ts from docs/openapi.json; `npm run api:check` fails when they
 * differ), so a screen cannot call an operation or read a field the gateway does not document.
 */
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'
import { ApiError } from './problem'
import { session } from '@/session'

export type Schemas = components['schemas']

const auth: Middleware = {
  async onRequest({ request }) {
    if (new URL(request.url).pathname.startsWith('/auth/')) return request
    const token = await session.accessToken()
    if (token) request.headers.set('Authorization', `Bearer ${token}`)
    return request
  },
  async onResponse({ response }) {
    if (response.status === 401 && session.signedIn.value) session.expired()
    return response
  },
}

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? 'http://localhost' })
api.use(auth)

interface Answer<T> {
  data?: T
  error?: unknown
  response: Response
}

/** The answer's data, or an ApiError carrying the problem the gateway answered. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call
  if (!response.ok) throw new ApiError(response.status, error)
  return data as T
}

/** A fresh Idempotency-Key for a creating request, so a retried click creates nothing twice. */
export function idempotencyKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`
}
