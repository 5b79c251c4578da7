// cellgraph — the public API.
import { loadCore } from './core/module.js';

export { CellgraphError, ErrorCode } from './core/errors.js';

/**
 * Loads the wasm core (once) and resolves when it is usable.
 * @param {{wasmUrl?: string|URL, wasmBinary?: ArrayBuffer|Uint8Array}} [options]
 * @returns {Promise<{version: string}>}
 */
export async function ready(options) {
  const core = await loadCore(options);
  return { version: core.version() };
}
