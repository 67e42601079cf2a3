import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, runnerImport } from 'vite';
import { pluginMessageProblems } from './src/plugins/messages-check';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const entriesModule = fileURLToPath(new URL('./src/plugins/entries.ts', import.meta.url));

const alias = {
  // Types-free runtime of the plugin console API: from source, so the console builds without core's dist.
  '@huiliu/core/console-api': fileURLToPath(new URL('../core/src/console-api.ts', import.meta.url)),
  // Core's error-message catalogue (pure data), the source of the console's `errors.<code>` texts.
  '@huiliu/core/messages': fileURLToPath(new URL('../core/src/messages.ts', import.meta.url)),
  // The condition tree's types, operators and limits (pure data), for the condition builder.
  '@huiliu/core/conditions': fileURLToPath(new URL('../core/src/modules/conditions/condition.types.ts', import.meta.url)),
  // The report models' query and result shapes, limits and chart rules (pure data), for the report builders.
  '@huiliu/core/reports': fileURLToPath(new URL('../core/src/modules/reports/report.types.ts', import.meta.url)),
};

/**
 * Fails the build (and warns in dev) when a first-party plugin's console messages differ between
 * zh-CN and en-US. The entries are loaded through Vite's module runner: their components are
 * lazy imports, so only the messages and the definitions run.
 */
function pluginMessagesCheck(): Plugin {
  return {
    name: 'huiliu:plugin-console-messages',
    async buildStart() {
      const { module } = await runnerImport<typeof import('./src/plugins/entries')>(entriesModule, {
        configFile: false,
        logLevel: 'error',
        resolve: { alias },
      });
      const problems = pluginMessageProblems(module.pluginConsoles);
      if (problems.length === 0) return;
      const text = `Plugin console messages:\n  ${problems.join('\n  ')}`;
      if (this.meta.watchMode) this.warn(text);
      else this.error(text);
    },
  };
}

// `npm run build -w @huiliu/console` runs with console/ as the working directory,
// so the relative outDir below is console/dist (served by the core server).
export default defineConfig({
  plugins: [react(), pluginMessagesCheck()],
  base: '/',
  resolve: {
    alias,
    // First-party plugin console code (plugins/*/console, reached through the workspace symlinks
    // in node_modules/@huiliu) must share the console's single copy of these.
    dedupe: [
      'react',
      'react-dom',
      'react-router-dom',
      'antd',
      '@ant-design/icons',
      '@ant-design/pro-components',
      '@tanstack/react-query',
      'i18next',
      'react-i18next',
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // antd + ProComponents are big; one vendor chunk (split further only without cycles). ECharts
    // (with zrender) goes apart: only report pages load it, and it imports nothing of the vendor
    // chunk but React (one direction, no cycle).
    chunkSizeWarningLimit: 2500,
    rollupOptions: {
      output: {
        manualChunks: (id) =>
          // The China map's GeoJSON (用户画像 only, loaded on demand): a chunk of its own, not in vendor.
          /[\\/]node_modules[\\/]echarts4[\\/]/.test(id)
            ? 'china-map'
            : /[\\/]node_modules[\\/](echarts|zrender|echarts-for-react|size-sensor)[\\/]/.test(id)
              ? 'echarts'
              : id.includes('node_modules')
                ? 'vendor'
                : undefined,
      },
    },
  },
  server: {
    // The dev server serves plugins/*/console from outside console/.
    fs: { allow: [repoRoot] },
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
