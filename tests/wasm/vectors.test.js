// The golden protocol vectors, checked against the wasm build (the native
// tests check the same file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadRtc } from '../../js/core/module.js';
import { CellgraphError } from '../../js/core/errors.js';
import { describeMessage } from '../../js/core/abi.js';

const vectors = JSON.parse(await readFile(new URL('../vectors/sync-v2.json', import.meta.url), 'utf8'));
const bytes = (hex) => Uint8Array.from(Buffer.from(hex, 'hex'));
const core = await loadRtc();  // message dumps are in the rtc build only

test('valid vectors decode to their descriptions', () => {
  assert.ok(vectors.valid.length >= 5);
  for (const v of vectors.valid) {
    assert.deepEqual(describeMessage(core, bytes(v.hex)), v.json, v.name);
  }
});

test('invalid vectors fail with their codes', () => {
  assert.ok(vectors.invalid.length >= 5);
  for (const v of vectors.invalid) {
    assert.throws(() => describeMessage(core, bytes(v.hex)),
      (err) => err instanceof CellgraphError && err.code === v.error, v.name);
  }
});
