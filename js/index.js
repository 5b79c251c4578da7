// cellgraph — the public API: open() and the error type.
import { loadCore, loadRtc } from './core/module.js';
import { coreVersion } from './core/abi.js';
import { setLocations } from './core/locations.js';
import { Database } from './database.js';
import { TabLink } from './locks/tab-link.js';
import { CellgraphError } from './core/errors.js';

export { CellgraphError, ErrorCode } from './core/errors.js';
export { Identity } from './identity.js';

/**
 * Opens (or creates) a database stored on this device. One tab per origin
 * (elected with the Web Locks API) runs the engine in a dedicated Worker;
 * other tabs share it over a BroadcastChannel and take over when it closes.
 * @param {string} name
 * @param {{storage?: 'opfs-sync'|'opfs-async'|'indexeddb'|'memory'}} [options]
 *   storage: force a backend (default: the best this browser has)
 * @returns {Promise<Database>}
 */
export async function open(name, options = {}) {
  if (typeof name !== 'string' || name === '') throw new CellgraphError('INVALID_ARGUMENT', 'open() needs a database name');
  if (options === null || typeof options !== 'object') throw new CellgraphError('INVALID_ARGUMENT', 'open() options must be an object');
  if (!TabLink.supported()) throw new CellgraphError('INTERNAL', 'cellgraph needs the Web Locks API and BroadcastChannel');
  return new Database(name)._open(options);
}

/**
 * Loads the wasm (once per page) and resolves when it is usable: the engine,
 * or with `rtc: true` the build that also has peers, security, rooms and
 * identities (what a page that opens a database with `rtc` or `security` or
 * uses Identity loads instead; it holds the engine too). `wasmUrl`,
 * `rtcWasmUrl` and `workerUrl` say where the two wasm builds and the engine
 * worker are when a bundler did not emit them beside the package's code
 * (README "Install"); call it before open().
 * A database opened afterwards reuses this compiled wasm.
 * @param {{wasmUrl?: string|URL, rtcWasmUrl?: string|URL, workerUrl?: string|URL, wasmBinary?: ArrayBuffer|Uint8Array, rtc?: boolean}} [options]
 *   wasmBinary: the bytes of the build to load
 * @returns {Promise<{version: string}>}
 */
export async function ready(options = {}) {
  if (options === null || typeof options !== 'object') throw new CellgraphError('INVALID_ARGUMENT', 'ready() options must be an object');
  setLocations(options);
  const load = options.rtc ? loadRtc : loadCore;
  const core = await load({ wasmBinary: options.wasmBinary });
  return { version: coreVersion(core) };
}
