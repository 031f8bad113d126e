// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/paywall
 * The page a browser gets for a paid route: what is sold and for how much, and a bundled script
 * that pays with the injected wallet (EIP-1193, EVM `exact`) and shows the content and receipt.
 */
export {
  type PaywallAsset,
  type PaywallHtmlOptions,
  type PaywallOptions,
  paywallHtml,
} from './paywallHtml.ts'
