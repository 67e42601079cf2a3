import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run build -w @huiliu/console` runs with console/ as the working directory,
// so the relative outDir below is console/dist (served by the core server).
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // antd + ProComponents are big; one vendor chunk (split further only without cycles).
    chunkSizeWarningLimit: 2500,
    rollupOptions: {
      output: {
        manualChunks: (id) => (id.includes('node_modules') ? 'vendor' : undefined),
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
