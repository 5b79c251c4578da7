// Where the wasm and the engine worker live: by default beside this
// package's files, found with new URL(..., import.meta.url) written
// literally so Vite, webpack and Parcel find, bundle and emit them;
// ready({ wasmUrl, workerUrl }) points elsewhere, for a bundler that cannot
// follow those URLs or files moved by hand. js/worker/start.js starts the
// worker from these.
import { CellgraphError } from './errors.js';

let wasm = null;    // URL of cellgraph-core.wasm, or null for defaultWasmUrl('core')
let rtcWasm = null; // URL of cellgraph-rtc.wasm, or null for defaultWasmUrl('rtc')
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
 * @param {{wasmUrl?: string|URL, rtcWasmUrl?: string|URL, workerUrl?: string|URL}} [locations]
 */
export function setLocations({ wasmUrl, rtcWasmUrl, workerUrl } = {}) {
  // All checked before any is kept: a bad one changes nothing.
  const nextWasm = wasmUrl != null ? absolute(wasmUrl, 'wasmUrl') : wasm;
  const nextRtcWasm = rtcWasmUrl != null ? absolute(rtcWasmUrl, 'rtcWasmUrl') : rtcWasm;
  const nextWorker = workerUrl != null ? absolute(workerUrl, 'workerUrl') : worker;
  wasm = nextWasm;
  rtcWasm = nextRtcWasm;
  worker = nextWorker;
}

/**
 * The URL ready() was given for one build of the wasm (js/core/module.js),
 * absolute, or null for the default.
 * @param {'core'|'rtc'} kind
 */
export function configuredWasmUrl(kind) { return kind === 'rtc' ? rtcWasm : wasm; }

/** The engine worker's URL ready() was given, absolute, or null for the default. */
export function configuredWorkerUrl() { return worker; }

/**
 * Where a build of the wasm is unless ready() said otherwise.
 * @param {'core'|'rtc'} kind
 */
export function defaultWasmUrl(kind) {
  return kind === 'rtc' ? new URL('../wasm/cellgraph-rtc.wasm', import.meta.url)
    : new URL('../wasm/cellgraph-core.wasm', import.meta.url);
}
