/**
 * The page's moving parts: status, errors with an optional action, the receipt and the paid
 * content. Everything from the server or the wallet is set as text or in a sandboxed frame,
 * never parsed as this page's HTML.
 */
import type { SettleResponse } from '@tollgate/core'
import { explorerTxUrl, networkLabel } from '../networks.ts'
import { elementIds } from '../pageData.ts'

export interface ErrorAction {
  label: string
  run(): void
}

export interface View {
  busy(status: string): void
  idle(): void
  error(message: string, action?: ErrorAction): void
  clearError(): void
  showPaid(receipt: SettleResponse | undefined, response: Response): Promise<void>
}

export function createView(document: Document): View {
  const byId = (id: string): HTMLElement => {
    const element = document.getElementById(id)
    if (!element) throw new Error(`the paywall page has no #${id}`)
    return element
  }
  const pay = document.getElementById(elementIds.pay)
  const status = byId(elementIds.status)
  const errorBox = byId(elementIds.error)
  const errorText = byId(elementIds.errorText)
  const errorAction = byId(elementIds.errorAction)
  let runAction: (() => void) | undefined
  errorAction.addEventListener('click', () => runAction?.())

  return {
    busy(text) {
      if (pay instanceof HTMLButtonElement) pay.disabled = true
      status.textContent = text
    },
    idle() {
      if (pay instanceof HTMLButtonElement) pay.disabled = false
      status.textContent = ''
    },
    error(message, action) {
      errorText.textContent = message
      errorBox.hidden = false
      errorAction.hidden = action === undefined
      errorAction.textContent = action?.label ?? ''
      runAction = action?.run
    },
    clearError() {
      errorBox.hidden = true
      runAction = undefined
    },
    async showPaid(receipt, response) {
      pay?.remove()
      showReceipt(byId(elementIds.receipt), receipt)
      await showContent(document, byId(elementIds.content), response)
      byId(elementIds.result).hidden = false
    },
  }
}

function showReceipt(list: HTMLElement, receipt: SettleResponse | undefined): void {
  const document = list.ownerDocument
  const row = (term: string, value: Node | string, id?: string) => {
    const dt = document.createElement('dt')
    dt.textContent = term
    const dd = document.createElement('dd')
    if (id) dd.id = id
    dd.append(value)
    list.append(dt, dd)
  }
  if (!receipt) {
    row('Receipt', 'the server sent none')
    return
  }
  const code = document.createElement('code')
  code.textContent = receipt.transaction
  const explorer = explorerTxUrl(receipt.network, receipt.transaction)
  if (explorer) {
    const link = document.createElement('a')
    link.href = explorer
    link.rel = 'noopener noreferrer'
    link.target = '_blank'
    link.append(code)
    row('Transaction', link, elementIds.receiptTransaction)
  } else {
    row('Transaction', code, elementIds.receiptTransaction)
  }
  row('Network', networkLabel(receipt.network))
  if (receipt.payer) {
    const payer = document.createElement('code')
    payer.textContent = receipt.payer
    row('Paid by', payer)
  }
}

/** JSON pretty-printed, text as text, images as images, HTML in a frame without scripts. */
async function showContent(document: Document, box: HTMLElement, response: Response) {
  const type = (response.headers.get('content-type') ?? '').toLowerCase()
  if (type.startsWith('image/')) {
    const image = document.createElement('img')
    image.alt = 'the paid image'
    image.src = URL.createObjectURL(await response.blob())
    box.append(image)
    return
  }
  if (type.startsWith('text/html') || type.startsWith('application/xhtml')) {
    const frame = document.createElement('iframe')
    // An empty sandbox: no scripts, no forms, a unique origin; the content cannot reach the page.
    frame.setAttribute('sandbox', '')
    frame.title = 'the paid page'
    frame.srcdoc = await response.text()
    box.append(frame)
    return
  }
  if (type === '' || type.startsWith('text/') || /[/+]json\b/.test(type)) {
    const text = await response.text()
    const pre = document.createElement('pre')
    pre.textContent = /[/+]json\b/.test(type) ? prettyJson(text) : text
    box.append(pre)
    return
  }
  const link = document.createElement('a')
  link.href = URL.createObjectURL(await response.blob())
  link.download = 'download'
  link.textContent = `Download the paid content (${type})`
  box.append(link)
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
