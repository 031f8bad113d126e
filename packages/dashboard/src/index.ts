/**
 * @module @tollgate/dashboard
 * The operator dashboard, a single-page app (Preact and uPlot, built by Vite into `dist/app/`). It
 * talks to a facilitator only over its `/api/*` JSON; the facilitator serves the built files
 * from the folder named here, so it never imports this package.
 * @example
 * createFacilitatorApp(facilitator, { dashboard: { reports, staticDir: dashboardDist } })
 */
import { fileURLToPath } from 'node:url'

/** The folder of the built app (`npm run build` writes it; `npm install` runs that). */
export const dashboardDist: string = fileURLToPath(new URL('../dist/app', import.meta.url))
