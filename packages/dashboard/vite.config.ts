/**
 * Builds the operator dashboard into `dist/`: one HTML page, its script and styles, no CDN.
 * Relative asset paths, so the page works under any prefix a proxy puts before `/dashboard/`.
 */
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

export default defineConfig({
  root: 'src/app',
  base: './',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  build: {
    outDir: '../../dist/app',
    emptyOutDir: true,
    target: 'es2022',
    // The facilitator serves `assets/*` as immutable; a source map would only add weight.
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev -w @tollgate/dashboard` against `tollgate dev` on its default port.
    proxy: { '/api': 'http://127.0.0.1:4020' },
  },
})
