/**
 * The signed-in account's unread notices (GET /inbox/counts), shared by the menus' badges and the
 * pages: refreshed every minute while someone is signed in, and at once after a reading.
 */
import { ref } from 'vue'
import { api, unwrap } from '@/api/client'
import { session } from '@/session'

export const unread = ref(0)
export const unreadByKind = ref<Record<string, number>>({})
const REFRESH_MS = 60_000
let timer: ReturnType<typeof setInterval> | null = null
let users = 0

export async function refreshUnread(): Promise<void> {
  if (!session.signedIn.value || session.identity.value?.role === 'province') {   // no inbox for the province
    unread.value = 0
    unreadByKind.value = {}
    return
  }
  try {
    const counts = await unwrap(api.GET('/inbox/counts'))
    unread.value = counts.unread ?? 0
    unreadByKind.value = counts.by_kind ?? {}
  } catch {
    // a badge is not worth an error message; the next refresh tries again
  }
}

/** Start the periodic refresh (each layout calls it once when mounted, and stop when unmounted). */
export function watchUnread(): () => void {
  users += 1
  void refreshUnread()
  if (timer === null) timer = setInterval(() => void refreshUnread(), REFRESH_MS)
  return () => {
    users -= 1
    if (users === 0 && timer !== null) {
      clearInterval(timer)
      timer = null
    }
  }
}

/** 督办: the unread supervision and urge notices of the account. */
export function supervisionCount(byKind: Record<string, number>): number {
  return (byKind.supervision ?? 0) + (byKind.urge ?? 0)
}
