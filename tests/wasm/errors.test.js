// Core errors reach JS as one typed CellgraphError with a stable code.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadRtc } from '../../js/core/module.js';
import { CellgraphError, ErrorCode } from '../../js/core/errors.js';
import { coreCodes, ed25519KeyPairFromSeed, ed25519Sign, ed25519Verify, sha256 } from '../../js/core/rtc-abi.js';

let core;
before(async () => { core = await loadRtc(); });

test('ErrorCode mirrors the core enum exactly', () => {
  assert.deepEqual(coreCodes(core), { ...ErrorCode });
});

test('a core error becomes a CellgraphError with its code', () => {
  assert.throws(() => ed25519Sign(core, new Uint8Array(1), new Uint8Array(32)), (err) => {
    assert.ok(err instanceof CellgraphError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'CellgraphError');
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.match(err.message, /secret key must be 64 bytes/);
    return true;
  });
  assert.throws(() => ed25519KeyPairFromSeed(core, new Uint8Array(31)),
    { name: 'CellgraphError', code: 'INVALID_ARGUMENT' });
});

test('wrong argument types are errors, not crashes', () => {
  assert.throws(() => ed25519Sign(core, 'not bytes', new Uint8Array(64)),
    { name: 'CellgraphError', code: 'INVALID_ARGUMENT', message: 'message must be a Uint8Array' });
  assert.throws(() => ed25519Sign(core, new Uint8Array(1), [1, 2, 3]),
    { name: 'CellgraphError', code: 'INVALID_ARGUMENT', message: 'secretKey must be a Uint8Array' });
  assert.throws(() => ed25519KeyPairFromSeed(core, [1, 2, 3]),
    { name: 'CellgraphError', code: 'INVALID_ARGUMENT', message: 'seed must be a Uint8Array' });
  assert.equal(ed25519Verify(core, null, new Uint8Array(64), new Uint8Array(32)), false);
  // The module is still healthy afterwards.
  assert.equal(Buffer.from(sha256(core, new TextEncoder().encode('abc'))).toString('hex'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(ed25519Sign(core, new Uint8Array([0x72]), ed25519KeyPairFromSeed(core, new Uint8Array(32)).secretKey).length, 64);
});

test('errors survive structured cloning as plain data', () => {
  const err = new CellgraphError('CORRUPT', 'bad tail');
  const copy = CellgraphError.fromJSON(structuredClone(err.toJSON()));
  assert.equal(copy.code, 'CORRUPT');
  assert.equal(copy.message, 'bad tail');
});
