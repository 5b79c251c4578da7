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
    await window.db.map({ query: { kind: 'msg' } }, (e) => window.seen.push(`${e.action}:${e.id}`));
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

  await a.close();  // the writer tab goes away
  await b.waitForFunction(() => db.role === 'leader', null, { timeout: 15_000 });
  await b.evaluate(() => db.put({ kind: 'msg', text: 'b writes alone' }, 'm3'));
  await seen(b, 'added:m3');
  const all = await b.evaluate(async () => (await db.map({ query: { kind: 'msg' } })).results.map((n) => n.value.text));
  assert.deepEqual(all, ['from a', 'from b', 'b writes alone']);

  const c = await tab(context);  // a newcomer joins the new leader
  assert.equal(await c.evaluate(() => db.role), 'follower');
  await c.evaluate(() => db.put({ kind: 'msg', text: 'from c' }, 'm4'));
  await seen(b, 'added:m4');
  assert.deepEqual([...b.errors, ...c.errors], []);
  await context.close();
});
