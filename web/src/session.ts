/**
 * Who is signed in: the gateway's tokens, kept for this browser tab (sessionStorage), and the identity
 * read from the access token's claims. The access token is refreshed before it expires (the refresh
 * token is single-use, so one refresh runs at a time).
 */
import { computed, ref } from 'vue'

export interface Identity {
  sub: string
  role: 'applicant' | 'clerk' | 'officer' | 'dept_admin' | 'supervisor' | 'operator' | 'province'
  name: string
  department?: string | null
  region?: string | null
  org?: string | null
  steps?: string[]
  amr?: string[]
  exp: number
}

interface Tokens {
  access_token: string
  refresh_token: string
}

const STORE = 'approval.session'
const LEEWAY_SECONDS = 30

function decode(token: string): Identity | null {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')
    const json = decodeURIComponent(Array.from(atob(part), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''))
    return JSON.parse(json) as Identity
  } catch {
    return null
  }
}

function load(): Tokens | null {
  try {
    const raw = globalThis.sessionStorage?.getItem(STORE)
    return raw ? (JSON.parse(raw) as Tokens) : null
  } catch {
    return null
  }
}

const tokens = ref<Tokens | null>(load())
const expiredNotice = ref(false)
let refreshing: Promise<boolean> | null = null

function keep(next: Tokens | null) {
  tokens.value = next
  if (next) globalThis.sessionStorage?.setItem(STORE, JSON.stringify(next))
  else globalThis.sessionStorage?.removeItem(STORE)
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}

async function refresh(): Promise<boolean> {
  const current = tokens.value
  if (!current) return false
  const response = await post('/auth/refresh', { refresh_token: current.refresh_token })
  if (!response.ok) {
    keep(null)
    expiredNotice.value = true
    return false
  }
  keep(await response.json())
  return true
}

export const session = {
  identity: computed<Identity | null>(() => (tokens.value ? decode(tokens.value.access_token) : null)),
  signedIn: computed(() => tokens.value !== null),
  /** Set when the gateway ended the session (logout elsewhere, deactivation): the login page says so. */
  expiredNotice,

  /** Keeps the tokens a login answered. */
  start(answer: Tokens) {
    expiredNotice.value = false
    keep({ access_token: answer.access_token, refresh_token: answer.refresh_token })
  },

  /** The access token to send, refreshed first when it is about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    const current = tokens.value
    if (!current) return null
    const claims = decode(current.access_token)
    if (claims && claims.exp - Date.now() / 1000 > LEEWAY_SECONDS) return current.access_token
    refreshing ??= refresh().finally(() => { refreshing = null })
    return (await refreshing) ? tokens.value?.access_token ?? null : null
  },

  /** The gateway refused the token: the session has ended. */
  expired() {
    keep(null)
    expiredNotice.value = true
  },

  async logout() {
    const current = tokens.value
    keep(null)
    if (current) await post('/auth/logout', { refresh_token: current.refresh_token }).catch(() => undefined)
  },
}

/** The home page of each role after login. */
export function homeOf(role: Identity['role'] | undefined): string {
  switch (role) {
    case 'applicant': return '/my/projects'
    case 'clerk': return '/work/window'
    case 'officer': return '/work'
    case 'dept_admin': return '/work/accounts'
    case 'supervisor': return '/work/supervision'
    case 'operator': return '/work/catalog'
    case 'province': return '/work/province'
    default: return '/'
  }
}
