import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    conditions: ['source'],
    // Core's own tests run on the reference backend straight from its sources; declaring it as
    // a dependency would make a package cycle (backend-cpu depends on core).
    alias: { '@skipnet/backend-cpu': fileURLToPath(new URL('../backend-cpu/src/index.ts', import.meta.url)) },
  },
  // Tests run in Vite's SSR mode, which resolves package exports with its own conditions.
  ssr: { resolve: { conditions: ['source'] } },
  // CI runs on 2 shared cores: generous per-test time, never a timed assertion.
  test: { testTimeout: 60_000, include: ['src/**/*.test.ts'], typecheck: { enabled: true, include: ['src/**/*.test-d.ts'] } },
});
