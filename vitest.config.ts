import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // SWC instead of esbuild: tsyringe needs decorator metadata, which esbuild does not emit.
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
    }),
  ],
  // Tests run on sources: plugins' `@huiliu/core/*` imports resolve to core's source too, so one
  // copy of the kernel is loaded (the published packages resolve them through `exports`).
  resolve: {
    alias: {
      '@huiliu/core/plugin-api': fileURLToPath(new URL('./core/src/plugin-api.ts', import.meta.url)),
      '@huiliu/core/testing': fileURLToPath(new URL('./core/src/testing.ts', import.meta.url)),
      '@huiliu/core/messages': fileURLToPath(new URL('./core/src/messages.ts', import.meta.url)),
      '@huiliu/core/conditions': fileURLToPath(new URL('./core/src/modules/conditions/condition.types.ts', import.meta.url)),
      '@huiliu/core/reports': fileURLToPath(new URL('./core/src/modules/reports/report.types.ts', import.meta.url)),
    },
  },
  test: {
    include: [
      'core/**/*.test.ts',
      'plugins/**/*.test.ts',
      'sdk/**/*.test.ts',
      'console/src/**/*.test.ts',
      'console/src/**/*.test.tsx',
      'e2e/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    // One more fork than cores (Vitest's default is one fewer: a single fork on our 2-core CI). The
    // suites mostly wait — on MariaDB's DDL and fsyncs, on Chromium, on child processes — so three
    // forks on two cores overlap those waits; every file already runs on its own
    // stores (temp SQLite files, fresh MariaDB databases, random ports), and the whole suite passed
    // with four forks on a loaded machine (ADR 0068).
    maxWorkers: availableParallelism() + 1,
    minWorkers: 1,
    // A timeout catches a hang, it measures nothing (performance lives in bench/): the console walks take
    // well over a minute when the shared 2-core machine is loaded.
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
