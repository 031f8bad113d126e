/**
 * @module
 * `GET /api/merchants` and `GET /api/resources`: confirmed revenue from the ledger, named with
 * what the discovery catalogue knows (service names, descriptions). A catalogued offer with no
 * payment in the ledger (a resource paid on a network the ledger does not record) is listed
 * without revenue, once per network, so the operator still sees it.
 */
import type { DiscoveryItem, MerchantRevenue, ResourceRevenue } from '@tollgate/core'
import type { AssetBook, AssetLabel } from './assetBook.ts'

type Revenue = Omit<MerchantRevenue, 'lastPaymentAt'> & AssetLabel & { lastPaymentAt: string }

export interface MerchantRow extends Revenue {
  /** Service names of catalogued resources paying this address. */
  services: string[]
}

export interface ResourceRow extends Partial<Revenue> {
  resource: string
  network: string
  payTo: string
  description?: string
  serviceName?: string
  /** When the catalogue last saw a payment for it; absent when it is not catalogued. */
  cataloguedAt?: string
}

const sameAddress = (left: string, right: string) =>
  left === right || (left.startsWith('0x') && left.toLowerCase() === right.toLowerCase())

function revenueOf(row: MerchantRevenue, describeAsset: AssetBook): Revenue {
  return {
    network: row.network,
    payTo: row.payTo,
    asset: row.asset,
    ...describeAsset(row.network, row.asset),
    payments: row.payments,
    amount: row.amount,
    lastPaymentAt: row.lastPaymentAt.toISOString(),
  }
}

export function merchantsReport(
  merchants: readonly MerchantRevenue[],
  catalogue: readonly DiscoveryItem[],
  describeAsset: AssetBook,
): MerchantRow[] {
  return merchants.map((merchant) => ({
    ...revenueOf(merchant, describeAsset),
    services: [
      ...new Set(
        catalogue
          .filter((item) =>
            item.accepts.some((accepted) => sameAddress(accepted.payTo, merchant.payTo)),
          )
          .flatMap((item) => (item.serviceName ? [item.serviceName] : [])),
      ),
    ],
  }))
}

export function resourcesReport(
  resources: readonly ResourceRevenue[],
  catalogue: readonly DiscoveryItem[],
  describeAsset: AssetBook,
): ResourceRow[] {
  const described = (item: DiscoveryItem | undefined) => ({
    ...(item?.description ? { description: item.description } : {}),
    ...(item?.serviceName ? { serviceName: item.serviceName } : {}),
    ...(item ? { cataloguedAt: item.lastUpdated } : {}),
  })
  const rows: ResourceRow[] = resources.map((row) => ({
    resource: row.resource,
    ...revenueOf(row, describeAsset),
    ...described(catalogue.find((item) => item.resource === row.resource)),
  }))
  for (const item of catalogue) {
    for (const accepted of item.accepts) {
      const earning = (row: ResourceRow) =>
        row.resource === item.resource && row.network === accepted.network
      if (rows.some(earning)) continue
      rows.push({
        resource: item.resource,
        network: accepted.network,
        payTo: accepted.payTo,
        asset: accepted.asset,
        ...describeAsset(accepted.network, accepted.asset),
        ...described(item),
      })
    }
  }
  return rows
}
