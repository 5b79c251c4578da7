// Loads the wasm core once per realm (page, worker or Node process), and
// lets realms share one compiled module. There are two builds
// (bindings/CMakeLists.txt): 'core', the engine, which a local database's
// worker fetches; and 'rtc', the engine plus what rooms and identities need
// (the mesh, Nostr signatures, room keys, phrases). A page that joins a room
// loads 'rtc' and hands the compiled WebAssembly.Module to its worker, so
// the page fetches one wasm either way. Both resolve to the raw Emscripten
// module (the engine's C ABI, js/core/abi.js; in 'rtc' also the crypto's
// and the mesh's, js/core/rtc-abi.js): internal, never handed to users.
//
// Browsers and workers fetch the .wasm next to the glue module; Node has no
// fetch for file URLs in this Emscripten, so there we read the file.

import { CellgraphError } from './errors.js';
import { reply } from './abi.js';
import { configuredWasmUrl, defaultWasmUrl } from './locations.js';

/** @typedef {'core'|'rtc'} WasmKind */

// Written out, not computed: bundlers follow literal import() paths.
const GLUES = {
  core: () => import('../wasm/cellgraph-core.mjs'),
  rtc: () => import('../wasm/cellgraph-rtc.mjs'),
};
const loading = { core: null, rtc: null };
const compiled = { core: null, rtc: null };  // the WebAssembly.Module each instance runs

/** @type {any} Node's process, in Node only */
const nodeProcess = globalThis.process;
const isNode = typeof nodeProcess === 'object' && typeof nodeProcess.versions?.node === 'string'
  && typeof window === 'undefined';

async function compile(kind, options) {
  if (options.module instanceof WebAssembly.Module) return options.module;
  if (options.wasmBinary) return WebAssembly.compile(options.wasmBinary);
  const url = options.wasmUrl ? new URL(String(options.wasmUrl), globalThis.location?.href)
    : configuredWasmUrl(kind) ?? defaultWasmUrl(kind);
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

async function instantiate(kind, options) {
  let core;
  try {
    const [{ default: createCellgraphCore }, module] = await Promise.all([GLUES[kind](), compile(kind, options)]);
    // The glue's promise never settles when instantiation fails (a glue and
    // a .wasm of different builds): that failure rejects this one instead.
    let instantiationFailed;
    const failed = new Promise((_, reject) => { instantiationFailed = reject; });
    core = await Promise.race([failed, createCellgraphCore({
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(/** @type {WebAssembly.Module} */ (module), imports)
          .then((instance) => receive(instance, module), instantiationFailed);
        return {};
      },
    })]);
    compiled[kind] = module;
  } catch (err) {
    throw new CellgraphError('INTERNAL', `the wasm core failed to load: ${err?.message ?? err}`, { cause: err });
  }
  reply(core, core._cg_init());
  return core;
}

/** @param {WasmKind} kind */
function load(kind, options) {
  loading[kind] ??= instantiate(kind, options).catch((err) => {
    loading[kind] = null;  // a failed load may be retried
    throw err;
  });
  return loading[kind];
}

/**
 * The engine: the module this realm loaded already (either build has it),
 * else `options.kind` (default 'core') loaded from `options`.
 * @param {{kind?: WasmKind, module?: WebAssembly.Module, wasmBinary?: ArrayBuffer|Uint8Array, wasmUrl?: string|URL}} [options]
 *   only the first load's options matter; later calls share its module.
 */
export function loadCore(options = {}) {
  return loading.rtc ?? loading.core ?? load(options.kind === 'rtc' ? 'rtc' : 'core', options);
}

/**
 * The engine plus rooms' and identities' code. A realm that loaded only
 * 'core' loads 'rtc' beside it.
 * @param {{module?: WebAssembly.Module, wasmBinary?: ArrayBuffer|Uint8Array, wasmUrl?: string|URL}} [options]
 */
export function loadRtc(options = {}) { return load('rtc', options); }

/**
 * The compiled module this realm runs, for its worker to instantiate
 * instead of fetching one ('rtc' if it has both), or null.
 * @returns {{kind: WasmKind, module: WebAssembly.Module} | null}
 */
export function compiledWasm() {
  if (compiled.rtc) return { kind: 'rtc', module: compiled.rtc };
  return compiled.core ? { kind: 'core', module: compiled.core } : null;
}
