// Peers in Chromium, beside Trystero (npm, Nostr strategy) on the same local
// relay in the same run:
//   - time to first connection (open -> first peer joined), median of 5;
//   - a late joiner: time to hold 1k, 10k and 100k nodes, and bytes received;
//   - data channel throughput through our framing vs a raw RTCDataChannel
//     pair in the same page (the physical limit here);
//   - relay events per peer per minute in a steady 8-peer room.
// BENCH_PARTS=first,late,throughput,steady picks parts (default: all).
// Run under ../shared/tools/isolated-net (scripts/bench.sh does); prints
// numbers, never pass/fail.
import { startHarness } from '../tests/support/browser.js';
import { startRelay } from '../scripts/local-relay.js';
import { openPeer, peersOf, waitUntil } from '../tests/support/peers.js';
import { loadRtc } from '../js/core/module.js';
import { identityFromMnemonic, mnemonicNew } from '../js/core/rtc-abi.js';

const STEADY_SETTLE_MS = Number(process.env.BENCH_STEADY_SETTLE_MS ?? 20_000);
const STEADY_WINDOW_MS = Number(process.env.BENCH_STEADY_WINDOW_MS ?? 180_000);
const h = await startHarness();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, d = 0) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(1)}×` : '–');

async function trysteroPage(context) {
  const page = await h.openFixture('../../../bench/pages/trystero.html', context);
  return page;
}

async function joinTrystero(page, relayUrl, roomId) {
  return page.evaluate(({ url, roomId: id }) => {
    const t0 = performance.now();
    window.troom = window.trystero.joinRoom({ appId: 'cellgraph-bench', relayConfig: { urls: [url] }, rtcConfig: { iceServers: [] } }, id);
    window.tpeers = new Set();
    // v0.25: onPeerJoin / onPeerLeave are assignable properties.
    window.tfirst = new Promise((resolve) => {
      window.troom.onPeerJoin = (p) => { window.tpeers.add(p); resolve(performance.now() - t0); };
    });
    window.troom.onPeerLeave = (p) => window.tpeers.delete(p);
  }, { url: relayUrl, roomId });
}

// --- time to first connection -------------------------------------------
async function firstConnection() {
  const ours = [], oursOpen = [], theirs = [];
  for (let i = 0; i < 5; i++) {
    const a = await openPeer(h, { room: `first-${i}` });
    const b = await h.openFixture('db.html');
    const ms = await b.evaluate(async ({ url, room }) => {
      const t0 = performance.now();
      window.db = await window.cellgraph.open(`first-b-${room}`, { storage: 'memory', rtc: { room, relayUrls: [url], iceServers: [] } });
      await new Promise((resolve) => { if (window.db.room.peers.length) resolve(); else window.db.room.once('peer:join', resolve); });
      const now = performance.now();
      return { open: now - t0, join: now - window.db.room.joinedAt };
    }, { url: h.relay.url, room: `first-${i}` });
    ours.push(ms.join);
    oursOpen.push(ms.open);
    await Promise.all([a.close(), b.close()]);

    const ta = await trysteroPage(), tb = await trysteroPage();
    await joinTrystero(ta, h.relay.url, `first-${i}`);
    await joinTrystero(tb, h.relay.url, `first-${i}`);
    theirs.push(await tb.evaluate(() => window.tfirst));
    await Promise.all([ta.close(), tb.close()]);
  }
  return { ours: median(ours), oursOpen: median(oursOpen), theirs: median(theirs) };
}

// --- late joiner ---------------------------------------------------------
// signed: the source writes as a superadmin in a database with security, and
// the joiner checks every op's signature and role; it also records the
// longest task on its main thread meanwhile (verification runs in the worker).
async function lateJoiner(n, { signed = false } = {}) {
  let security, phrase;
  if (signed) {
    const core = await loadRtc();
    phrase = mnemonicNew(core);
    security = { superadmins: [Buffer.from(identityFromMnemonic(core, phrase, '').publicKey).toString('hex')] };
  }
  const room = `late-${n}${signed ? '-signed' : ''}`;
  const a = await openPeer(h, { room, security, phrase });
  await a.evaluate(async (count) => {
    for (let i = 0; i < count; i += 5000) {
      const size = Math.min(5000, count - i);
      await window.db.putMany(Array.from({ length: size }, (_, k) => [{ i: i + k, name: `node ${i + k}`, tags: ['a', 'b'] }, `n${i + k}`]));
    }
  }, n);
  const b = await h.openFixture('db.html');
  const result = await b.evaluate(async ({ url, room, count, security }) => {
    let longest = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) longest = Math.max(longest, e.duration); }).observe({ type: 'longtask' });
    const t0 = performance.now();
    window.db = await window.cellgraph.open(`late-b-${room}`, { storage: 'memory', rtc: { room, relayUrls: [url], iceServers: [] }, ...(security ? { security } : {}) });
    const connected = await new Promise((resolve) => window.db.room.once('peer:join', () => resolve(performance.now() - t0)));
    await new Promise((resolve) => window.db.room.once('peer:synced', resolve));
    const synced = performance.now() - t0;
    const held = (await window.db.map({})).results.length;
    const links = Object.values(window.db.room.stats().links);
    await new Promise((r) => setTimeout(r, 100));  // let the observer report
    const forged = (await window.db.stats()).opsForged ?? 0;
    return { connected, synced, held, bytes: links.reduce((s, l) => s + l.bytesReceived, 0), count, longest, forged };
  }, { url: h.relay.url, room, count: n, security });
  await Promise.all([a.close(), b.close()]);
  if (result.held !== n) console.error(`late joiner held ${result.held} of ${n} nodes`);
  return result;
}

// --- throughput ----------------------------------------------------------
async function throughput(bytes) {
  const page = await h.openFixture('db.html');
  return page.evaluate(async ({ url, size }) => {
    const payload = new Uint8Array(size).map((_, i) => i & 255);
    // Ours: two databases in this page, one room, one named channel.
    const rtc = { room: 'throughput', relayUrls: [url], iceServers: [] };
    const d1 = await window.cellgraph.open('tp-1', { storage: 'memory', rtc });
    const d2 = await window.cellgraph.open('tp-2', { storage: 'memory', rtc });
    await new Promise((resolve) => { if (d1.room.peers.length) resolve(); else d1.room.once('peer:join', resolve); });
    const got = new Promise((resolve) => d2.room.channel('bulk').on('message', (data) => resolve(data.length)));
    let t0 = performance.now();
    await d1.room.channel('bulk').send(payload);
    await got;
    const ours = size / ((performance.now() - t0) / 1000);
    await d1.close(); await d2.close();

    // Raw: two RTCPeerConnections, one data channel, 16 KiB sends with the same backpressure.
    const p1 = new RTCPeerConnection({ iceServers: [] }), p2 = new RTCPeerConnection({ iceServers: [] });
    p1.onicecandidate = (e) => e.candidate && p2.addIceCandidate(e.candidate);
    p2.onicecandidate = (e) => e.candidate && p1.addIceCandidate(e.candidate);
    const c1 = p1.createDataChannel('raw', { negotiated: true, id: 0 });
    const c2 = p2.createDataChannel('raw', { negotiated: true, id: 0 });
    c2.binaryType = 'arraybuffer';
    await p1.setLocalDescription(await p1.createOffer());
    await p2.setRemoteDescription(p1.localDescription);
    await p2.setLocalDescription(await p2.createAnswer());
    await p1.setRemoteDescription(p2.localDescription);
    await new Promise((resolve) => { c1.onopen = resolve; });
    let received = 0;
    const done = new Promise((resolve) => { c2.onmessage = (e) => { received += e.data.byteLength; if (received >= size) resolve(); }; });
    c1.bufferedAmountLowThreshold = 256 * 1024;
    t0 = performance.now();
    for (let at = 0; at < size; at += 16384) {
      if (c1.bufferedAmount > 1024 * 1024) await new Promise((resolve) => { c1.onbufferedamountlow = resolve; });
      c1.send(payload.subarray(at, at + 16384));
    }
    await done;
    const raw = size / ((performance.now() - t0) / 1000);
    p1.close(); p2.close();
    return { ours, raw };
  }, { url: h.relay.url, size: bytes });
}

// --- relay events in a steady room ----------------------------------------
async function steadyRoom(system) {
  const relay = await startRelay();
  const contexts = [await h.browser.newContext(), await h.browser.newContext()];
  const pages = [];
  for (let i = 0; i < 8; i++) {
    if (system === 'cellgraph') pages.push(await openPeer(h, { context: contexts[i % 2], room: 'steady', relayUrls: [relay.url] }));
    else {
      const p = await trysteroPage(contexts[i % 2]);
      await joinTrystero(p, relay.url, 'steady');
      pages.push(p);
    }
  }
  const count = system === 'cellgraph' ? peersOf : (p) => p.evaluate(() => window.tpeers.size);
  await waitUntil(`a full mesh of 8 (${system})`, async () => (await Promise.all(pages.map(count))).every((n) => n === 7), 120_000, 500);
  await new Promise((r) => setTimeout(r, STEADY_SETTLE_MS));
  const before = relay.stats.events;
  await new Promise((r) => setTimeout(r, STEADY_WINDOW_MS));
  const events = relay.stats.events - before;
  await Promise.all(contexts.map((c) => c.close()));
  await relay.close();
  return events / 8 / (STEADY_WINDOW_MS / 60_000);
}

const PARTS = new Set((process.env.BENCH_PARTS ?? 'first,late,throughput,steady').split(','));
if (PARTS.has('first')) {
const first = await firstConnection();
console.log('\nTime to first connection (ms, median of 5; Trystero on the same relay; joining the room -> first peer)');
console.log(`  cellgraph ${fmt(first.ours)}   Trystero ${fmt(first.theirs)}   Trystero ÷ cellgraph ${ratio(first.theirs, first.ours)}`);
console.log(`  cellgraph from open() (worker, wasm, storage, room keys) ${fmt(first.oursOpen)}`);

}
if (PARTS.has('late')) {
console.log('\nA late joiner catches up (in-memory peers, one source peer)');
console.log('  nodes     connected ms   synced ms   catch-up ms   bytes received   bytes/node   longest main-thread task ms');
for (const n of (process.env.BENCH_LATE_SIZES ?? '1000,10000,100000').split(',').map(Number)) {
  for (const signed of [false, true]) {
    const r = await lateJoiner(n, { signed });
    console.log(`  ${(String(n) + (signed ? ' signed' : '')).padEnd(9)} ${fmt(r.connected).padStart(12)} ${fmt(r.synced).padStart(11)} ${fmt(r.synced - r.connected).padStart(13)} ${String(r.bytes).padStart(16)} ${fmt(r.bytes / n, 1).padStart(12)} ${fmt(r.longest).padStart(12)}`);
  }
}

}
if (PARTS.has('throughput')) {
// SCTP throughput in Chromium swings between runs: report the median of 3.
const tps = [];
for (let i = 0; i < 3; i++) tps.push(await throughput(32 * 1024 * 1024));
const tp = { ours: median(tps.map((x) => x.ours)), raw: median(tps.map((x) => x.raw)) };
console.log('\nData channel throughput, 32 MiB, one page (MB/s, median of 3 runs)');
console.log(`  cellgraph framing ${fmt(tp.ours / 1e6, 1)}   raw RTCDataChannel ${fmt(tp.raw / 1e6, 1)}   cellgraph ÷ raw ${(tp.ours / tp.raw).toFixed(2)}`);
console.log(`  runs: ${tps.map((x) => `${fmt(x.ours / 1e6, 1)}/${fmt(x.raw / 1e6, 1)}`).join('  ')}`);

}
if (PARTS.has('steady')) {
const oursSteady = await steadyRoom('cellgraph');
const theirsSteady = await steadyRoom('trystero');
console.log(`\nRelay events per peer per minute, steady 8-peer room (${STEADY_SETTLE_MS / 1000} s settle, ${STEADY_WINDOW_MS / 1000} s window)`);
console.log(`  cellgraph ${fmt(oursSteady, 2)}   Trystero ${fmt(theirsSteady, 2)}   Trystero ÷ cellgraph ${oursSteady ? ratio(theirsSteady, oursSteady) : '∞'}`);

}
await h.close();
