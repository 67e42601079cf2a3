// Builds the browser SDK with esbuild: dist/huiliu.esm.js (ESM, `import { createHuiliu }`) and
// dist/huiliu.min.js (minified IIFE for the script tag, served at /sdk/huiliu.min.js). Type
// declarations come from `tsc -b` (dist/types). `node sdk/web/build.mjs`; takes well under a second.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const { version } = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8'));

const common = {
  bundle: true,
  target: 'es2019',
  define: { __HUILIU_VERSION__: JSON.stringify(version) },
  legalComments: 'none',
  logLevel: 'warning',
};

export async function buildSdk() {
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(here, 'src', 'index.ts')],
      format: 'esm',
      outfile: path.join(here, 'dist', 'huiliu.esm.js'),
    }),
    build({
      ...common,
      entryPoints: [path.join(here, 'src', 'script.ts')],
      format: 'iife',
      minify: true,
      banner: { js: `/*! Huiliu web SDK ${version} | Apache-2.0 */` },
      outfile: path.join(here, 'dist', 'huiliu.min.js'),
    }),
  ]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildSdk();
