// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/facilitator
 * An x402 facilitator: protocol logic (`Facilitator`) and its HTTP face (`createFacilitatorApp`).
 * Schemes are injected; nothing here reads the environment or does I/O on import.
 */
export { createFacilitatorApp, type FacilitatorAppOptions } from './app.ts'
export { Facilitator, type FacilitatorAnswer } from './facilitator.ts'
export { type Logger, silentLogger } from './logger.ts'
