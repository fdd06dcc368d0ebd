/** Opening, printing and saving the window's PDF documents (GET /documents/{id}/content). */
import type { Schemas } from '@/api/client'
import { fetchFile, saveFile } from '@/api/files'

export type WindowDocument = Schemas['DocumentOut']

export function contentPath(doc: WindowDocument): string {
  return `/documents/${encodeURIComponent(doc.document_id ?? '')}/content`
}

export function fileName(doc: WindowDocument): string {
  return `${doc.title ?? '文书'}-${doc.document_no ?? doc.document_id}.pdf`.replace(/[\\/:*?"<>|]/g, '_')
}

/** An object URL of the document's PDF, for the viewer's iframe (revoke it when done). */
export async function pdfUrl(doc: WindowDocument): Promise<string> {
  const blob = await fetchFile(contentPath(doc))
  return URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }))
}

export async function download(doc: WindowDocument): Promise<void> {
  await saveFile(contentPath(doc), fileName(doc))
}
