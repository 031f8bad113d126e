/**
 * @module
 * The page: a header with the views and the live indicator, hash routes (`#/overview`,
 * `#/payments?q=…`, `#/payments/12`, `#/channels`, `#/credit`, `#/signers`, `#/revenue`) so the facilitator serves one
 * file, and the admin token form, shown when the API answers 401.
 */
import { useEffect, useState } from 'preact/hooks'
import { type NetworkName, type Overview, storedToken, storeToken } from './api.ts'
import { ChannelsView } from './Channels.tsx'
import { CreditView } from './Credit.tsx'
import { rememberNetworks } from './format.ts'
import { type LiveMode, unauthorizedEvent, useApi, useLive } from './live.ts'
import { OverviewView, type RangeName, ranges } from './Overview.tsx'
import { PaymentDetailView } from './PaymentDetail.tsx'
import { type PaymentsQuery, PaymentsView } from './Payments.tsx'
import { RevenueView } from './Revenue.tsx'
import { SignersView } from './Signers.tsx'

type Route =
  | { view: 'overview'; range: RangeName }
  | { view: 'payments'; query: PaymentsQuery }
  | { view: 'payment'; id: number }
  | { view: 'channels' }
  | { view: 'credit' }
  | { view: 'signers' }
  | { view: 'revenue' }

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?')
  const params = new URLSearchParams(search)
  const detail = /^payments\/([0-9]{1,15})$/.exec(path)
  if (detail) return { view: 'payment', id: Number(detail[1]) }
  if (path === 'payments') {
    const page = Number(params.get('page') ?? '1')
    return {
      view: 'payments',
      query: {
        q: params.get('q') ?? '',
        state: params.get('state') ?? '',
        page: Number.isSafeInteger(page) && page >= 1 ? page : 1,
      },
    }
  }
  if (path === 'channels' || path === 'credit' || path === 'signers' || path === 'revenue')
    return { view: path }
  const range = ranges.find((name) => name === params.get('range')) ?? '1h'
  return { view: 'overview', range }
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case 'overview':
      return `#/overview?range=${route.range}`
    case 'payments': {
      const params = new URLSearchParams()
      if (route.query.q) params.set('q', route.query.q)
      if (route.query.state) params.set('state', route.query.state)
      if (route.query.page > 1) params.set('page', String(route.query.page))
      const search = params.toString()
      return `#/payments${search ? `?${search}` : ''}`
    }
    case 'payment':
      return `#/payments/${route.id}`
    default:
      return `#/${route.view}`
  }
}

function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash))
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.hash))
    addEventListener('hashchange', follow)
    return () => removeEventListener('hashchange', follow)
  }, [])
  return [route, (next) => (location.hash = routeHash(next))]
}

function TokenForm(props: { onToken: (token: string) => void }) {
  const [token, setToken] = useState('')
  return (
    <form
      class="card token-form"
      onSubmit={(event) => {
        event.preventDefault()
        if (token.trim()) props.onToken(token.trim())
      }}
    >
      <h1>Admin token</h1>
      <p class="muted">
        This facilitator's dashboard API needs its admin token (<code>operator.adminToken</code>).
        It is kept in this browser only.
      </p>
      <input
        type="password"
        name="token"
        autocomplete="current-password"
        aria-label="Admin token"
        value={token}
        onInput={(event) => setToken(event.currentTarget.value)}
      />
      <button type="submit">Open the dashboard</button>
    </form>
  )
}

const liveLabels: Record<LiveMode, string> = {
  connecting: 'connecting',
  live: 'live',
  polling: 'polling every 5 s',
}

function OverviewRoute(props: {
  range: RangeName
  version: number
  onRange: (range: RangeName) => void
}) {
  const { data, error } = useApi<Overview>(`overview?range=${props.range}`, props.version)
  if (error && !data) return <p class="error">{error.message}</p>
  if (!data) return <p class="muted">Loading…</p>
  return <OverviewView overview={data} range={props.range} onRange={props.onRange} />
}

function Page(props: { route: Route; version: number; go: (route: Route) => void }) {
  const { route, version, go } = props
  switch (route.view) {
    case 'overview':
      return (
        <OverviewRoute
          range={route.range}
          version={version}
          onRange={(range) => go({ view: 'overview', range })}
        />
      )
    case 'payments':
      return (
        <PaymentsView
          query={route.query}
          version={version}
          onQuery={(query) => go({ view: 'payments', query })}
          onOpen={(id) => go({ view: 'payment', id })}
        />
      )
    case 'payment':
      return <PaymentDetailView id={route.id} version={version} onBack={() => history.back()} />
    case 'channels':
      return <ChannelsView version={version} />
    case 'credit':
      return <CreditView version={version} />
    case 'signers':
      return <SignersView version={version} />
    case 'revenue':
      return <RevenueView version={version} />
  }
}

const tabs = [
  { view: 'overview', label: 'Overview', route: { view: 'overview', range: '1h' } },
  {
    view: 'payments',
    label: 'Payments',
    route: { view: 'payments', query: { q: '', state: '', page: 1 } },
  },
  { view: 'channels', label: 'Channels', route: { view: 'channels' } },
  { view: 'credit', label: 'Credit', route: { view: 'credit' } },
  { view: 'signers', label: 'Signers', route: { view: 'signers' } },
  { view: 'revenue', label: 'Revenue', route: { view: 'revenue' } },
] as const satisfies ReadonlyArray<{ view: string; label: string; route: Route }>

export function App() {
  const [route, go] = useRoute()
  const { version, mode } = useLive()
  const [locked, setLocked] = useState(false)
  useEffect(() => {
    const lock = () => setLocked(true)
    addEventListener(unauthorizedEvent, lock)
    return () => removeEventListener(unauthorizedEvent, lock)
  }, [])
  // Network names come once per load; views render ids until they arrive, then names.
  const named = useApi<{ networks: NetworkName[] }>('networks', 0)
  if (named.data) rememberNetworks(named.data.networks)
  const current = route.view === 'payment' ? 'payments' : route.view
  return (
    <>
      <header class="top">
        <a class="brand" href="#/overview">
          Tollgate
        </a>
        <nav class="tabs" aria-label="Views">
          {tabs.map((tab) => (
            <a
              key={tab.view}
              href={routeHash(tab.route)}
              class={tab.view === current ? 'active' : ''}
              aria-current={tab.view === current ? 'page' : undefined}
            >
              {tab.label}
            </a>
          ))}
        </nav>
        <span class={`live live-${mode}`} title="How this page stays up to date">
          {liveLabels[mode]}
        </span>
        {storedToken() ? (
          <button
            type="button"
            class="link small"
            onClick={() => {
              storeToken(undefined)
              setLocked(true)
            }}
          >
            forget token
          </button>
        ) : null}
      </header>
      <main>
        {locked ? (
          <TokenForm
            onToken={(token) => {
              storeToken(token)
              // Reconnects the live stream and reloads every view with the token.
              location.reload()
            }}
          />
        ) : (
          <Page route={route} version={version} go={go} key={named.data ? 'named' : 'ids'} />
        )}
      </main>
    </>
  )
}
