// Trust through the wasm module: recovery phrases against the shared vectors
// (js/core/rtc-abi.js), and engines opened with `trust` signing, checking,
// holding and refusing ops (core/api/trust.h, PROTOCOL.md §10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadRtc } from '../../js/core/module.js';
import { CellgraphError } from '../../js/core/errors.js';
import { mnemonicNew, mnemonicCheck, identityFromMnemonic } from '../../js/core/rtc-abi.js';
import { decode, encode } from '../../js/core/msgpack.js';
import { EngineNet, openEngine, OpType, write } from './support.js';

const core = await loadRtc();
const hex = (b) => Buffer.from(b).toString('hex');
const vectors = JSON.parse(await readFile(new URL('../vectors/bip39.json', import.meta.url), 'utf8'));

test('recovery phrases restore the identities of the shared vectors', () => {
  for (const c of vectors.cases) {
    assert.equal(mnemonicCheck(core, c.phrase), undefined);
    assert.equal(hex(identityFromMnemonic(core, c.phrase, '').publicKey), c.publicKey);
  }
  assert.throws(() => mnemonicCheck(core, vectors.cases[0].phrase.replace(/about$/, 'abandon')),
    (e) => e instanceof CellgraphError && e.code === 'INVALID_ARGUMENT' && /checksum/.test(e.message));
  const fresh = mnemonicNew(core);
  assert.equal(fresh.split(' ').length, 12);
  assert.equal(mnemonicCheck(core, fresh), undefined);
});

const admin = identityFromMnemonic(core, vectors.cases[0].phrase, '');
const user = identityFromMnemonic(core, vectors.cases[1].phrase, '');
const trust = (who, room = 'room') => ({ app: 'test', room, superadmins: [hex(admin.publicKey)], ...(who ? { secretKey: hex(who.secretKey) } : {}) });

test('signed ops sync; a guest cannot write; a grant lets it; a tampered op is refused and counted', async () => {
  const a = await openEngine(1, { trust: trust(admin) });
  const b = await openEngine(2, { trust: trust(user) });
  assert.throws(() => b.prepare([[OpType.PUT, 'x', { v: 1 }]]), (e) => e instanceof CellgraphError && e.code === 'UNAUTHORIZED' && /role guest cannot write/.test(e.message));
  write(b, [[OpType.PUT, `~profile/${hex(user.publicKey)}`, { name: 'u' }]]);
  // Two writes, two signed groups: a tampered op spoils the proof it shares
  // with the rest of its group in a message (PROTOCOL.md §3, proof groups).
  write(a, [[OpType.PUT, 'doc', { title: 'hello' }]]);
  write(a, [[OpType.PUT, `~grant/${hex(user.publicKey)}/${hex(admin.publicKey)}/g1`, { role: 'user' }]]);
  const net = new EngineNet();
  net.add(a, 'a'); net.add(b, 'b');
  let tampered = 0;
  net.onDeliver = (from, to, bytes) => {
    const m = decode(bytes);
    if (m[1] !== 2 || from !== 0) return true;
    for (const e of m[7]) if (e[1] === 'doc') { e[2] = { title: 'forged' }; tampered++; }
    return encode(m);
  };
  net.connect(0, 1);
  net.runFlights();
  assert.equal(a.digest() === b.digest(), false);
  assert.equal(b.get('doc'), null, 'the tampered op did not apply');
  assert.ok(b.stats().opsForged >= tampered && tampered > 0);
  assert.equal(b.roleOf(hex(user.publicKey)), 'user');
  write(b, [[OpType.PUT, 'mine', { v: 1 }]]);
  assert.equal(b.roleOf(hex(admin.publicKey)), 'superadmin');
  a.close(); b.close();
});

test('an op signed for another room verifies nowhere else; without an identity nothing can be written', async () => {
  const other = await openEngine(3, { trust: trust(admin, 'other') });
  const here = await openEngine(4, { trust: trust(null) });
  write(other, [[OpType.PUT, 'x', { v: 1 }]]);
  const net = new EngineNet();
  net.add(other, 'other'); net.add(here, 'here');
  net.connect(0, 1);
  net.runFlights();
  assert.equal(here.get('x'), null);
  assert.equal(here.stats().opsForged, 1);
  assert.throws(() => here.prepare([[OpType.PUT, 'y', {}]]), /without an identity/);
  other.close(); here.close();
});
