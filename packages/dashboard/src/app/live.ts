/**
 * @module
 * Live updates: the facilitator's `/api/events` stream, read with `fetch` (it carries the admin
 * token, which `EventSource` cannot), turned into a counter that views reload on. When the
 * stream cannot be held, the page polls every 5 s instead and tries the stream again later.
 */
import { useEffect, useState } from 'preact/hooks'
import { ApiError, apiUrl, authHeaders, getJson } from './api.ts'

export type LiveMode = 'connecting' | 'live' | 'polling'

/** Dispatched on `window` when the API answers 401: the page asks for the admin token. */
export const unauthorizedEvent = 'tollgate:unauthorized'

const pollMs = 5_000
const retryMs = 15_000

/** Reads server-sent events until the stream ends; calls `onEvent` with each event's name. */
async function readEvents(signal: AbortSignal, onEvent: (name: string) => void): Promise<void> {
  const response = await fetch(apiUrl('events'), {
    headers: { accept: 'text/event-stream', ...authHeaders() },
    signal,
  })
  if (response.status === 401) dispatchEvent(new Event(unauthorizedEvent))
  if (!response.ok || !response.body) throw new Error(`events: ${response.status}`)
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += value
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const name = /^event: (.+)$/m.exec(block)?.[1]
      if (name) onEvent(name)
      end = buffer.indexOf('\n\n')
    }
  }
}

/**
 * A number that grows whenever the ledger changed (or, when polling, every 5 s), and how the
 * page is being kept up to date.
 */
export function useLive(): { version: number; mode: LiveMode } {
  const [version, setVersion] = useState(0)
  const [mode, setMode] = useState<LiveMode>('connecting')
  useEffect(() => {
    const controller = new AbortController()
    let poller: ReturnType<typeof setInterval> | undefined
    let retry: ReturnType<typeof setTimeout> | undefined
    const bump = () => setVersion((value) => value + 1)
    const connect = () => {
      readEvents(controller.signal, (name) => {
        if (name === 'ready') {
          setMode('live')
          if (poller) clearInterval(poller)
          poller = undefined
        }
        // A reconnection may have missed changes: reload on `ready` too.
        bump()
      })
        .catch(() => undefined)
        .finally(() => {
          if (controller.signal.aborted) return
          setMode('polling')
          poller ??= setInterval(bump, pollMs)
          retry = setTimeout(connect, retryMs)
        })
    }
    connect()
    return () => {
      controller.abort()
      if (poller) clearInterval(poller)
      if (retry) clearTimeout(retry)
    }
  }, [])
  return { version, mode }
}

/**
 * Loads `/api/<path>` now and again whenever `version` or the path changes; keeps showing the
 * last answer while the next one loads, so live updates do not flicker.
 */
export function useApi<T>(
  path: string | undefined,
  version: number,
): { data: T | undefined; error: Error | undefined } {
  const [state, setState] = useState<{ path?: string; data?: T; error?: Error }>({})
  useEffect(() => {
    if (path === undefined) return
    const controller = new AbortController()
    getJson<T>(path, controller.signal).then(
      (data) => setState({ path, data }),
      (error: unknown) => {
        if (controller.signal.aborted) return
        const failure = error instanceof Error ? error : new Error(String(error))
        if (failure instanceof ApiError && failure.status === 401) {
          dispatchEvent(new Event(unauthorizedEvent))
        }
        setState((previous) =>
          previous.path === path ? { ...previous, error: failure } : { path, error: failure },
        )
      },
    )
    return () => controller.abort()
  }, [path, version])
  // An answer for another path (the one before a navigation) is not this one's.
  if (state.path !== path) return { data: undefined, error: undefined }
  return { data: state.data, error: state.error }
}
