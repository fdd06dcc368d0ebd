/** Downloads and uploads that need more than JSON: files with the caller's token, upload progress. */
import { ApiError } from './problem'
import { session } from '@/session'

async function authorised(): Promise<Record<string, string>> {
  const token = await session.accessToken()
  return token ? { Authorization: `Bearer ${token}` } : {}
}

/** Fetches a file the gateway serves (PDF, image, SVG) as a Blob. */
export async function fetchFile(path: string): Promise<Blob> {
  const response = await fetch(path, { headers: await authorised() })
  if (!response.ok) {
    let body: unknown = null
    try { body = await response.json() } catch { /* not a problem document */ }
    throw new ApiError(response.status, body)
  }
  return response.blob()
}

/** Saves a served file under `filename` (the browser's download). */
export async function saveFile(path: string, filename: string): Promise<void> {
  const url = URL.createObjectURL(await fetchFile(path))
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

export interface UploadProgress {
  loaded: number
  total: number
  percent: number
}

/**
 * Posts a multipart form with XMLHttpRequest (fetch reports no upload progress), calling `onProgress`
 * as the bytes leave; resolves with the JSON answer or rejects with the gateway's problem.
 */
export async function uploadForm<T>(path: string, form: FormData, onProgress: (p: UploadProgress) => void,
  headers: Record<string, string> = {}): Promise<T> {
  const auth = await authorised()
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', path)
    for (const [name, value] of Object.entries({ ...auth, ...headers })) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress({ loaded: e.loaded, total: e.total, percent: Math.round((e.loaded / e.total) * 100) })
    }
    xhr.onload = () => {
      let body: unknown = null
      try { body = JSON.parse(xhr.responseText) } catch { /* empty or not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T)
      else reject(new ApiError(xhr.status, body))
    }
    xhr.onerror = () => reject(new TypeError('network'))
    xhr.send(form)
  })
}
