import { playwright } from '@vitest/browser-playwright';
import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The browser tests (`*.browser.test.ts`) run in headless Debian Chromium on a cross-origin-
 * isolated page (COOP + COEP headers), so SharedArrayBuffer exists and the pool starts browser
 * Workers over shared memory; the kernel builds load with fetch.
 */
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: { headers: isolation },
  preview: { headers: isolation },
  test: {
    include: ['src/**/*.browser.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      instances: [{ browser: 'chromium' }],
      provider: playwright({
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        },
      }),
    },
  },
});
