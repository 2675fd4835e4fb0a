import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the gateway at /console (gateway/src/http/console.routes.ts): every asset under
// /console/assets/ with a content hash in its name, so it can be cached for a year.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // no inline script or style anywhere: the gateway's Content-Security-Policy allows only 'self'
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
    // one chunk for now; issue 14's budget (initial JS + CSS ≤ 350 KB gzipped) is what counts, measured gzipped
    chunkSizeWarningLimit: 1024,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
