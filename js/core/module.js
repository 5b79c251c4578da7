// Loads the wasm core once per realm (page, worker or Node process), and
// lets realms share one compiled module: the engine worker fetches and
// compiles cellgraph-core.wasm; a page that also needs the core (a room's
// mesh and signaling crypto) takes the compiled WebAssembly.Module from the
// worker (useCompiledCore) instead of fetching it again. loadCore() resolves
// to the raw Embind module: internal, never handed to users (js/index.js
// wraps it).
//
// Browsers and workers fetch the .wasm next to the glue module; Node has no
// fetch for file URLs in this Emscripten, so there we read the file.

import { CellgraphError, check } from './errors.js';
import { configuredWasmUrl, defaultWasmUrl } from './locations.js';

let loading = null;
let compiled = null;  // the WebAssembly.Module this realm instantiated

/** @type {any} Node's process, in Node only */
const nodeProcess = globalThis.process;
const isNode = typeof nodeProcess === 'object' && typeof nodeProcess.versions?.node === 'string'
  && typeof window === 'undefined';

async function compile(options) {
  if (options.module instanceof WebAssembly.Module) return options.module;
  if (options.wasmBinary) return WebAssembly.compile(options.wasmBinary);
  const url = options.wasmUrl ? new URL(String(options.wasmUrl), globalThis.location?.href)
    : configuredWasmUrl() ?? defaultWasmUrl();
  if (isNode && url.protocol === 'file:') {
    // Through getBuiltinModule, not import('node:fs'): bundlers see no Node
    // module in this file and have nothing to externalize or warn about.
    const { readFile } = nodeProcess.getBuiltinModule('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetching ${url} answered ${response.status}`);
  // Streaming compilation needs the application/wasm type; servers that
  // send another fall back to compiling the bytes.
  if (typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

async function instantiate(options) {
  let core;
  try {
    const [{ default: createCellgraphCore }, module] = await Promise.all([import('../wasm/cellgraph-core.mjs'), compile(options)]);
    core = await createCellgraphCore({
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(/** @type {WebAssembly.Module} */ (module), imports).then((instance) => receive(instance, module));
        return {};
      },
    });
    compiled = module;
  } catch (err) {
    throw new CellgraphError('INTERNAL', `the wasm core failed to load: ${err?.message ?? err}`, { cause: err });
  }
  check(core.initCrypto());
  return core;
}

/**
 * @param {{module?: WebAssembly.Module, wasmBinary?: ArrayBuffer|Uint8Array, wasmUrl?: string|URL}} [options]
 *   only the first call's options matter; later calls share its module.
 */
export function loadCore(options = {}) {
  loading ??= instantiate(options).catch((err) => {
    loading = null;  // a failed load may be retried
    throw err;
  });
  return loading;
}

/** The compiled module this realm runs (after loadCore resolved), for another realm to share. */
export function compiledCore() { return compiled; }

/** Makes this realm instantiate `module` (compiled elsewhere) unless it already loaded the core. */
export function useCompiledCore(module) { return loadCore({ module }); }
