// Peers in real Chromium under isolated-net: discovery through the local
// Nostr relay, WebRTC data channels, and graph sync between databases.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { verifyEvent } from 'nostr-tools/pure';
import { startHarness } from '../support/browser.js';
import { openPeer, fullMesh, nodesOf, countOf, peersOf, waitUntil, converged } from '../support/peers.js';

let h;
before(async () => { h = await startHarness({ relay: { record: true } }); });
after(async () => { await h?.close(); });

test('two peers find each other and converge, both ways, live', async () => {
  const context = await h.browser.newContext();
  const wasmFetches = [];
  context.on('request', (r) => { if (r.url().endsWith('.wasm')) wasmFetches.push(r.url()); });
  const a = await openPeer(h, { room: 'two', context });
  assert.equal(wasmFetches.length, 1, `a page with rtc fetched the wasm ${wasmFetches.length} times`);
  await a.evaluate(() => window.db.put({ from: 'a', n: 1 }, 'x'));
  const b = await openPeer(h, { room: 'two' });
  await b.evaluate(() => window.db.put({ from: 'b' }, 'y'));
  await waitUntil('a connection', async () => (await peersOf(a)) === 1 && (await peersOf(b)) === 1);
  await converged([a, b], { min: 2 });
  // Live: a change after the catch-up reaches the other side, link included.
  await b.evaluate(() => window.db.link('y', 'x'));
  await a.evaluate(() => window.db.put({ from: 'a', n: 2 }, 'x'));
  const state = await converged([a, b], { min: 2 });
  assert.deepEqual(state, [['x', { from: 'a', n: 2 }, []], ['y', { from: 'b' }, ['x']]]);
  const rtt = await a.evaluate(() => window.db.room.ping(window.db.room.peers[0]));
  assert.ok(rtt >= 0);
  for (const p of [a, b]) assert.deepEqual(p.errors, []);
  await Promise.all([a, b].map((p) => p.close()));
  await context.close();
});

// clear() with a peer connected used to send a second HELLO that broke the
// link, and dropped live subscriptions without `removed` events.
test('clear() with a peer connected keeps the link, reports every node removed, and refills', async () => {
  const a = await openPeer(h, { room: 'clear' });
  await a.evaluate(() => window.db.putMany(Array.from({ length: 20 }, (_, i) => [{ i }, `c${i}`])));
  const b = await openPeer(h, { room: 'clear' });
  await converged([a, b], { min: 20 });
  await b.evaluate(async () => {
    window.events = [];
    window.syncErrors = [];
    window.db.room.on('sync:error', (peer, err) => window.syncErrors.push(`${peer}:${err.code}`));
    await window.db.map({}, (e) => window.events.push(`${e.action}:${e.id}`));
    await window.db.clear();
  });
  await waitUntil('removed events', async () => (await b.evaluate(() => window.events.filter((e) => e.startsWith('removed:')).length)) === 20);
  await converged([a, b], { min: 20 });
  assert.equal(await peersOf(b), 1, 'the link survived');
  assert.deepEqual(await b.evaluate(() => window.syncErrors), []);
  for (const p of [a, b]) assert.deepEqual(p.errors, []);
  await Promise.all([a, b].map((p) => p.close()));
});

test('8 peers in 2 browser contexts converge after concurrent writes to the same nodes', async () => {
  const contexts = [await h.browser.newContext(), await h.browser.newContext()];
  const pages = [];
  for (let i = 0; i < 8; i++) pages.push(await openPeer(h, { context: contexts[i % 2], room: 'eight' }));
  await fullMesh(pages, 90_000);
  // Every peer writes the same 10 nodes and some of its own, all at once.
  await Promise.all(pages.map((p, i) => p.evaluate(async (me) => {
    for (let round = 0; round < 5; round++) {
      await window.db.putMany(Array.from({ length: 10 }, (_, k) => [{ by: me, round, k }, `shared-${k}`]));
      await window.db.put({ by: me, own: round }, `own-${me}-${round}`);
      await window.db.link(`shared-${round}`, `own-${me}-${round}`);
    }
  }, i)));
  const state = await converged(pages, { min: 50, timeoutMs: 90_000 });
  assert.equal(state.length, 10 + 8 * 5);
  for (const p of pages) assert.deepEqual(p.errors, []);
  await Promise.all(contexts.map((c) => c.close()));
});

test('a late joiner catches up 10k nodes', async () => {
  const a = await openPeer(h, { room: 'late' });
  await a.evaluate(async () => {
    for (let i = 0; i < 10; i++) {
      await window.db.putMany(Array.from({ length: 1000 }, (_, k) => [{ i: i * 1000 + k, text: `node ${i * 1000 + k}` }, `n${i * 1000 + k}`]));
    }
  });
  const b = await openPeer(h, { room: 'late' });
  await waitUntil('10k nodes at the late joiner', async () => (await countOf(b)) === 10_000, 90_000, 250);
  await converged([a, b], { min: 10_000 });
  for (const p of [a, b]) assert.deepEqual(p.errors, []);
  await Promise.all([a, b].map((p) => p.close()));
});

test('a wrong password never connects; the right one does', async () => {
  const a = await openPeer(h, { room: 'secret', password: 'right horse battery' });
  const wrong = await openPeer(h, { room: 'secret', password: 'wrong horse battery' });
  const b = await openPeer(h, { room: 'secret', password: 'right horse battery' });
  await waitUntil('the right password to connect', async () => (await peersOf(a)) === 1 && (await peersOf(b)) === 1);
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(await peersOf(wrong), 0);
  assert.equal(await peersOf(a), 1);
  const ignored = await wrong.evaluate(() => window.db.room.stats().signaling.ignored);
  assert.ok(ignored.seal > 0, `the wrong-password peer could not open the others' events: ${JSON.stringify(ignored)}`);
  for (const p of [a, b, wrong]) assert.deepEqual(p.errors, []);
  await Promise.all([a, b, wrong].map((p) => p.close()));
});

test('a 10 MB payload arrives intact with progress events on both sides', async () => {
  const a = await openPeer(h, { room: 'big' });
  const b = await openPeer(h, { room: 'big' });
  await waitUntil('a connection', async () => (await peersOf(a)) === 1 && (await peersOf(b)) === 1);
  await b.evaluate(() => {
    window.progress = [];
    window.got = new Promise((resolve) => {
      const files = window.db.room.channel('files');
      files.on('progress', (fraction, peer, meta) => window.progress.push([fraction, meta.name]));
      files.on('message', async (data, peer, meta) => {
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
        resolve({ length: data.length, meta, digest: Array.from(digest) });
      });
    });
  });
  const sent = await a.evaluate(async () => {
    const data = new Uint8Array(10 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    const fractions = [];
    await window.db.room.channel('files').send(data, undefined, { name: 'blob.bin' }, (f) => fractions.push(f));
    // A small message sent meanwhile is not stuck behind the big one's frames.
    return { digest: Array.from(digest), fractions: fractions.length, last: fractions.at(-1) };
  });
  // One channel keeps its order whatever the sizes; the big payload above
  // interleaves with it on another channel.
  await b.evaluate(() => {
    window.ordered = [];
    window.db.room.channel('ordered').on('message', (data) => window.ordered.push(data.length));
  });
  const sizes = [300_000, 10, 70_000, 1, 1_000_000, 5, 16_000, 16_500];
  await a.evaluate((list) => Promise.all(list.map((n) => window.db.room.channel('ordered').send(new Uint8Array(n)))), sizes);
  await waitUntil('the ordered messages', async () => (await b.evaluate(() => window.ordered.length)) === sizes.length);
  assert.deepEqual(await b.evaluate(() => window.ordered), sizes);
  const got = await b.evaluate(() => window.got);
  assert.equal(got.length, 10 * 1024 * 1024);
  assert.deepEqual(got.meta, { name: 'blob.bin' });
  assert.deepEqual(got.digest, sent.digest);
  assert.ok(sent.fractions > 600 && sent.last === 1);
  const progress = await b.evaluate(() => window.progress);
  assert.ok(progress.length > 600);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i][0] > progress[i - 1][0]);
  assert.equal(progress[0][1], 'blob.bin');
  await Promise.all([a, b].map((p) => p.close()));
});

test('use() middleware sees each incoming remote batch and keeps only what it returns', async () => {
  const a = await openPeer(h, { room: 'middleware' });
  await a.evaluate(() => {
    window.batches = [];
    window.db.use((ops, { peer }) => {
      window.batches.push({ peer, types: ops.map((o) => o.type) });
      return ops.filter((o) => !(o.type === 'put' && o.value.spam));
    });
    window.db.use(async (ops) => ops.filter((o) => o.id !== 'blocked-by-the-second'));
  });
  const b = await openPeer(h, { room: 'middleware' });
  await b.evaluate(() => window.db.putMany([[{ spam: true }, 'spam-1'], [{ ok: 1 }, 'ok-1'], [{ ok: 2 }, 'blocked-by-the-second']]));
  await waitUntil('a connection', async () => (await peersOf(a)) === 1);
  await waitUntil('the catch-up', async () => (await countOf(a)) >= 1);
  await b.evaluate(async () => {
    await window.db.put({ spam: true }, 'spam-2');
    await window.db.put({ ok: 3 }, 'ok-2');
  });
  await waitUntil('the live batches', async () => (await countOf(a)) === 2);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await nodesOf(a), [['ok-1', { ok: 1 }, []], ['ok-2', { ok: 3 }, []]]);
  assert.equal(await countOf(b), 5);  // the sender keeps its own writes
  const batches = await a.evaluate(() => window.batches);
  const bId = await b.evaluate(() => window.db.room.self);
  assert.ok(batches.length >= 3 && batches.every((x) => x.peer === bId && x.types.every((t) => t === 'put')));
  for (const p of [a, b]) assert.deepEqual(p.errors, []);
  await Promise.all([a, b].map((p) => p.close()));
});

test('every event our peers published passes nostr-tools verifyEvent', () => {
  assert.ok(h.relay.recorded.length > 10, `${h.relay.recorded.length} events recorded`);
  for (const event of h.relay.recorded) {
    assert.ok(verifyEvent(event), `event ${event.id} verifies`);
    assert.ok(event.kind >= 20000 && event.kind < 30000, 'ephemeral kind');
    assert.ok(event.tags.some((t) => t[0] === 'x' && /^[0-9a-f]{64}$/.test(t[1])), 'topic tag');
  }
});
