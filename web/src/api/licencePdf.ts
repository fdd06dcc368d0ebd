/** A licence's sealed PDF: saved, or opened for printing (the browser's own print dialog). */
import { fetchFile, saveFile } from './files'

export function saveLicencePdf(licenceId: string, licenceNo: string): Promise<void> {
  return saveFile(`/licences/${licenceId}/pdf`, `电子证照-${licenceNo}.pdf`)
}

export async function printLicencePdf(licenceId: string): Promise<void> {
  const url = URL.createObjectURL(await fetchFile(`/licences/${licenceId}/pdf`))
  const frame = document.createElement('iframe')
  frame.style.display = 'none'
  frame.title = '打印电子证照'
  frame.src = url
  frame.onload = () => {
    frame.contentWindow?.focus()
    frame.contentWindow?.print()
  }
  document.body.appendChild(frame)
  setTimeout(() => { frame.remove(); URL.revokeObjectURL(url) }, 120_000)
}

/** A chosen file as base64 (without the data: prefix), for JSON bodies. */
export function fileBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''))
    reader.onerror = () => reject(reader.error)
    reader.readAsDataURL(file)
  })
}
