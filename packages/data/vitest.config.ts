import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources ("source" export condition).
  // Tests run in Vite's SSR environment, whose conditions are configured separately.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  // CI runs on 2 shared cores: generous per-test time, never a timed assertion.
  test: { testTimeout: 60_000, include: ['src/**/*.test.ts'] },
});
