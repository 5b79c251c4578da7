// The independent forger of tests/support/forge.js (PROTOCOL.md §2, §3,
// §10.1 from the text alone) and the core agree: what it signs a wasm
// engine accepts, in groups of any size and through a real session, and
// the same op with one byte changed is opsForged. So the browser hostile
// suite refuses ops for the reasons it claims, not because they never verified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRtc } from '../../js/core/module.js';
import { mnemonicNew, identityFromMnemonic } from '../../js/core/rtc-abi.js';
import { openEngine } from './support.js';
import { databaseId, grantId, opsMessage, OpsMode, OpType, signEach, signer, signGroup } from '../support/forge.js';

const core = await loadRtc();
const person = () => signer(identityFromMnemonic(core, mnemonicNew(core), '').secretKey);
const admin = person(), mallory = person();
const db = databaseId('test', 'room');
const trust = () => ({ app: 'test', room: 'room', superadmins: [admin.id] });
const T = Date.now();
const put = (id, value, wall = T, counter = 0) => ({ type: OpType.PUT, id, value, wall, counter });
const live = (envelopes) => opsMessage(OpsMode.LIVE, envelopes);

test('what the forger signs is accepted: single ops, groups of every shape, every op type, canonical values', async () => {
  const e = await openEngine(1, { trust: trust() });
  const ok = (fx) => { assert.equal(fx.error ?? null, null); return fx; };
  ok(e.receiveRelayed('x', live(signEach(admin, db, [put('one', { b: 1, a: [1.5, 'é', null, true], nested: { z: {}, y: -3 } })]))));
  assert.deepEqual(e.get('one').value, { a: [1.5, 'é', null, true], b: 1, nested: { y: -3, z: {} } });
  const before = e.stats().signaturesChecked;
  for (const n of [2, 3, 5, 33, 64]) {
    const ops = Array.from({ length: n }, (_, i) => put(`g${n}-${i}`, { i }, T + 1, i));
    ok(e.receiveRelayed('x', live(signGroup(admin, db, ops))));
    for (let i = 0; i < n; i++) assert.ok(e.get(`g${n}-${i}`), `g${n}-${i}`);
  }
  assert.equal(e.stats().signaturesChecked - before, 5, 'one signature per group');
  ok(e.receiveRelayed('x', live(signGroup(admin, db, [
    { type: OpType.LINK, id: 'one', target: 'g2-0', wall: T + 2 },
    { type: OpType.REMOVE, id: 'g2-1', wall: T + 2, counter: 1 },
    put(grantId(mallory.id, admin.id, 'n1'), { role: 'user' }, T + 2, 2),
  ]))));
  assert.deepEqual(e.get('one').edges, ['g2-0']);
  assert.equal(e.get('g2-1'), null);
  assert.equal(e.roleOf(mallory.id), 'user');
  assert.equal(e.stats().opsForged, 0);
  e.close();
});

test('one byte changed after signing, another room, another signer: opsForged, and the rest of the message applies', async () => {
  const e = await openEngine(2, { trust: trust() });
  const good = signEach(admin, db, [put('good', { v: 1 })])[0];
  const value = signEach(admin, db, [put('value', { v: 1 })])[0];
  value[2] = { v: 2 };
  const clock = signEach(admin, db, [put('clock', { v: 1 })])[0];
  clock[3] += 1;
  const proof = signEach(admin, db, [put('proof', { v: 1 })])[0];
  proof[7] = Uint8Array.from(proof[7], (b, i) => (i === 10 ? b ^ 1 : b));
  const path = signGroup(admin, db, [put('path', {}), put('path-2', {}, T, 1)])[0];
  path[7] = Uint8Array.from(path[7], (b, i) => (i === 70 ? b ^ 0x80 : b));
  const elsewhere = signEach(admin, databaseId('test', 'other room'), [put('elsewhere', { v: 1 })])[0];
  const impostor = signEach(mallory, db, [put('impostor', { v: 1 })])[0];
  impostor[6] = admin.publicKey;
  const fx = e.receiveRelayed('x', live([good, value, clock, proof, path, elsewhere, impostor]));
  assert.equal(fx.error ?? null, null);
  assert.ok(e.get('good'));
  for (const id of ['value', 'clock', 'proof', 'path', 'elsewhere', 'impostor']) assert.equal(e.get(id), null, id);
  assert.equal(e.stats().opsForged, 6);
  e.close();
});

test('through a session: a link may carry anyone\'s ops in a repair, only its own in a live batch', async () => {
  const here = await openEngine(3, { trust: trust() });
  const peer = await openEngine(4, { trust: trust() });
  const hello = (fx) => fx.sends[0].bytes;
  const toPeer = hello(here.openPeer('m', mallory.id));
  const fromPeer = hello(peer.openPeer('h', ''));
  assert.equal(peer.receive('h', toPeer).error ?? null, null);
  assert.equal(here.receive('m', fromPeer).error ?? null, null);
  const repaired = here.receive('m', opsMessage(OpsMode.REPAIR, signEach(admin, db, [put('by-admin', {})])));
  assert.equal(repaired.failed.length, 0);
  assert.ok(here.get('by-admin'));
  here.receive('m', live(signEach(mallory, db, [put('by-guest', {}, T + 3)])));
  assert.equal(here.get('by-guest'), null);
  assert.equal(here.stats().opsUnauthorized, 1, 'her own op reached the gate: a guest may not write');
  const fx = here.receive('m', live(signEach(admin, db, [put('relayed-live', {}, T + 4)])));
  assert.equal(fx.failed.length, 1);
  assert.equal(here.stats().opsImpersonated, 1);
  assert.equal(here.get('relayed-live'), null);
  here.close(); peer.close();
});
