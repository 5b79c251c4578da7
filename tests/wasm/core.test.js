// The wasm modules under Node: they load, the rtc build's C ABI
// (bindings/rtc_abi.cc through js/core/rtc-abi.js) moves bytes both ways,
// libsodium works and draws randomness from crypto.getRandomValues.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore, loadRtc } from '../../js/core/module.js';
import { CellgraphError } from '../../js/core/errors.js';
import { ed25519KeyPair, ed25519KeyPairFromSeed, ed25519Sign, ed25519Verify, deriveRoomKey, sealRoom, openRoom }
  from '../../js/core/rtc-abi.js';
import { ready } from '../../js/index.js';

const utf8 = (s) => new TextEncoder().encode(s);
const hex = (b) => Buffer.from(b).toString('hex');
let core;

before(async () => { core = await loadRtc(); });

test('the module loads and reports its version through the public API', async () => {
  const info = await ready({ rtc: true });
  assert.match(info.version, /^\d+\.\d+\.\d+$/);
  assert.equal(await loadRtc(), core, 'one module per realm');
  assert.equal(await loadCore(), core, 'the rtc build serves as the engine too');
});

test('bytes cross both ways unchanged, including empty and large buffers', () => {
  // In as the plaintext, out as the sealed bytes, and back in and out again.
  const key = deriveRoomKey(core, 'cellgraph', 'bytes');
  const roundTrip = (bytes) => {
    const sealed = sealRoom(core, key, bytes);
    assert.ok(sealed instanceof Uint8Array);
    assert.equal(sealed.length, bytes.length + 40);
    const back = openRoom(core, key, sealed);
    assert.ok(back instanceof Uint8Array);
    assert.deepEqual(back, bytes);
  };
  roundTrip(new Uint8Array());
  roundTrip(new Uint8Array([0]));
  roundTrip(new Uint8Array(256).map((_, i) => i));
  roundTrip(crypto.getRandomValues(new Uint8Array(1 << 16)));
  // A view into a larger buffer crosses as its own bytes only.
  const outer = crypto.getRandomValues(new Uint8Array(300));
  roundTrip(outer.subarray(17, 17 + 256));
});

test('ed25519 matches RFC 8032 test 2 and rejects tampering', () => {
  const seed = Buffer.from('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'hex');
  const kp = ed25519KeyPairFromSeed(core, new Uint8Array(seed));
  assert.equal(hex(kp.publicKey), '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
  const sig = ed25519Sign(core, new Uint8Array([0x72]), kp.secretKey);
  assert.equal(hex(sig), '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da'
    + '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00');

  const { publicKey, secretKey } = ed25519KeyPair(core);
  const msg = utf8('pay 10 EUR to alice');
  const s = ed25519Sign(core, msg, secretKey);
  assert.equal(ed25519Verify(core, msg, s, publicKey), true);
  assert.equal(ed25519Verify(core, utf8('pay 99 EUR to alice'), s, publicKey), false);
  const flipped = s.slice(); flipped[3] ^= 1;
  assert.equal(ed25519Verify(core, msg, flipped, publicKey), false);
  assert.equal(ed25519Verify(core, msg, s, ed25519KeyPair(core).publicKey), false);
});

test('key generation draws its seed from crypto.getRandomValues, in one call', (t) => {
  const spy = t.mock.method(globalThis.crypto, 'getRandomValues', (array) => array.fill(7));
  const drawn = ed25519KeyPair(core);
  assert.equal(spy.mock.callCount(), 1);
  assert.equal(hex(drawn.publicKey), hex(ed25519KeyPairFromSeed(core, new Uint8Array(32).fill(7)).publicKey));
  spy.mock.restore();
  assert.notEqual(hex(ed25519KeyPair(core).publicKey), hex(ed25519KeyPair(core).publicKey));
});

test('ready() with a bad location rejects with INVALID_ARGUMENT and keeps neither location', async () => {
  const { configuredWasmUrl, configuredWorkerUrl } = await import('../../js/core/locations.js');
  await assert.rejects(ready({ wasmUrl: 'https://cdn.example/cellgraph-core.wasm', workerUrl: 'http://[not a host' }),
    (err) => err instanceof CellgraphError && err.code === 'INVALID_ARGUMENT');
  assert.equal(configuredWasmUrl(), null);
  assert.equal(configuredWorkerUrl(), null);
  await assert.rejects(ready('not an object'), (err) => err.code === 'INVALID_ARGUMENT');
});
