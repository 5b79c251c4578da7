// Helpers for multi-peer browser tests: pages that open a database in a
// room on the local relay, and convergence checks across them.
import assert from 'node:assert/strict';

/**
 * Opens a database in `page` (a new page of `context` when omitted), joined to `room`; storage 'auto' picks the best.
 * `rtc`: further rtc options (e.g. maxConnections). `security` and `phrase` (the identity's recovery
 * phrase) open it with security (README "Identities and roles").
 */
export async function openPeer(h, { context, name = `db-${Math.random().toString(36).slice(2)}`, room = 'room',
  storage = 'memory', password, relayUrls = [h.relay.url], page: existing, cells, rtc = {}, security, phrase } = {}) {
  const page = existing ?? await h.openFixture('db.html', context);
  await page.evaluate(async ({ name: n, options, phrase: words }) => {
    if (words) options.identity = await window.cellgraph.Identity.restore(words);
    window.db = await window.cellgraph.open(n, options);
    window.peerLog = [];
    window.db.room.on('peer:join', (p) => window.peerLog.push(['join', p]));
    window.db.room.on('peer:leave', (p, why) => window.peerLog.push(['leave', p, why]));
    window.db.room.on('sync:error', (p, err) => window.peerLog.push(['sync:error', p, err.message]));
  }, { name, phrase, options: { storage: storage === 'auto' ? undefined : storage, rtc: { ...rtc, room, relayUrls, iceServers: [], password, cells },
    ...(security ? { security } : {}) } });
  page.peerName = name;
  return page;
}

/** Every node of the page's database as a sorted, comparable list. */
export function nodesOf(page) {
  return page.evaluate(async () => {
    const { results } = await window.db.map({});
    return results.map((n) => [n.id, n.value, [...n.edges].sort()]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  });
}

export const countOf = (page) => page.evaluate(async () => (await window.db.map({})).results.length);
export const peersOf = (page) => page.evaluate(() => window.db.room.peers.length);

/** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitUntil(what, fn, timeoutMs = 60_000, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await fn();
    if (value) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until every page holds the same nodes (and at least `min` of them); returns them. */
export async function converged(pages, { min = 1, timeoutMs = 60_000 } = {}) {
  let states;
  await waitUntil(`${pages.length} peers to converge`, async () => {
    states = await Promise.all(pages.map(nodesOf));
    const first = JSON.stringify(states[0]);
    return states[0].length >= min && states.every((s) => JSON.stringify(s) === first);
  }, timeoutMs, 250);
  for (const s of states) assert.deepEqual(s, states[0]);
  return states[0];
}

/**
 * Waits until every page links to every other; on timeout the error names
 * what each page saw (its peers, join/leave log and refusals by reason).
 */
export async function fullMesh(pages, timeoutMs = 60_000) {
  const want = pages.length - 1;
  await waitUntil(`a full mesh of ${pages.length}`, async () => (await Promise.all(pages.map(peersOf))).every((n) => n === want), timeoutMs, 250)
    .catch(async (err) => {
      const seen = await Promise.all(pages.map((p) => p.evaluate(() => {
        const { self, refused } = window.db.room.stats();
        return { self, peers: window.db.room.peers, log: window.peerLog, refused };
      })));
      throw new Error(`${err.message}: ${JSON.stringify(seen)}`);
    });
}
