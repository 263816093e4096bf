import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // End-to-end runs train real models; give them room but keep the suite sequential so the
    // two cores are not oversubscribed.
    testTimeout: 180_000,
    fileParallelism: false,
  },
});
