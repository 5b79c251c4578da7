// Core errors reach JS as one typed CellgraphError with a stable code.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadRtc } from '../../js/core/module.js';
import { check, CellgraphError, ErrorCode } from '../../js/core/errors.js';

let core;
before(async () => { core = await loadRtc(); });

test('ErrorCode mirrors the core enum exactly', () => {
  const fromCore = Object.fromEntries(
    Object.entries(core.Code).filter(([, v]) => typeof v === 'object' && 'value' in v)
      .map(([k, v]) => [k, v.value]));
  assert.deepEqual(fromCore, { ...ErrorCode });
});

test('a core error becomes a CellgraphError with its code', () => {
  assert.throws(() => check(core.hexDecode('00zz')), (err) => {
    assert.ok(err instanceof CellgraphError);
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.equal(err.message, 'not a hex digit at position 2');
    return true;
  });
  assert.throws(() => check(core.ed25519Sign(new Uint8Array(1), new Uint8Array(32))),
    { name: 'CellgraphError', code: 'INVALID_ARGUMENT', message: /secret key must be 64 bytes/ });
});

test('wrong argument types are errors, not crashes', () => {
  assert.throws(() => check(core.ed25519Sign('not bytes', new Uint8Array(64))),
    { code: 'INVALID_ARGUMENT', message: 'message must be a Uint8Array' });
  assert.throws(() => check(core.ed25519KeyPairFromSeed([1, 2, 3])), { code: 'INVALID_ARGUMENT' });
  assert.equal(core.ed25519Verify(null, new Uint8Array(64), new Uint8Array(32)), false);
  // The module is still healthy afterwards.
  assert.equal(core.hexEncode(new Uint8Array([1])), '01');
});

test('errors survive structured cloning as plain data', () => {
  const err = new CellgraphError('CORRUPT', 'bad tail');
  const copy = CellgraphError.fromJSON(structuredClone(err.toJSON()));
  assert.equal(copy.code, 'CORRUPT');
  assert.equal(copy.message, 'bad tail');
});
