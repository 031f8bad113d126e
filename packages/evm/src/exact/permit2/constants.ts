import { parseAbi } from 'viem'

/**
 * The canonical Permit2 and x402 Permit2 proxies: the same address on every EVM chain, and the
 * one x402 clients sign for (the Permit2 EIP-712 verifying contract, the proxy as spender).
 */
export const permit2Addresses = {
  permit2: '0x000000000022D473030F116dDEE9F6B43aC78BA3',
  exactProxy: '0x402085c248EeA27D92E8b30b2C58ed07f9E20001',
  uptoProxy: '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002',
} as const

/** What the facilitator calls and reads: the proxies' settle functions and Permit2's nonce bitmap. */
export const permit2ProxyAbi = parseAbi([
  'function settle(((address token, uint256 amount) permitted, uint256 nonce, uint256 deadline) permit, address owner, (address to, uint256 validAfter) witness, bytes signature)',
  'function PERMIT2() view returns (address)',
  'error InvalidAmount()',
  'error InvalidDestination()',
  'error InvalidOwner()',
  'error PaymentTooEarly()',
  'error Permit2612AmountMismatch()',
  'error ReentrancyGuardReentrantCall()',
])

const permitTuple = {
  name: 'permit',
  type: 'tuple',
  components: [
    {
      name: 'permitted',
      type: 'tuple',
      components: [
        { name: 'token', type: 'address' },
        { name: 'amount', type: 'uint256' },
      ],
    },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const

/** Written out as JSON: viem's type-level parser gives up on a signature this long. */
export const uptoProxyAbi = [
  {
    type: 'function',
    name: 'settle',
    stateMutability: 'nonpayable',
    inputs: [
      permitTuple,
      { name: 'amount', type: 'uint256' },
      { name: 'owner', type: 'address' },
      {
        name: 'witness',
        type: 'tuple',
        components: [
          { name: 'to', type: 'address' },
          { name: 'facilitator', type: 'address' },
          { name: 'validAfter', type: 'uint256' },
        ],
      },
      { name: 'signature', type: 'bytes' },
    ],
    outputs: [],
  },
  ...parseAbi([
    'function PERMIT2() view returns (address)',
    'error AmountExceedsPermitted()',
    'error UnauthorizedFacilitator()',
    'error InvalidAmount()',
    'error InvalidDestination()',
    'error InvalidOwner()',
    'error PaymentTooEarly()',
  ]),
] as const

export const permit2Abi = parseAbi([
  'function nonceBitmap(address owner, uint256 wordPos) view returns (uint256)',
  'error SignatureExpired(uint256 signatureDeadline)',
  'error InvalidAmount(uint256 maxAmount)',
  'error InvalidNonce()',
  'error InvalidSignatureLength()',
  'error InvalidSignature()',
  'error InvalidSigner()',
  'error InvalidContractSignature()',
])

export const erc20ApprovalAbi = parseAbi([
  'function approve(address spender, uint256 value) returns (bool)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function balanceOf(address account) view returns (uint256)',
])

/** The Permit2 witness-transfer types both proxies share; each adds its own `Witness`. */
const permitWitnessTransferFromTypes = {
  PermitWitnessTransferFrom: [
    { name: 'permitted', type: 'TokenPermissions' },
    { name: 'spender', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
    { name: 'witness', type: 'Witness' },
  ],
  TokenPermissions: [
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint256' },
  ],
} as const

export const exactPermit2Types = {
  ...permitWitnessTransferFromTypes,
  Witness: [
    { name: 'to', type: 'address' },
    { name: 'validAfter', type: 'uint256' },
  ],
} as const

export const uptoPermit2Types = {
  ...permitWitnessTransferFromTypes,
  Witness: [
    { name: 'to', type: 'address' },
    { name: 'facilitator', type: 'address' },
    { name: 'validAfter', type: 'uint256' },
  ],
} as const
