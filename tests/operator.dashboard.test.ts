/**
 * How `tollgate facilitator` mounts the dashboard from its operator config: with the admin token
 * when one is set, open only on a loopback host, off otherwise (the ledger API's rule). With the
 * token, the app it builds answers 401 without it and serves the built page.
 */
import { dashboardDist } from '@tollgate/dashboard'
import { silentLogger } from '@tollgate/facilitator'
import { openLedger, type SqlLedger, SqlLedgerReports } from '@tollgate/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveOperator } from '../packages/cli/src/operatorConfig.ts'
import { fakeApp } from '../packages/facilitator/test/fakeScheme.ts'

const adminToken = 'operator-dashboard-token-0123456789'
let ledger: SqlLedger

beforeAll(async () => {
  ledger = await openLedger()
})
afterAll(() => ledger?.close())

const resolve = (config: { adminToken?: string }, host: string) =>
  resolveOperator(config, {
    env: { DASHBOARD_TOKEN: adminToken },
    ledger,
    host,
    logger: silentLogger,
    assets: [
      {
        network: 'eip155:84532',
        address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
        symbol: 'USDC',
        decimals: 6,
      },
    ],
  })

describe('the dashboard of tollgate facilitator', () => {
  it('is served with the admin token (from the environment) on any host', async () => {
    const { app, summary } = await resolve({ adminToken: '$DASHBOARD_TOKEN' }, '0.0.0.0')
    expect(app.dashboard).toMatchObject({ adminToken, staticDir: dashboardDist })
    expect(app.dashboard?.reports).toBeInstanceOf(SqlLedgerReports)
    expect(app.dashboard?.assets).toHaveLength(1)
    expect(summary.dashboard).toBe('/dashboard/ (token)')
    expect(JSON.stringify(summary)).not.toContain(adminToken)

    const { app: http } = fakeApp({ dashboard: app.dashboard! })
    expect((await http.request('/api/payments')).status).toBe(401)
    const allowed = await http.request('/api/payments', {
      headers: { authorization: `Bearer ${adminToken}` },
    })
    expect(allowed.status).toBe(200)
    const page = await http.request('/dashboard/')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="app">')
  })

  it('is open without a token on loopback only, and off elsewhere', async () => {
    const local = await resolve({}, '127.0.0.1')
    expect(local.app.dashboard).toMatchObject({ adminToken: undefined })
    expect(local.summary.dashboard).toBe('/dashboard/ (open, loopback)')
    const exposed = await resolve({}, '0.0.0.0')
    expect(exposed.app.dashboard).toBeUndefined()
    expect(exposed.summary.dashboard).toContain('set operator.adminToken')
  })
})
