/**
 * Where the canonical deployments of the x402 contracts live. They are the same on every EVM
 * chain (CREATE2 through the deterministic deployer), and x402 clients sign for exactly these
 * addresses (EIP-712 verifying contract, Permit2 spender), so a devnet places our bytecode here.
 * @module
 */

export const CANONICAL_ADDRESSES = {
  /** Multicall3, where tools (viem, the official x402 facilitators) look for it on every chain. */
  multicall3: '0xcA11bde05977b3631167028862bE2a173976CA11',
  /** Uniswap Permit2; our `Permit2` contract is its SignatureTransfer subset. */
  permit2: '0x000000000022D473030F116dDEE9F6B43aC78BA3',
  x402ExactPermit2Proxy: '0x402085c248EeA27D92E8b30b2C58ed07f9E20001',
  x402UptoPermit2Proxy: '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002',
  /** The batch-settlement escrow: verifying contract of every channel id and voucher. */
  x402BatchSettlement: '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003',
  erc3009DepositCollector: '0x4020806089470a89826cB9fB1f4059150b550004',
  permit2DepositCollector: '0x4020425FAf3B746C082C2f942b4E5159887B0005',
} as const

export type CanonicalContract = keyof typeof CANONICAL_ADDRESSES

/**
 * The ERC-8004 registries (2.0.0), at the same CREATE2 addresses on every chain that has them:
 * one set for mainnets, one for testnets (local chain 31337 included, where a devnet places our
 * registries). The validation registry's addresses come from the registries' deployment scripts;
 * whether a given chain has it deployed is not promised.
 */
export const ERC8004_ADDRESSES = {
  mainnet: {
    identityRegistry: '0x8004A169FB4a3325136EB29fA0ceB6D2e539a432',
    reputationRegistry: '0x8004BAa17C55a88189AE136b182e5fdA19dE9b63',
    validationRegistry: '0x8004Cc8439f36fd5F9F049D9fF86523Df6dAAB58',
  },
  testnet: {
    identityRegistry: '0x8004A818BFB912233c491871b3d84c89A494BD9e',
    reputationRegistry: '0x8004B663056A597Dffe9eCcC1965A193B7388713',
    validationRegistry: '0x8004Cb1BF31DAf7788923b405b754f57acEB4272',
  },
} as const
