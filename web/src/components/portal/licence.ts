/**
 * An electronic licence as it travels outside the platform: the signed document, its signature and the
 * key it was signed with (the JSON the holder downloads), and the verification link that carries them.
 */
export interface SignedLicence {
  document: Record<string, unknown>
  signature: string
  key_id: string
}

export const LICENCE_FIELD_LABELS: [string, string][] = [
  ['title', '证照名称'], ['licence_no', '证照编号'], ['holder', '持证单位'], ['project_code', '项目代码'],
  ['project_name', '项目名称'], ['item_name', '审批事项'], ['department', '发证部门'], ['region', '行政区划'],
  ['approved_on', '批准日期'], ['issued_on', '签发日期'], ['key_id', '签名密钥'], ['algorithm', '签名算法'],
]

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
}

/** The query of the verification page for a licence (what its QR code points to). */
export function verifyQuery(licence: SignedLicence): Record<string, string> {
  return { d: toBase64Url(JSON.stringify(licence.document)), s: licence.signature, k: licence.key_id }
}

/** The licence a verification link carries, or null when the link carries none (or a broken one). */
export function licenceFromQuery(query: Record<string, unknown>): SignedLicence | null {
  const { d, s, k } = query
  if (typeof d !== 'string' || typeof s !== 'string' || typeof k !== 'string') return null
  try {
    const document = JSON.parse(fromBase64Url(d))
    return document && typeof document === 'object' ? { document, signature: s, key_id: k } : null
  } catch {
    return null
  }
}

/** Reads a licence JSON as downloaded ({document, signature, key_id, …}); throws a Chinese message otherwise. */
export function parseLicence(text: string): SignedLicence {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error('内容不是有效的 JSON，请粘贴下载的电子证照文件的全部内容')
  }
  const v = (value ?? {}) as Record<string, unknown>
  if (!v.document || typeof v.document !== 'object' || typeof v.signature !== 'string' || typeof v.key_id !== 'string') {
    throw new Error('电子证照文件应包含证照内容（document）、签名（signature）和签名密钥（key_id）')
  }
  return { document: v.document as Record<string, unknown>, signature: v.signature, key_id: v.key_id }
}
