// Where the wasm and the engine worker live: by default beside this
// package's files, found with new URL(..., import.meta.url) written
// literally so Vite, webpack and Parcel find, bundle and emit them;
// ready({ wasmUrl, workerUrl }) points elsewhere, for a bundler that cannot
// follow those URLs or files moved by hand. js/worker/start.js starts the
// worker from these.
import { CellgraphError } from './errors.js';

let wasm = null;    // URL, or null for defaultWasmUrl()
let worker = null;  // URL, or null for the default in js/worker/start.js

const absolute = (url, what) => {
  try {
    return new URL(String(url), globalThis.location?.href);
  } catch {
    throw new CellgraphError('INVALID_ARGUMENT', `${what} is not a URL: ${url}`);
  }
};

/**
 * Records the locations ready() was given; later workers and loads use them.
 * @param {{wasmUrl?: string|URL, workerUrl?: string|URL}} [locations]
 */
export function setLocations({ wasmUrl, workerUrl } = {}) {
  // Both checked before either is kept: a bad one changes nothing.
  const nextWasm = wasmUrl != null ? absolute(wasmUrl, 'wasmUrl') : wasm;
  const nextWorker = workerUrl != null ? absolute(workerUrl, 'workerUrl') : worker;
  wasm = nextWasm;
  worker = nextWorker;
}

/** The wasm's URL ready() was given, absolute, or null for the default. */
export function configuredWasmUrl() { return wasm; }

/** The engine worker's URL ready() was given, absolute, or null for the default. */
export function configuredWorkerUrl() { return worker; }

/** Where the wasm is unless ready() said otherwise. */
export function defaultWasmUrl() { return new URL('../wasm/cellgraph-core.wasm', import.meta.url); }
