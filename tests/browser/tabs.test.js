// Two tabs on one database: one runs the engine, the other shares it; both
// see each other's writes live, and the second takes over writing when the
// first closes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../support/browser.js';

let h;
before(async () => { h = await startHarness({ relay: false }); });
after(async () => { await h?.close(); });

async function tab(context) {
  const page = await h.openFixture('db.html', context);
  await page.evaluate(async () => {
    window.db = await cellgraph.open('shared');
    window.seen = [];
    window.unsubscribe = (await window.db.map({ query: { kind: 'msg' } }, (e) => window.seen.push(`${e.action}:${e.id}`))).unsubscribe;
  });
  return page;
}
const seen = (page, entry) => page.waitForFunction((e) => window.seen.includes(e), entry, { timeout: 15_000 });

test('two tabs share one database live, and the second takes over when the first closes', async () => {
  const context = await h.browser.newContext();
  const a = await tab(context);
  const b = await tab(context);
  assert.equal(await a.evaluate(() => db.role), 'leader');
  assert.equal(await b.evaluate(() => db.role), 'follower');

  await a.evaluate(() => db.put({ kind: 'msg', text: 'from a' }, 'm1'));
  await seen(b, 'added:m1');
  await b.evaluate(() => db.put({ kind: 'msg', text: 'from b' }, 'm2'));
  await seen(a, 'added:m2');
  await seen(b, 'added:m2');

  // The leader keeps no results for other tabs: 5,000 requests of a follower leave ids of at most 4,096 behind.
  await b.evaluate(async () => { for (let i = 0; i < 5000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => db.get(`m${(i + k) % 3}`))); });
  const leaderTabs = (await b.evaluate(() => db.stats())).tabs;
  assert.equal(leaderTabs.role, 'follower');
  const held = (await a.evaluate(() => db.stats())).tabs;
  assert.equal(held.role, 'leader');
  assert.equal(held.inFlight, 0);
  assert.ok(held.remembered <= 4096, `the leader remembers ${held.remembered} answered requests`);

  await a.close();  // the writer tab goes away
  await b.waitForFunction(() => db.role === 'leader', null, { timeout: 15_000 });
  await b.evaluate(() => db.put({ kind: 'msg', text: 'b writes alone' }, 'm3'));
  await seen(b, 'added:m3');
  const all = await b.evaluate(async () => (await db.map({ query: { kind: 'msg' } })).results.map((n) => n.value.text));
  assert.deepEqual(all, ['from a', 'from b', 'b writes alone']);

  // A subscription made through the old leader still unsubscribes (it was a no-op after a takeover).
  await b.evaluate(() => window.unsubscribe());
  await b.evaluate(() => db.put({ kind: 'msg', text: 'unseen' }, 'm5'));
  await b.evaluate(() => new Promise((r) => setTimeout(r, 300)));
  assert.equal(await b.evaluate(() => window.seen.includes('added:m5')), false);

  // Errors at the edge are CellgraphErrors with string codes, in either role.
  const codes = await b.evaluate(async () => {
    const out = [];
    for (const attempt of [() => cellgraph.open(''), () => db.put({ f: () => 1 }), () => db.put(null)]) {
      try { await attempt(); out.push('no error'); } catch (err) { out.push(`${err.name}:${err.code}`); }
    }
    return out;
  });
  assert.deepEqual(codes, ['CellgraphError:INVALID_ARGUMENT', 'CellgraphError:INVALID_ARGUMENT', 'CellgraphError:INVALID_ARGUMENT']);

  const c = await tab(context);  // a newcomer joins the new leader
  assert.equal(await c.evaluate(() => db.role), 'follower');
  await c.evaluate(() => db.put({ kind: 'msg', text: 'from c' }, 'm4'));
  await seen(c, 'added:m4');
  const followerCode = await c.evaluate(async () => { try { await db.put({ f: () => 1 }); return 'no error'; } catch (err) { return `${err.name}:${err.code}`; } });
  assert.equal(followerCode, 'CellgraphError:INVALID_ARGUMENT');
  assert.deepEqual([...b.errors, ...c.errors], []);
  await context.close();
});
