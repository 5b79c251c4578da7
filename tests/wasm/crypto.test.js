// BIP-340 Schnorr (libsecp256k1), SHA-256 and room encryption in the wasm
// module (bindings/rtc_abi.cc through js/core/rtc-abi.js): the same vectors
// as tests/native, plus Nostr interop with nostr-tools (an event we sign
// verifies there, and one it signs verifies here).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { verifyEvent, getEventHash, finalizeEvent, getPublicKey } from 'nostr-tools/pure';
import { loadRtc } from '../../js/core/module.js';
import { CellgraphError } from '../../js/core/errors.js';
import { schnorrPublicKey, schnorrSign, schnorrVerify, sha256, deriveRoomKey, sealRoom, openRoom } from '../../js/core/rtc-abi.js';

const utf8 = (s) => new TextEncoder().encode(s);
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
let core;

before(async () => { core = await loadRtc(); });

// bitcoin/bips bip-0340/test-vectors.csv, vectors 0 and 1.
const bip340 = [
  {
    sk: '0000000000000000000000000000000000000000000000000000000000000003',
    pk: 'F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9',
    aux: '0000000000000000000000000000000000000000000000000000000000000000',
    msg: '0000000000000000000000000000000000000000000000000000000000000000',
    sig: 'E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA8215'
      + '25F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0',
  },
  {
    sk: 'B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF',
    pk: 'DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659',
    aux: '0000000000000000000000000000000000000000000000000000000000000001',
    msg: '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89',
    sig: '6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE3341'
      + '8906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A',
  },
];

test('schnorr: BIP-340 vectors 0 and 1 sign and verify', () => {
  for (const v of bip340) {
    const sk = unhex(v.sk);
    const pk = schnorrPublicKey(core, sk);
    assert.equal(hex(pk), v.pk.toLowerCase());
    const sig = schnorrSign(core, sk, unhex(v.msg), unhex(v.aux));
    assert.ok(sig instanceof Uint8Array);
    assert.equal(hex(sig), v.sig.toLowerCase());
    assert.equal(schnorrVerify(core, pk, unhex(v.msg), sig), true);
  }
});

test('schnorr: tampering, wrong sizes and non-bytes are rejected', () => {
  const sk = crypto.getRandomValues(new Uint8Array(32));
  const pk = schnorrPublicKey(core, sk);
  const msg = sha256(core, utf8('hello'));
  const sig = schnorrSign(core, sk, msg, undefined);  // aux drawn inside
  assert.equal(schnorrVerify(core, pk, msg, sig), true);
  const flipped = sig.slice(); flipped[40] ^= 1;
  assert.equal(schnorrVerify(core, pk, msg, flipped), false);
  const otherMsg = msg.slice(); otherMsg[0] ^= 1;
  assert.equal(schnorrVerify(core, pk, otherMsg, sig), false);
  assert.equal(schnorrVerify(core, pk.subarray(1), msg, sig), false);
  assert.equal(schnorrVerify(core, pk, msg, sig.subarray(0, 63)), false);
  assert.equal(schnorrVerify(core, 'not bytes', msg, sig), false);
  // BIP-340 vector 5: public key not on the curve.
  assert.equal(schnorrVerify(core, unhex('EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34'),
    unhex('243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89'),
    unhex('6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769'
      + '69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B')), false);

  assert.throws(() => schnorrSign(core, sk, new Uint8Array(31), undefined),
    (e) => e instanceof CellgraphError && e.code === 'INVALID_ARGUMENT');
  assert.throws(() => schnorrSign(core, sk, msg, new Uint8Array(5)), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => schnorrPublicKey(core, new Uint8Array(32)), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => schnorrPublicKey(core, [1, 2, 3]), { code: 'INVALID_ARGUMENT' });
});

test('sha256 matches the FIPS 180-2 "abc" vector and node:crypto', async () => {
  assert.equal(hex(sha256(core, utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const data = crypto.getRandomValues(new Uint8Array(10_000));
  const expected = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  assert.deepEqual(sha256(core, data), expected);
  assert.throws(() => sha256(core, 'abc'), { name: 'CellgraphError', code: 'INVALID_ARGUMENT', message: 'bytes must be a Uint8Array' });
  assert.deepEqual(sha256(core, new Uint8Array()), unhex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'));
});

test('nostr: an event signed by schnorrSign verifies with nostr-tools', () => {
  const sk = crypto.getRandomValues(new Uint8Array(32));
  const pubkey = hex(schnorrPublicKey(core, sk));
  const event = {
    kind: 21000,
    created_at: Math.floor(Date.now() / 1000),
    tags: [['x', 't']],
    content: 'hi',
    pubkey,
  };
  const id = hex(sha256(core, utf8(JSON.stringify([0, pubkey, event.created_at, event.kind, event.tags, event.content]))));
  assert.equal(id, getEventHash(event));
  event.id = id;
  event.sig = hex(schnorrSign(core, sk, unhex(id), crypto.getRandomValues(new Uint8Array(32))));
  assert.equal(verifyEvent({ ...event }), true);
  assert.equal(verifyEvent({ ...event, content: 'ho' }), false);

  // And the other way: nostr-tools' key and signature check out here.
  assert.equal(getPublicKey(sk), pubkey);
  const theirs = finalizeEvent({ kind: 1, created_at: event.created_at, tags: [], content: 'from nostr-tools' }, sk);
  assert.equal(schnorrVerify(core, unhex(theirs.pubkey), unhex(theirs.id), unhex(theirs.sig)), true);
});

test('room crypto: seal/open roundtrip, tampering and wrong keys fail with CORRUPT', () => {
  const key = deriveRoomKey(core, 'cellgraph', 'lobby', '');
  assert.equal(key.length, 32);
  assert.deepEqual(deriveRoomKey(core, 'cellgraph', 'lobby', undefined), key);
  const plaintext = utf8('{"type":"offer","sdp":"v=0"}');
  const sealed = sealRoom(core, key, plaintext);
  assert.equal(sealed.length, plaintext.length + 40);
  assert.deepEqual(openRoom(core, key, sealed), plaintext);
  assert.notDeepEqual(sealRoom(core, key, plaintext), sealed, 'fresh nonce every time');

  const modified = sealed.slice(); modified[30] ^= 1;
  assert.throws(() => openRoom(core, key, modified), { code: 'CORRUPT' });
  assert.throws(() => openRoom(core, key, sealed.subarray(0, sealed.length - 1)), { code: 'CORRUPT' });
  assert.throws(() => openRoom(core, key, sealed.subarray(0, 10)), { code: 'CORRUPT' });
  const other = deriveRoomKey(core, 'cellgraph', 'other-room', '');
  assert.throws(() => openRoom(core, other, sealed), { code: 'CORRUPT' });
  assert.throws(() => sealRoom(core, key.subarray(1), plaintext), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => deriveRoomKey(core, 1, 'lobby', ''), { code: 'INVALID_ARGUMENT' });
});

test('room crypto: password keys are deterministic, separated, and cost is printed', () => {
  const t0 = performance.now();
  const a = deriveRoomKey(core, 'cellgraph', 'lobby', 'correct horse');
  const ms = performance.now() - t0;
  console.log(`deriveRoomKey with a password (Argon2id ops 2, 16 MiB) in wasm: ${ms.toFixed(1)} ms`);
  assert.deepEqual(deriveRoomKey(core, 'cellgraph', 'lobby', 'correct horse'), a);
  assert.notDeepEqual(deriveRoomKey(core, 'cellgraph', 'lobby', ''), a);
  assert.notDeepEqual(deriveRoomKey(core, 'cellgraph', 'lobby', 'correct horsf'), a);
  assert.notDeepEqual(deriveRoomKey(core, 'cellgraph', 'lobby2', 'correct horse'), a);
  // The same bytes as the native build (tests/native/room_crypto_test.cc).
  assert.equal(hex(deriveRoomKey(core, 'cellgraph', 'lobby', '')),
    'c685d4b949cc102210625b9c404762c5a587d70d27e3a4979a83d25520facf2b');
  assert.equal(hex(a), 'c535e190b472f5c2780b68120aecb3f0ff0737b5445d910acff0997dde35c2b1');
  const sealed = sealRoom(core, a, utf8('secret'));
  assert.throws(() => openRoom(core, deriveRoomKey(core, 'cellgraph', 'lobby', ''), sealed),
    { code: 'CORRUPT' });
});
