// Peers when things go wrong: hostile relay events, a relay that restarts,
// and a peer whose browser is killed and comes back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { startHarness, launchKillableBrowser } from '../support/browser.js';
import { startRelay } from '../../scripts/local-relay.js';
import { startHostileRelay } from '../support/hostile-relay.js';
import { openPeer, countOf, peersOf, waitUntil, converged } from '../support/peers.js';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

// The room's topic and kind as js/signaling/room-keys.js derives them.
function roomTopic(app, room) {
  const digest = createHash('sha256').update(`cellgraph/topic/v1\0${app}\0${room}`).digest();
  return { topic: digest.toString('hex'), kind: 20000 + (((digest[0] << 8) | digest[1]) % 10000) };
}

test('forged, malformed and wrongly-tagged relay events are ignored', async (t) => {
  const hostile = await startHostileRelay();
  t.after(() => hostile.close());
  const target = await openPeer(h, { room: 'hostile', relayUrls: [h.relay.url, hostile.url] });
  await waitUntil('the hostile relay subscription', () => hostile.subscribers > 0);
  const me = await target.evaluate(() => window.db.room.self);
  const { topic, kind } = roomTopic('cellgraph', 'hostile');
  const other = roomTopic('cellgraph', 'another room');
  const sk = generateSecretKey();
  const now = Math.floor(Date.now() / 1000);
  let n = 0;  // distinct contents, so no two events share an id
  const make = (fields) => finalizeEvent({ kind, created_at: now, tags: [['x', topic]], content: `AAAA${n++}`, ...fields }, sk);

  hostile.sendRaw('this is not json');
  hostile.sendRaw(JSON.stringify(['EVENT']));
  hostile.sendRaw(JSON.stringify(['EVENT', 'unknown-sub', make({})]));
  hostile.sendEvent('not an event');
  hostile.sendEvent(make({ kind: other.kind === kind ? kind + 1 : other.kind }));        // wrong kind
  hostile.sendEvent(make({ tags: [['x', other.topic]] }));                                // another room
  hostile.sendEvent(make({ tags: [] }));                                                  // no topic
  hostile.sendEvent(make({ created_at: now - 3600 }));                                    // stale
  hostile.sendEvent({ ...make({}), content: 'tampered' });                                // bad signature
  hostile.sendEvent({ ...make({}), pubkey: getPublicKey(generateSecretKey()) });          // someone else's key
  hostile.sendEvent({ ...make({}), pubkey: me });                                         // claims to be us
  hostile.sendEvent(make({ tags: [['x', topic], ['p', getPublicKey(generateSecretKey())]] }));  // for another peer
  hostile.sendEvent(make({ content: 'not sealed with the room key' }));                  // no seal

  await waitUntil('every hostile event to be counted', async () => {
    const { ignored } = await target.evaluate(() => window.db.room.stats().signaling);
    return Object.values(ignored).reduce((a, b) => a + b, 0) >= 9;
  }, 10_000);
  const { ignored, accepted } = await target.evaluate(() => window.db.room.stats().signaling);
  const { self, ...rest } = ignored;  // the real relay also echoes our own announces
  assert.ok(self >= 1);
  assert.deepEqual(rest, { kind: 1, topic: 2, age: 1, duplicate: 0, signature: 2, notForUs: 1, seal: 1, shape: 0, flood: 0 });
  assert.equal(accepted, 0);

  // The peer still works: a real peer connects through the real relay.
  const friend = await openPeer(h, { room: 'hostile' });
  await waitUntil('a real connection', async () => (await peersOf(target)) === 1);
  await friend.evaluate(() => window.db.put({ ok: true }, 'fine'));
  await converged([target, friend]);
  assert.deepEqual(target.errors, []);
  await Promise.all([target, friend].map((p) => p.close()));
});

test('a relay that demands proof of work is dropped; one that stops answering is redialed', async (t) => {
  const pow = await startHostileRelay({ refuse: 'pow: difficulty 28 required' });
  const mute = await startHostileRelay({ silent: true });
  t.after(() => Promise.all([pow.close(), mute.close()]));
  const page = await h.openFixture('db.html');
  await openPeer(h, { page, room: 'picky', relayUrls: [h.relay.url, pow.url, mute.url] });
  const stateOf = (url) => page.evaluate((u) => window.db.room.relays.find((r) => r.url === u), url);
  await waitUntil('the proof-of-work relay to be dropped', async () => (await stateOf(pow.url)).state === 'dropped', 10_000);
  assert.match((await stateOf(pow.url)).reason, /^pow:/);
  // No answer to REQ within 10 s: disconnected and dialed again with back-off.
  await waitUntil('the silent relay to be redialed', () => mute.connections >= 2, 30_000, 250);
  assert.equal((await stateOf(h.relay.url)).state, 'open');
  const friend = await openPeer(h, { room: 'picky' });
  await waitUntil('a connection through the good relay', async () => (await peersOf(page)) === 1);
  assert.deepEqual(page.errors, []);
  await Promise.all([page, friend].map((p) => p.close()));
});

test('the relay stops and restarts: peers keep syncing, reconnect, and a newcomer finds them', async (t) => {
  const relay = await startRelay();
  let again = null;
  t.after(() => again?.close());
  const a = await openPeer(h, { room: 'restart', relayUrls: [relay.url] });
  const b = await openPeer(h, { room: 'restart', relayUrls: [relay.url] });
  await waitUntil('a connection', async () => (await peersOf(a)) === 1 && (await peersOf(b)) === 1);
  await relay.close();
  await waitUntil('the relay to be seen as down', async () =>
    (await a.evaluate(() => window.db.room.relays[0].state)) !== 'open', 10_000);
  await a.evaluate(() => window.db.put({ during: 'outage' }, 'o'));   // WebRTC needs no relay
  await converged([a, b]);
  again = await startRelay({ port: relay.port });
  await waitUntil('both peers to resubscribe', async () => {
    const states = await Promise.all([a, b].map((p) => p.evaluate(() => window.db.room.relays[0].state)));
    return states.every((s) => s === 'open');
  }, 30_000);
  const c = await openPeer(h, { room: 'restart', relayUrls: [again.url] });
  await waitUntil('the newcomer to meet both', async () => (await peersOf(c)) === 2, 30_000);
  await c.evaluate(() => window.db.put({ from: 'c' }, 'c'));
  await converged([a, b, c], { min: 2 });
  for (const p of [a, b, c]) assert.deepEqual(p.errors, []);
  await Promise.all([a, b, c].map((p) => p.close()));
});

test('a peer whose browser is killed comes back with its data and catches up', async (t) => {
  const profile = await mkdtemp(join(tmpdir(), 'cellgraph-peer-'));
  try {
    const stay = await openPeer(h, { room: 'crash' });
    await stay.evaluate(() => window.db.putMany(Array.from({ length: 500 }, (_, i) => [{ i }, `s${i}`])));
    const openKillable = async () => {
      const k = await launchKillableBrowser(profile);
      const page = await k.context.newPage();
      page.errors = [];
      page.on('pageerror', (err) => page.errors.push(err.message));
      await page.goto(`${h.http.url}/tests/browser/fixtures/db.html`);
      await page.waitForFunction(() => window.fixtureReady === true);
      await openPeer(h, { page, name: 'crash-db', room: 'crash', storage: 'auto' });
      return { k, page };
    };
    let { k, page } = await openKillable();
    t.after(() => k.kill());
    await page.evaluate(() => window.db.put({ mine: true }, 'written-before-the-crash'));
    await converged([stay, page], { min: 501 });
    k.kill();
    await waitUntil('the survivor to notice', async () => (await peersOf(stay)) === 0, 60_000, 250);
    await stay.evaluate(() => window.db.putMany(Array.from({ length: 100 }, (_, i) => [{ after: i }, `late${i}`])));
    ({ k, page } = await openKillable());
    t.after(() => k.kill());
    const reopened = await page.evaluate(async () => ({ info: window.db.info, mine: (await window.db.get('written-before-the-crash')).result }));
    assert.ok(reopened.mine, `the acknowledged write survived the crash (${JSON.stringify(reopened.info)})`);
    await waitUntil('the reopened peer to catch up', async () => (await countOf(page)) === 601, 60_000, 250);
    await converged([stay, page], { min: 601 });
    assert.deepEqual(page.errors, []);
    await page.evaluate(() => window.db.close());
    k.kill();
    await stay.close();
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
});
