/** Small formatting helpers of the applicant's pages. */
export function bytes(size: number | null | undefined): string {
  if (size == null) return '—'
  if (size < 1024) return `${size} B`
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`
  return `${(size / 1024 / 1024).toFixed(1)} MB`
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })
}

export function day(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '—'
}

/** The file types a material may have, by extension (OFD has no type browsers know). */
export const MATERIAL_TYPES: Record<string, string> = {
  pdf: 'application/pdf', ofd: 'application/ofd', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png',
}

export const CONTENT_TYPE_LABELS: Record<string, string> = {
  'application/pdf': 'PDF', 'application/ofd': 'OFD', 'image/jpeg': 'JPEG', 'image/png': 'PNG',
}

export function materialType(file: File): string | null {
  const ext = file.name.split('.').pop()?.toLowerCase() ?? ''
  const byExt = MATERIAL_TYPES[ext]
  if (file.type && Object.values(MATERIAL_TYPES).includes(file.type)) return file.type
  return byExt ?? null
}
