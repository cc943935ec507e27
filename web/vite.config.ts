/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The service serves the built client at /app/ on the same origin as the API, so the HttpOnly
// refresh cookie (scoped to /auth) reaches it. `npm run dev` keeps that same-origin shape by
// proxying every API path, the hub's WebSocket included, to the local service.
const service = process.env.MESSENGER_SERVICE_URL ?? 'http://127.0.0.1:5080';
const apiPaths = ['/auth', '/users', '/friends', '/files', '/messages', '/rooms', '/invites', '/conversations', '/health'];

export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      ...Object.fromEntries(apiPaths.map((path) => [path, { target: service, changeOrigin: false }])),
      '/hubs': { target: service, ws: true, changeOrigin: false },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
