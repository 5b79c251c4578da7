// The local relay the tests and the demo share: a page subscribes over a
// WebSocket; events signed in Node (nostr-tools) reach it; forged ones are
// refused by the relay. And a hostile relay that replays what it captured.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { startHarness } from '../support/browser.js';
import { startHostileRelay } from '../support/hostile-relay.js';
import { openPeer, peersOf, waitUntil } from '../support/peers.js';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

function publish(url, event) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send(JSON.stringify(['EVENT', event])));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg[0] === 'OK' && msg[1] === event.id) { ws.close(); resolve({ accepted: msg[2], reason: msg[3] }); }
    });
    ws.on('error', reject);
  });
}

test('a page receives ephemeral events from the local relay; forged ones are refused', async () => {
  const page = await h.newPage();
  await page.goto(`${h.http.url}/tests/browser/fixtures/load.html`);
  await page.evaluate((url) => new Promise((resolve, reject) => {
    window.seen = [];
    const ws = new WebSocket(url);
    ws.onopen = () => ws.send(JSON.stringify(['REQ', 's1', { kinds: [21000] }]));
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg[0] === 'EOSE') resolve();
      if (msg[0] === 'EVENT') window.seen.push(msg[2].content);
    };
    ws.onerror = () => reject(new Error('relay unreachable'));
  }), h.relay.url);

  const sk = generateSecretKey();
  const good = finalizeEvent({ kind: 21000, created_at: Math.floor(Date.now() / 1000), tags: [['x', 'room']], content: 'hello' }, sk);
  assert.deepEqual(await publish(h.relay.url, good), { accepted: true, reason: '' });

  const forged = { ...finalizeEvent({ kind: 21000, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'original' }, sk) };
  forged.content = 'tampered';
  const result = await publish(h.relay.url, forged);
  assert.equal(result.accepted, false);
  assert.match(result.reason, /invalid/);

  await page.waitForFunction(() => window.seen.length >= 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(await page.evaluate(() => window.seen), ['hello']);
  assert.deepEqual(page.errors, []);
});

test('finding 4: a relay that replays captured offers and answers after 5,000 junk ids: refused, counted, the link stays up', async (t) => {
  const hostile = await startHostileRelay();
  t.after(() => hostile.close());
  const relayUrls = [h.relay.url, hostile.url];
  const a = await openPeer(h, { room: 'replay', relayUrls });
  const b = await openPeer(h, { room: 'replay', relayUrls });
  await waitUntil('a connection', async () => (await peersOf(a)) === 1 && (await peersOf(b)) === 1);
  const ids = await Promise.all([a, b].map((p) => p.evaluate(() => window.db.room.self)));
  // Every offer and answer the peers published went through the hostile
  // relay too; each was accepted once by its addressee.
  const directed = hostile.captured.filter((e) => e.tags.some((tag) => tag[0] === 'p' && ids.includes(tag[1])));
  assert.ok(directed.length >= 2, `${directed.length} offers and answers captured`);
  const stats = () => Promise.all([a, b].map((p) => p.evaluate(() => window.db.room.stats())));
  const before = await stats();

  // Junk ids first: enough to flush any bounded set of recent ids that junk can enter.
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 5000; i++) {
    hostile.sendEvent({ id: randomBytes(32).toString('hex'), pubkey: randomBytes(32).toString('hex'), created_at: now, kind: 1, tags: [], content: '', sig: '' });
  }
  for (const e of hostile.captured.slice()) hostile.sendEvent(e);   // then everything it captured, again

  await waitUntil('the junk to be counted', async () =>
    (await stats()).every((x, i) => x.signaling.ignored.kind - before[i].signaling.ignored.kind >= 5000), 30_000, 250);
  await new Promise((r) => setTimeout(r, 2000));   // the replays came after the junk
  // The link is the one made before: no peer left and joined again.
  for (const p of [a, b]) {
    assert.deepEqual((await p.evaluate(() => window.peerLog)).map(([what, , why]) => (why ? `${what}: ${why}` : what)), ['join']);
    assert.equal(await peersOf(p), 1);
  }
  const after = await stats();
  const duplicates = after.reduce((n, x, i) => n + x.signaling.ignored.duplicate - before[i].signaling.ignored.duplicate, 0);
  assert.ok(duplicates >= directed.length, `${duplicates} replays counted as duplicates`);
  for (let i = 0; i < 2; i++) {
    const grew = (k) => after[i].signaling.ignored[k] - before[i].signaling.ignored[k];
    assert.equal(after[i].signaling.accepted, before[i].signaling.accepted, 'no replayed event was accepted');
    assert.equal(grew('signature') + grew('seal') + grew('shape'), 0, 'replays are refused as duplicates, before verification');
    assert.equal(after[i].refused.staleOffer, 0);
    assert.ok(after[i].signaling.acceptedIds <= before[i].signaling.acceptedIds, 'junk did not enter the replay set');
  }
  await b.evaluate(() => { window.got = new Promise((resolve) => window.db.room.channel('chat').on('message', resolve)); });
  await a.evaluate(() => window.db.room.channel('chat').send('still linked'));
  assert.equal(await b.evaluate(() => window.got), 'still linked');
  for (const p of [a, b]) assert.deepEqual(p.errors, []);
  await Promise.all([a, b].map((p) => p.close()));
});
