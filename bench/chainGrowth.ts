/**
 * What one more block costs anvil as its state grows: storage slots are written straight into
 * one account (`anvil_setStorageAt`, in batches), then empty blocks are mined and timed. Every
 * EIP-3009 payment leaves one slot behind (its nonce), so this is the chain a long soak meets.
 * Prints JSON: for each state size, the wall time and anvil's CPU per mined block.
 */
import { startAnvil } from '@tollgate/devnet'
import { processCpuMs } from './lib/service.ts'

const sizes = (process.env.CHAIN_SLOTS ?? '0,25000,100000,250000,500000').split(',').map(Number)
const blocks = 10
const anvil = await startAnvil({ port: 0, statesKept: 64 })
const holder = '0x1000000000000000000000000000000000000001'
const word = (value: number) => `0x${value.toString(16).padStart(64, '0')}`
const rpc = async (body: unknown) => {
  const response = await fetch(anvil.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return response.json()
}
const mine = () => rpc({ jsonrpc: '2.0', id: 1, method: 'evm_mine', params: [] })
try {
  const figures = []
  let filled = 0
  for (const size of sizes) {
    while (filled < size) {
      const batch = []
      for (let id = 0; id < 2000 && filled < size; id++, filled++) {
        batch.push({
          jsonrpc: '2.0',
          id,
          method: 'anvil_setStorageAt',
          params: [holder, word(filled + 1), word(1)],
        })
      }
      await rpc(batch)
    }
    await mine()
    const cpuBefore = processCpuMs(anvil.pid)
    const started = performance.now()
    for (let block = 0; block < blocks; block++) await mine()
    figures.push({
      storageSlots: size,
      msPerBlock: Math.round(((performance.now() - started) / blocks) * 10) / 10,
      anvilCpuMsPerBlock: Math.round(((processCpuMs(anvil.pid) - cpuBefore) / blocks) * 10) / 10,
    })
  }
  process.stdout.write(`${JSON.stringify({ blocksTimed: blocks, figures }, null, 2)}\n`)
} finally {
  await anvil.stop()
}
