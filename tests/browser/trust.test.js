// Identities and roles between real peers (Chromium under isolated-net,
// local relay): links bound to verified identities, grants that sync and
// take effect everywhere, and hostile peers refused and counted while the
// honest ones converge (README "Identities and roles", PROTOCOL.md §10).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../support/browser.js';
import { openPeer, fullMesh, peersOf, waitUntil, converged } from '../support/peers.js';
import { loadRtc } from '../../js/core/module.js';
import { mnemonicNew, identityFromMnemonic } from '../../js/core/rtc-abi.js';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const core = await loadRtc();
const person = () => {
  const phrase = mnemonicNew(core);
  return { phrase, id: Buffer.from(identityFromMnemonic(core, phrase, '').publicKey).toString('hex') };
};

test('links name verified identities; a grant lets a guest write; forged and impersonated ops are refused and counted', async () => {
  const admin = person(), user = person(), mallory = person();
  const security = { superadmins: [admin.id] };
  const room = 'trust';
  const a = await openPeer(h, { room, security, phrase: admin.phrase });
  const b = await openPeer(h, { room, security, phrase: user.phrase });
  const m = await openPeer(h, { room, security, phrase: mallory.phrase });
  await fullMesh([a, b, m]);
  const named = await a.evaluate(() => window.db.room.peers.map((p) => window.db.room.identityOf(p)).sort());
  assert.deepEqual(named, [user.id, mallory.id].sort(), 'the admin sees who each link speaks for');

  // Mallory records what b sends it, to replay it as its own.
  await m.evaluate(() => {
    window.captured = [];
    window.db.room._channel('~sync').on('message', (bytes, peer) => { if (bytes instanceof Uint8Array && bytes[2] === 2 && bytes[3] === 0) window.captured.push({ bytes, peer }); });
  });
  await a.evaluate(() => window.db.put({ text: 'by the admin' }, 'doc'));
  await a.evaluate((id) => window.db.roles.grant(id, 'user'), user.id);
  await waitUntil('the grant at b', async () => (await b.evaluate((id) => window.db.roles.get(id), user.id)) === 'user');
  await b.evaluate(() => window.db.put({ text: 'by the user' }, 'from-b'));
  const guestWrite = await m.evaluate(() => window.db.put({ text: 'by mallory' }, 'from-m').then(() => 'ok', (e) => e.code));
  assert.equal(guestWrite, 'UNAUTHORIZED');

  // A forged op: mallory's own key as author (so it is not an impersonation), a signature of zeros.
  await waitUntil('a live batch from b at mallory', () => m.evaluate(() => window.captured.length > 0));
  const forgedAt = await m.evaluate(async ({ adminId, self }) => {
    const { encode } = await import('/js/core/msgpack.js');
    const author = Uint8Array.from(self.match(/../g), (x) => parseInt(x, 16));
    const forged = encode([2, 2, 0, 1, 1, 1, false, [[1, 'forged', { x: 1 }, Date.now(), 0, 7, author, new Uint8Array(66)]]]);
    const toAdmin = window.db.room.peers.find((p) => window.db.room.identityOf(p) === adminId);
    await window.db.room._channel('~sync').send(forged, toAdmin);
    return toAdmin;
  }, { adminId: admin.id, self: mallory.id });
  await waitUntil('the forged op counted', async () => (await a.evaluate(() => window.db.stats())).opsForged >= 1);
  // b's own live batch, sent by mallory as if it were hers.
  await m.evaluate(async (adminId) => {
    const toAdmin = window.db.room.peers.find((p) => window.db.room.identityOf(p) === adminId);
    await window.db.room._channel('~sync').send(window.captured[0].bytes, toAdmin);
  }, admin.id);
  await waitUntil('the impersonation counted', async () => (await a.evaluate(() => window.db.stats())).opsImpersonated >= 1);
  assert.ok(forgedAt);

  // The honest peers converge; nothing of mallory's or the forger's applied.
  const state = await converged([a, b], { min: 3 });
  const ids = state.map(([id]) => id);
  assert.ok(ids.includes('doc') && ids.includes('from-b'));
  assert.ok(!ids.includes('forged') && !ids.includes('from-m'));
  for (const p of [a, b, m]) assert.deepEqual(p.errors, []);
  await Promise.all([a, b, m].map((p) => p.close()));
});

test('a link whose identity handshake is forged never joins, and is counted', async () => {
  const admin = person();
  const a = await openPeer(h, { room: 'handshake', security: { superadmins: [admin.id] }, phrase: admin.phrase });
  const e = await h.openFixture('db.html');
  await e.evaluate(async ({ relay, adminId }) => {
    const { Room } = await import('/js/room/room.js');
    // Claims the admin's identity without its key.
    window.room = await Room.join({ room: 'handshake', relayUrls: [relay], iceServers: [], identity: { id: adminId, sign: () => new Uint8Array(64) } });
  }, { relay: h.relay.url, adminId: admin.id });
  await waitUntil('the forged handshake refused', async () => (await a.evaluate(() => window.db.room.stats().refused.identity)) >= 1, 30_000);
  assert.equal(await peersOf(a), 0);
  assert.deepEqual(a.errors, []);
  await Promise.all([a, e].map((p) => p.close()));
});
