import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isTollgateError } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import {
  contentRoutes,
  FolderContentStore,
  fetchContent,
  MemoryContentStore,
  publishContent,
} from './content.ts'
import { contentHash } from './feedbackFile.ts'

const encoder = new TextEncoder()

/** The content routes answering `fetch` calls in this process. */
function served(store = new MemoryContentStore()) {
  const app = contentRoutes({ store, bytesMax: 1024 })
  const fetcher: typeof fetch = async (input, init) => app.fetch(new Request(input, init))
  return { app, fetcher, store }
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    if (!isTollgateError(error)) throw error
    return error.code
  }
}

describe('content routes', () => {
  it('store a JSON file under its keccak256 and serve the same bytes back', async () => {
    const { fetcher } = served()
    const file = encoder.encode('{"b":1,  "a":[2]}')
    const { uri, hash } = await publishContent('http://trust.test', file, fetcher)
    expect(hash).toBe(contentHash(file))
    expect(uri).toBe(`http://trust.test/content/${hash}.json`)
    const back = await fetchContent(uri, { fetch: fetcher })
    expect(Buffer.from(back).equals(Buffer.from(file))).toBe(true)
  })

  it('refuse a body that is not one JSON document, or too large, with a reason', async () => {
    const { app } = served()
    const post = (body: string) => app.request('/content', { method: 'POST', body })
    const notJson = await post('{"a":1}{"b":2}')
    expect(notJson.status).toBe(400)
    expect(await notJson.json()).toMatchObject({ error: 'invalid_payload' })
    const large = await post(JSON.stringify({ text: 'x'.repeat(2000) }))
    expect(large.status).toBe(413)
    expect(await large.json()).toMatchObject({ error: 'trust_content_too_large' })
  })

  it('answer 404 with a reason for an unknown hash or a name that is no hash', async () => {
    const { app } = served()
    for (const path of [
      `/content/0x${'00'.repeat(32)}.json`,
      '/content/../etc/passwd',
      '/content/x.json',
    ]) {
      const answer = await app.request(path)
      expect(answer.status).toBe(404)
    }
  })

  it('keep files in a folder, written whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-content-'))
    const store = new FolderContentStore(dir)
    const hash = await store.put(encoder.encode('{"a":1}'))
    expect(await readdir(dir)).toEqual([`${hash}.json`])
    expect(new TextDecoder().decode(await store.get(hash))).toBe('{"a":1}')
    expect(await store.get(`0x${'11'.repeat(32)}`)).toBeUndefined()
  })
})

describe('fetchContent', () => {
  it('reads data URIs, base64 and percent-encoded', async () => {
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
    expect(text(await fetchContent(`data:application/json;base64,${btoa('{"a":1}')}`))).toBe(
      '{"a":1}',
    )
    expect(text(await fetchContent('data:application/json,%7B%22a%22%3A1%7D'))).toBe('{"a":1}')
  })

  it('refuses what it cannot read with a code, never a crash', async () => {
    expect(await codeOf(fetchContent('ipfs://bafy'))).toBe('TRUST_CONTENT_URI_UNSUPPORTED')
    expect(await codeOf(fetchContent('ftp://example.com/a.json'))).toBe(
      'TRUST_CONTENT_URI_UNSUPPORTED',
    )
    expect(await codeOf(fetchContent('data:application/json;base64,%%%'))).toBe(
      'TRUST_CONTENT_URI_UNSUPPORTED',
    )
    expect(await codeOf(fetchContent(`data:,${'x'.repeat(70_000)}`))).toBe(
      'TRUST_CONTENT_TOO_LARGE',
    )
    expect(await codeOf(fetchContent('http://127.0.0.1:9/none.json', { timeoutMs: 500 }))).toBe(
      'TRUST_CONTENT_UNAVAILABLE',
    )
  })

  it('reads ipfs:// through the configured gateway', async () => {
    const asked: string[] = []
    const gateway: typeof fetch = async (input) => {
      asked.push(String(input))
      return new Response('{"ok":true}')
    }
    await fetchContent('ipfs://bafyabc', { ipfsGateway: 'https://gw.test/', fetch: gateway })
    expect(asked).toEqual(['https://gw.test/ipfs/bafyabc'])
  })
})
