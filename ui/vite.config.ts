import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

/** The OC that `npm run dev` talks to (queries, mutations and the WebSocket). */
const api = process.env.OPSCENTER_URL ?? 'http://localhost:4000';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    proxy: {
      '/graphql': {
        target: api,
        ws: true,
        changeOrigin: true,
        // The OC accepts WebSockets only from its own origin, so present the proxied one.
        configure: (proxy) => proxy.on('proxyReqWs', (request) => request.setHeader('origin', api)),
      },
      '/api': api,
      '/healthz': api,
    },
  },
});
