// The cellular mesh in real Chromium under isolated-net: 32 peers in 4
// browser contexts join one room with rtc.cells, keep their connections
// within the cells bound, deliver every broadcast and every write to every
// peer through the mesh, and heal when a bridge's page dies; every message
// is signed (Schnorr) and no honest peer refuses any (the forged cases are
// tests/wasm/mesh.test.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../support/browser.js';
import { openPeer, waitUntil, converged } from '../support/peers.js';

const PEERS = 32;
const CONTEXTS = 4;
const MAX_LINKS = 16;

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const stateOf = (page) => page.evaluate(() => window.db.room.mesh.getState());

// Every peer knows all `n` members and has a link to everyone its topology wants.
async function settled(pages, n) {
  const states = await Promise.all(pages.map(stateOf));
  return states.every((s) => s.roster.length === n && s.wanted.every((w) => s.links.includes(w))) && states;
}

function listen(pages) {
  return Promise.all(pages.map((p) => p.evaluate(() => {
    window.chat = [];
    window.db.room.channel('chat').on('message', (data, from) => window.chat.push([data, from]));
  })));
}

async function broadcastReachesAll(pages, from, text) {
  await pages[from].evaluate((t) => window.db.room.channel('chat').send({ text: t }), text);
  const self = await pages[from].evaluate(() => window.db.room.self);
  await waitUntil(`"${text}" at every peer`, async () => {
    const got = await Promise.all(pages.map((p, i) => i === from || p.evaluate((t) => window.chat.some(([d]) => d?.text === t), text)));
    return got.every(Boolean);
  }, 30_000, 250);
  const senders = await Promise.all(pages.filter((_, i) => i !== from)
    .map((p) => p.evaluate((t) => window.chat.find(([d]) => d?.text === t)[1], text)));
  assert.ok(senders.every((s) => s === self), 'a routed message names its origin, not the relay');
}

function assertNothingRefused(states) {
  for (const { self, stats } of states) {
    const { refusedSignature, refusedForeignId, refusedMalformed, hungUpRefusing, refusedReserved } = stats;
    assert.deepEqual({ refusedSignature, refusedForeignId, refusedMalformed, hungUpRefusing, refusedReserved },
      { refusedSignature: 0, refusedForeignId: 0, refusedMalformed: 0, hungUpRefusing: 0, refusedReserved: 0 }, self);
    assert.ok(stats.signaturesVerified > 0, 'messages were checked');
  }
}

test(`${PEERS} peers in cells: bounded links, every broadcast and write everywhere, a dead bridge heals`, async () => {
  const contexts = await Promise.all(Array.from({ length: CONTEXTS }, () => h.browser.newContext()));
  const started = Date.now();
  const pages = [];
  for (let i = 0; i < PEERS; i++) pages.push(await openPeer(h, { context: contexts[i % CONTEXTS], room: 'cells', cells: true }));
  let states = await waitUntil('the mesh to settle', () => settled(pages, PEERS), 180_000, 500);
  const links = states.map((s) => s.links.length);
  const cells = new Set(states.map((s) => s.cell));
  console.log(`# ${PEERS} peers settled in ${((Date.now() - started) / 1000).toFixed(1)} s: ${cells.size} cells, ` +
    `links/peer mean ${(links.reduce((a, b) => a + b, 0) / PEERS).toFixed(1)} max ${Math.max(...links)} (full mesh ${PEERS - 1})`);
  assert.ok(Math.max(...links) <= MAX_LINKS, `at most ${MAX_LINKS} links per peer, got ${Math.max(...links)}`);
  assert.ok(cells.size >= 2, 'more than one cell');
  // Every peer computed the same topology: same roster, same cell for each member.
  const rosters = new Set(states.map((s) => JSON.stringify([...s.roster].sort())));
  assert.equal(rosters.size, 1);
  // Honest peers refuse nothing but frames still in flight when a link
  // closed: every signature verifies, every frame decodes.
  assertNothingRefused(states);

  await listen(pages);
  await broadcastReachesAll(pages, 5, 'hello from 5');
  await Promise.all(pages.map((p, i) => p.evaluate((me) => window.db.put({ by: me }, `w-${me}`), i)));
  await converged(pages, { min: PEERS, timeoutMs: 60_000 });

  // Kill a bridge whose cell has other members: its page goes away without leaving.
  const victim = states.findIndex((s) => s.isBridge && s.members.length >= 2);
  assert.ok(victim >= 0, 'some cell has a bridge and other members');
  const victimId = states[victim].self;
  const killedAt = Date.now();
  await pages[victim].close({ runBeforeUnload: false });
  const rest = pages.filter((_, i) => i !== victim);
  states = await waitUntil('the mesh to heal without the bridge', () => settled(rest, PEERS - 1), 60_000, 500);
  console.log(`# healed ${((Date.now() - killedAt) / 1000).toFixed(1)} s after a bridge died`);
  assert.ok(states.every((s) => !s.roster.includes(victimId)));
  assertNothingRefused(states);
  assert.ok(Math.max(...states.map((s) => s.links.length)) <= MAX_LINKS);
  await broadcastReachesAll(rest, 0, 'after the bridge');
  await rest[3].evaluate(() => window.db.put({ after: true }, 'after'));
  await converged(rest, { min: PEERS + 1, timeoutMs: 60_000 });
  for (const p of rest) assert.deepEqual(p.errors, []);
  await Promise.all(contexts.map((c) => c.close()));
});
