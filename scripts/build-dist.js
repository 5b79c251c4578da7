#!/usr/bin/env node
// build-dist.js: the files the npm package ships, in dist/, from js/ and the
// wasm the build put in js/wasm/ (npm run build). `npm pack` runs it
// (prepack) and refuses to pack without the wasm.
//
//   dist/cellgraph.js          ES module: open, ready, Identity, CellgraphError
//   dist/cellgraph-worker.js   the engine worker (a module worker)
//   dist/cellgraph-*.js        chunks both share or load on first use (rooms)
//   dist/cellgraph-core.wasm   the engine (a local database's worker)
//   dist/cellgraph-rtc.wasm    the engine with rooms and identities (a page
//                              that joins a room; js/core/module.js)
//   dist/cellgraph.min.js      classic script: a global `cellgraph`
//
// Every file sits in dist/ itself, so the URLs the code builds with
// new URL('./…', import.meta.url) hold in each of them. The classic script
// has no import.meta: it takes its own URL from document.currentScript while
// it runs, so the worker and the wasm are found beside it wherever it is
// served from.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const js = path.join(root, 'js');
const dist = path.join(root, 'dist');
const BUILDS = ['cellgraph-core', 'cellgraph-rtc'];

try {
  for (const name of BUILDS) for (const ext of ['.wasm', '.mjs']) await stat(path.join(js, 'wasm', name + ext));
} catch {
  console.error('build-dist: js/wasm/ has no built core; run `npm run build` (or scripts/build.sh wasm) first');
  process.exit(1);
}

// Source paths that name files by their place under js/, rewritten to their
// place in dist/.
const RENAMES = [
  ...BUILDS.map((name) => [`'../wasm/${name}.wasm'`, `'./${name}.wasm'`]),
  ["'./engine.worker.js'", "'./cellgraph-worker.js'"],
];

function distPaths({ classic }) {
  return {
    name: 'dist-paths',
    setup(b) {
      b.onLoad({ filter: /[\\/]js[\\/].*\.m?js$/ }, async (args) => {
        let contents = await readFile(args.path, 'utf8');
        for (const [from, to] of RENAMES) contents = contents.replaceAll(`(${from}, import.meta.url)`, `(${to}, import.meta.url)`);
        if (classic) contents = contents.replaceAll('import.meta.url', '__cellgraphScriptUrl');
        return { contents, loader: 'js' };
      });
    },
  };
}

const common = { bundle: true, minify: true, target: 'es2022', legalComments: 'none', logLevel: 'warning' };

await rm(dist, { recursive: true, force: true });
await mkdir(dist);

await build({
  ...common,
  entryPoints: { cellgraph: path.join(js, 'index.js'), 'cellgraph-worker': path.join(js, 'worker', 'engine.worker.js') },
  format: 'esm',
  splitting: true,
  outdir: dist,
  chunkNames: 'cellgraph-[hash]',
  plugins: [distPaths({ classic: false })],
});

const classic = await build({
  ...common,
  entryPoints: [path.join(js, 'index.js')],
  format: 'iife',
  globalName: '__cellgraph',
  write: false,
  plugins: [distPaths({ classic: true })],
});
await writeFile(path.join(dist, 'cellgraph.min.js'),
  '(function(){var __cellgraphScriptUrl=document.currentScript&&document.currentScript.src||location.href;'
  + classic.outputFiles[0].text.trim() + 'globalThis.cellgraph=__cellgraph})();\n');

for (const name of BUILDS) await copyFile(path.join(js, 'wasm', `${name}.wasm`), path.join(dist, `${name}.wasm`));
console.log('build-dist: dist/ written');
