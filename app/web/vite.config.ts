// The page is served by orderbook-app --web-dir (dist/). `npm run dev -w
// app/web` proxies the API and the feed to a running orderbook-app.
import { defineConfig } from 'vite';

const server = process.env.ORDERBOOK_FEED_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: {
      '/api': server,
      '/ws': { target: server.replace(/^http/, 'ws'), ws: true },
    },
  },
});
