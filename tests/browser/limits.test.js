// What a room member or a relay sends costs a peer nothing it did not agree
// to, in real Chromium under isolated-net: the sender-side message limit,
// oversized pings, and a flood of fresh keys against the connection caps.
// (The framing bounds themselves are tested in tests/wasm/framing.test.js
// and tests/wasm/peer-link.test.js.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../support/browser.js';
import { openPeer, peersOf, waitUntil } from '../support/peers.js';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const MiB = 1024 * 1024;
const connect = async (a, b) => waitUntil('a connection', async () => (await peersOf(a)) === 1 && (await peersOf(b)) === 1);
const leaves = (page) => page.evaluate(() => window.peerLog.filter((e) => e[0] === 'leave'));

test('finding 3: sending 65 MiB is TOO_LARGE at the sender, the link stays up and a small message still arrives', async () => {
  const a = await openPeer(h, { room: 'too-large' });
  const b = await openPeer(h, { room: 'too-large' });
  await connect(a, b);
  await b.evaluate(() => { window.got = new Promise((resolve) => window.db.room.channel('chat').on('message', resolve)); });
  const refused = await a.evaluate(async (size) => {
    try { await window.db.room.channel('files').send(new Uint8Array(size)); return null; } catch (err) {
      return { name: err.name, code: err.code, message: err.message };
    }
  }, 65 * MiB);
  assert.equal(refused?.name, 'CellgraphError', JSON.stringify(refused));
  assert.equal(refused.code, 'TOO_LARGE');
  assert.match(refused.message, /68157440 bytes is over the 67108864-byte limit/);
  await a.evaluate(() => window.db.room.channel('chat').send('small'));
  assert.equal(await b.evaluate(() => window.got), 'small');
  assert.equal(await peersOf(a), 1);
  assert.deepEqual([...await leaves(a), ...await leaves(b)], []);
  // The other errors a user can see are CellgraphErrors with a code too.
  const codes = await a.evaluate(async () => {
    const room = window.db.room;
    const code = (p) => p.then(() => 'resolved', (err) => `${err.name}:${err.code}`);
    const cyclic = {}; cyclic.self = cyclic;
    return [await code(room.channel('chat').send('x', 'no-such-peer')), await code(room.ping('no-such-peer')),
      await code(room.channel('chat').send(cyclic)), await code(room.channel('chat').send('x', undefined, cyclic))];
  });
  assert.deepEqual(codes, ['CellgraphError:NOT_FOUND', 'CellgraphError:NOT_FOUND', 'CellgraphError:INVALID_ARGUMENT', 'CellgraphError:INVALID_ARGUMENT']);
  for (const p of [a, b]) assert.deepEqual(p.errors, []);
  await Promise.all([a, b].map((p) => p.close()));
});

test('finding 2: 200 PINGs of 1 MiB are a protocol error at the first; the peer is dropped and banned', async () => {
  const a = await openPeer(h, { room: 'pings' });
  const b = await openPeer(h, { room: 'pings' });
  await connect(a, b);
  const aId = await a.evaluate(() => window.db.room.self);
  // A hostile member: 200 pings of 1 MiB on the library's own channel, never awaited.
  await a.evaluate((size) => {
    const ping = window.db.room._channel('~ping');
    for (let i = 0; i < 200; i++) ping.send(new Uint8Array(size)).catch(() => {});
  }, MiB);
  await waitUntil('the pinging peer to be cut off', async () => (await peersOf(b)) === 0, 30_000);
  const [left] = await leaves(b);
  assert.equal(left[1], aId);
  assert.match(left[2], /^protocol error \(tooLarge\): a ~ping message of 1048576 bytes \(at most 64\)/);
  const stats = await b.evaluate(() => window.db.room.stats());
  assert.equal(stats.violations.tooLarge, 1);
  // a's side announces again; b ignores it for banMs.
  await waitUntil('a to retry and be refused', async () => {
    const s = await b.evaluate(() => window.db.room.stats());
    return s.refused.banned > 0;
  }, 60_000, 250);
  assert.equal(await peersOf(b), 0);
  // A small ping between honest peers still works.
  const c = await openPeer(h, { room: 'pings' });
  await waitUntil('an honest peer', async () => (await peersOf(b)) === 1);
  assert.ok(await b.evaluate(() => window.db.room.ping(window.db.room.peers[0])) >= 0);
  for (const p of [b, c]) assert.deepEqual(p.errors, []);
  await Promise.all([a, b, c].map((p) => p.close()));
});

// A page whose every RTCPeerConnection is counted before cellgraph loads.
async function countedPeer(room, rtc) {
  const page = await h.newPage();
  await page.addInitScript(() => {
    const Real = window.RTCPeerConnection;
    const counts = window.pcCounts = { constructed: 0, live: 0, maxLive: 0 };
    window.RTCPeerConnection = class extends Real {
      #counted = true;
      constructor(...args) {
        super(...args);
        counts.constructed++;
        counts.maxLive = Math.max(counts.maxLive, ++counts.live);
      }
      close() { if (this.#counted) { this.#counted = false; counts.live--; } super.close(); }
    };
  });
  await page.goto(`${h.http.url}/tests/browser/fixtures/db.html`);
  await page.waitForFunction(() => window.fixtureReady === true);
  return openPeer(h, { page, room, rtc });
}

// From a page of its own, `keys` fresh keys announce and as many others send
// `target` a valid offer (a real SDP): all signed and sealed for the room.
async function flood(page, { relayUrl, room, target, keys }) {
  return page.evaluate(async ({ relayUrl: url, room: name, target: to, keys: n }) => {
    const { RoomKeys } = await import('/js/signaling/room-keys.js');
    const pc = new RTCPeerConnection({ iceServers: [] });
    pc.createDataChannel('x');
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); else pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
    const sdp = pc.localDescription.sdp;
    const ws = new WebSocket(url);
    await new Promise((r, j) => { ws.onopen = r; ws.onerror = () => j(new Error('relay unreachable')); });
    const oks = new Set();
    ws.onmessage = (e) => { const m = JSON.parse(e.data); if (m[0] === 'OK' && m[2]) oks.add(m[1]); };
    const events = [];
    for (let i = 0; i < n; i++) {
      const a = await RoomKeys.derive({ room: name });
      events.push(a.sign({ tags: [['x', a.topic]], content: a.seal({ t: 'announce' }) }));
      const o = await RoomKeys.derive({ room: name });
      events.push(o.sign({ tags: [['x', o.topic], ['p', to]], content: o.seal({ t: 'offer', to, sid: crypto.randomUUID(), sdp }) }));
    }
    for (const e of events) ws.send(JSON.stringify(['EVENT', e]));
    const end = Date.now() + 30_000;
    while (oks.size < events.length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return oks.size;
  }, { relayUrl, room, target, keys });
}

test('finding 5: 200 fresh keys announcing and 200 offering: RTCPeerConnections stay within the caps, refusals counted', async () => {
  const hostile = await h.openFixture('db.html');
  const target = await countedPeer('flood');
  const self = await target.evaluate(() => window.db.room.self);
  assert.equal(await flood(hostile, { relayUrl: h.relay.url, room: 'flood', target: self, keys: 200 }), 400, 'the relay took every event');
  await waitUntil('every event to reach the target', async () => (await target.evaluate(() => window.db.room.stats().signaling.accepted)) >= 400, 30_000);
  await new Promise((r) => setTimeout(r, 3000));   // let dials and answers start
  const counts = await target.evaluate(() => window.pcCounts);
  const stats = await target.evaluate(() => window.db.room.stats());
  console.log(`# flood: ${counts.constructed} RTCPeerConnections made, at most ${counts.maxLive} at once; refused ${JSON.stringify(stats.refused)}`);
  // 2 in the pool at the start, then one per admitted fresh peer (32 a minute).
  assert.ok(counts.constructed <= 2 + 32 + 2, `${counts.constructed} RTCPeerConnections made`);
  assert.ok(counts.maxLive <= 64, `${counts.maxLive} at once`);
  assert.equal(stats.connections.constructed, counts.constructed, 'stats() counts what the page saw');
  assert.ok(stats.refused.rate >= 400 - 32, `refused for the fresh-peer rate: ${stats.refused.rate}`);
  assert.deepEqual(target.errors, []);
  await target.close();
});

test('finding 5: with maxConnections 8 a flood never holds more than 8, and an honest peer connects once it passed', async () => {
  const hostile = await h.openFixture('db.html');
  const rtc = { maxConnections: 8, maxNewPeersPerMinute: 1000, dialTimeoutMs: 4000 };
  const target = await countedPeer('capped', rtc);
  const self = await target.evaluate(() => window.db.room.self);
  assert.equal(await flood(hostile, { relayUrl: h.relay.url, room: 'capped', target: self, keys: 200 }), 400);
  await waitUntil('every event to reach the target', async () => (await target.evaluate(() => window.db.room.stats().signaling.accepted)) >= 400, 30_000);
  await new Promise((r) => setTimeout(r, 3000));   // let dials and answers start
  assert.ok((await target.evaluate(() => window.pcCounts.maxLive)) <= 8, 'at most 8 RTCPeerConnections during the flood');
  const mid = await target.evaluate(() => window.db.room.stats());
  assert.ok(mid.refused.connections >= 400 - 8 * 2, `refused at the cap: ${mid.refused.connections}`);
  const honest = await openPeer(h, { room: 'capped' });
  await waitUntil('the honest peer to connect', async () => (await peersOf(target)) === 1 && (await peersOf(honest)) === 1, 60_000, 250);
  const counts = await target.evaluate(() => window.pcCounts);
  const stats = await target.evaluate(() => window.db.room.stats());
  console.log(`# capped flood: ${counts.constructed} made, at most ${counts.maxLive} at once; refused ${JSON.stringify(stats.refused)}`);
  assert.ok(counts.maxLive <= 8, `${counts.maxLive} RTCPeerConnections at once`);
  assert.ok(stats.connections.live <= 8 && stats.connections.pageLive <= stats.connections.pageMax);
  for (const p of [target, honest]) assert.deepEqual(p.errors, []);
  await Promise.all([target, honest].map((p) => p.close()));
});
