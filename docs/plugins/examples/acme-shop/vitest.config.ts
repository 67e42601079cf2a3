import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A kernel boots real stores (on MySQL/MariaDB, core's migrations take a while).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
