import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in Vite's SSR mode, which resolves package exports with its own conditions.
  ssr: { resolve: { conditions: ['source'] } },
  // CI runs on 2 shared cores: generous per-test time, never a timed assertion.
  test: { testTimeout: 60_000, include: ['src/**/*.test.ts'], exclude: ['src/**/*.browser.test.ts'] },
});
