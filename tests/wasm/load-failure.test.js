// A .wasm that the glue cannot instantiate fails to load with INTERNAL
// instead of leaving the load pending forever (js/core/module.js), and a
// failed load may be retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRtc } from '../../js/core/module.js';
import { CellgraphError } from '../../js/core/errors.js';

// A valid module importing a function the glue does not provide: it
// compiles, and instantiating it is a LinkError.
const importsWhatNoGlueHas = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,              // magic, version 1
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                          // one type: () -> ()
  0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x6e, 0x6f, 0x70, 0x65, 0x00, 0x00,  // import env.nope
]);

test('a wasm the glue cannot instantiate rejects, then the right one loads', async () => {
  await assert.rejects(loadRtc({ wasmBinary: importsWhatNoGlueHas }),
    (err) => err instanceof CellgraphError && err.code === 'INTERNAL' && /failed to load/.test(err.message));
  const core = await loadRtc();
  assert.equal(typeof core._cg_crypto, 'function');
});
