// Loads the wasm core once per realm (page, worker or Node process).
//
// Browsers and workers fetch cellgraph-core.wasm next to the glue module;
// Node has no fetch for file URLs in this Emscripten, so there we read the
// file and hand it over as `wasmBinary`. loadCore() resolves to the raw
// Embind module: internal, never handed to users (js/index.js wraps it).

import { CellgraphError, check } from './errors.js';

let loading = null;

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string'
  && typeof window === 'undefined';

async function instantiate(options) {
  const { default: createCellgraphCore } = await import('../wasm/cellgraph-core.mjs');
  const moduleArg = {};
  if (options.wasmBinary) {
    moduleArg.wasmBinary = options.wasmBinary;
  } else if (isNode) {
    const { readFile } = await import('node:fs/promises');
    moduleArg.wasmBinary = await readFile(new URL('../wasm/cellgraph-core.wasm', import.meta.url));
  } else if (options.wasmUrl) {
    moduleArg.locateFile = () => String(options.wasmUrl);
  }
  let core;
  try {
    core = await createCellgraphCore(moduleArg);
  } catch (err) {
    throw new CellgraphError('INTERNAL', `the wasm core failed to load: ${err?.message ?? err}`, { cause: err });
  }
  check(core.initCrypto());
  return core;
}

/**
 * @param {{wasmBinary?: ArrayBuffer|Uint8Array, wasmUrl?: string|URL}} [options]
 *   only the first call's options matter; later calls share its module.
 */
export function loadCore(options = {}) {
  loading ??= instantiate(options).catch((err) => {
    loading = null;  // a failed load may be retried
    throw err;
  });
  return loading;
}
