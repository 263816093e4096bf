import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources ("source" export condition).
  // Tests run in Vite's SSR environment, whose conditions are configured separately.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  // Cases take 0.1–2 s on an idle 2-core machine; the margin covers a busy one.
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});
