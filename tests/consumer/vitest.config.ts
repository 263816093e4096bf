import { defineConfig } from 'vitest/config';

// One test file that drives npm, tsc and node in a temporary project: generous limits for CI's
// 2 shared cores and a cold npm cache; the steps run in order.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 240_000, hookTimeout: 300_000 },
});
