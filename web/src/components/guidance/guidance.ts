/** Joint guidance (联合辅导, 003) in the web: its wire types and the download of a list's PDF. */
import type { Schemas } from '@/api/client'
import { saveFile } from '@/api/files'

export type Guidance = Schemas['GuidanceOut']
export type GuidanceQuestion = Schemas['QuestionOut']
export type GuidanceListSummary = Schemas['ListSummaryOut']
export type NextStage = Schemas['NextStageOut']

/** Saves the list's PDF (Chinese, with its font embedded). */
export function downloadList(listId: string) {
  return saveFile(`/guidance/lists/${listId}/pdf`, `一次告知清单-${listId.slice(0, 8)}.pdf`)
}

/** Minutes after the call for a supporting department, with 003 §7's 15-minute rule spelt out. */
export function arrivalText(c: Schemas['CalloutOut']): string {
  if (c.arrived_at == null) return '尚未到场'
  return `${c.online ? '线上加入' : '到场'}，用时 ${c.minutes} 分钟${c.late ? '（超过15分钟，迟到）' : ''}`
}
