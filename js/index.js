// cellgraph — the public API: open() and the error type.
import { loadCore } from './core/module.js';
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
 * Loads the wasm core (once) and resolves when it is usable.
 * @returns {Promise<{version: string}>}
 */
export async function ready(options) {
  const core = await loadCore(options);
  return { version: core.version() };
}
