// cellgraph — the public API: open() and the error type.
import { loadCore } from './core/module.js';
import { Database } from './database.js';

export { CellgraphError, ErrorCode } from './core/errors.js';

/**
 * Opens (or creates) a database stored on this device. The engine runs in a
 * dedicated Worker; the returned Database is a Promise client of it.
 * @param {string} name
 * @param {{storage?: 'opfs-sync'|'opfs-async'|'indexeddb'|'memory'}} [options]
 *   storage: force a backend (default: the best this browser has)
 * @returns {Promise<Database>}
 */
export async function open(name, options = {}) {
  if (typeof name !== 'string' || name === '') throw new TypeError('open() needs a database name');
  const worker = new Worker(new URL('./worker/engine.worker.js', import.meta.url), { type: 'module' });
  const db = new Database(worker, name);
  try {
    return await db._open(options);
  } catch (err) {
    worker.terminate();
    throw err;
  }
}

/**
 * Loads the wasm core (once) and resolves when it is usable.
 * @returns {Promise<{version: string}>}
 */
export async function ready(options) {
  const core = await loadCore(options);
  return { version: core.version() };
}
