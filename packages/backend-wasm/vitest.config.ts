import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in Vite's SSR mode, which resolves package exports with its own conditions.
  ssr: { resolve: { conditions: ['source'] } },
  test: { include: ['src/**/*.test.ts'], exclude: ['src/**/*.browser.test.ts'] },
});
