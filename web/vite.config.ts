/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The built files are served by the gateway under /web/ (GATEWAY_WEB_ROOT); the API stays at the
// gateway's root. `npm run dev` proxies every API path to a running gateway (GATEWAY_URL).
const gateway = process.env.GATEWAY_URL || 'http://127.0.0.1:8000'
const apiPrefixes = ['/auth', '/accounts', '/projects', '/materials', '/declarations', '/documents', '/guides',
  '/catalog', '/cases', '/stages', '/step-assignments', '/calendar', '/licences', '/supervision',
  '/consultations', '/progress', '/health', '/openapi.json']

export default defineConfig({
  base: '/web/',
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: { outDir: 'dist', chunkSizeWarningLimit: 1500, sourcemap: false },
  server: { proxy: Object.fromEntries(apiPrefixes.map((p) => [p, { target: gateway, changeOrigin: false }])) },
  // a busy machine must not turn a slow render into a failure
  test: { environment: 'jsdom', include: ['tests/**/*.spec.ts'], css: false, testTimeout: 30_000 },
})
