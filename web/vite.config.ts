/** Vite build of the web UI: web/ → web-dist/ (served by the backchat server at `/`). */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const backchat = 'http://127.0.0.1:3000';

export default defineConfig(({ command, mode }) => {
  // The test runner exports NODE_ENV=test, which would make this a development build (React's dev
  // runtime, jsxDEV): a build is always a production build. Vite reads it after loading this file.
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    root: webRoot,
    base: '/',
    plugins: [react()],
    build: {
      // `--mode bench` (bench/browser-*.ts) builds elsewhere, with the render counters compiled in.
      outDir: mode === 'bench' ? fileURLToPath(new URL('../.tmp/web-dist-bench', import.meta.url)) : '../web-dist',
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      chunkSizeWarningLimit: 700,
    },
    // `vite --config web/vite.config.ts` for UI work against a backchat server on port 3000.
    server: { proxy: { '/backend-api': backchat, '/api': backchat, '/ces': backchat } },
  };
});
