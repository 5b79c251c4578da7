// The public database API in real Chromium: CRUD and realtime map(), data
// surviving a reload, and acknowledged writes surviving a crashed tab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startHarness, launchKillableBrowser } from '../support/browser.js';

let h;
before(async () => { h = await startHarness({ relay: false }); });
after(async () => { await h?.close(); });

const fixture = (context) => h.openFixture('db.html', context);

test('CRUD and realtime map events', async () => {
  const page = await fixture();
  const out = await page.evaluate(async () => {
    const db = await cellgraph.open('crud', { storage: 'memory' });
    const events = [];
    const { results, unsubscribe } = await db.map({ query: { kind: 'task' }, field: 'rank' }, (e) => events.push(`${e.action}:${e.id}:${e.value?.title ?? ''}`));
    const a = await db.put({ kind: 'task', title: 'write tests', rank: 2 });
    await db.put({ kind: 'task', title: 'ship', rank: 1 }, 'ship');
    await db.put({ kind: 'note', title: 'not a task' }, 'note');
    await db.link(a, 'ship');
    const got = await db.get(a);
    await db.put({ kind: 'task', title: 'write more tests', rank: 2 }, a);
    await db.remove('ship');
    let error = null;
    try { await db.link(a, 'nowhere'); } catch (e) { error = `${e.name}:${e.code}`; }
    let badQuery = null;
    try { await db.map({ query: { rank: { $gtx: 1 } } }); } catch (e) { badQuery = e.code; }
    await new Promise((r) => setTimeout(r, 50));
    const final = await db.map({ query: { kind: 'task' } });
    await unsubscribe();
    const stats = await db.stats();
    await db.close();
    return { initial: results.length, a, got, events, error, badQuery, final: final.results.map((n) => n.value.title), stats };
  });
  assert.equal(out.initial, 0);
  assert.deepEqual(out.got.result.edges, ['ship']);
  assert.equal(out.got.result.value.title, 'write tests');
  assert.deepEqual(out.events, [`added:${out.a}:write tests`, 'added:ship:ship',
    `updated:${out.a}:write tests`,  // link() changed its edges
    `updated:${out.a}:write more tests`, 'removed:ship:']);
  assert.equal(out.error, 'CellgraphError:NOT_FOUND');
  assert.equal(out.badQuery, 'INVALID_ARGUMENT');
  assert.deepEqual(out.final, ['write more tests']);
  assert.equal(out.stats.nodes, 2);
  assert.equal(out.stats.writes, 6, 'four puts, a link and a remove: the refused link is none');
  assert.equal(out.stats.storage, 'memory');
  assert.deepEqual(page.errors, []);
});

for (const storage of ['opfs-sync', 'indexeddb']) {
  test(`10,000 nodes survive a reload (${storage})`, async () => {
    const context = await h.browser.newContext();
    const page = await fixture(context);
    const info = await page.evaluate(async (kind) => {
      const db = await cellgraph.open('reload', { storage: kind });
      for (let b = 0; b < 10; b++) {
        await db.putMany(Array.from({ length: 1000 }, (_, i) => [{ n: b * 1000 + i, tag: i % 10 }, `n${b * 1000 + i}`]));
      }
      await db.link('n1', 'n2');
      await db.remove('n3');
      await db.close();
      return db.info;
    }, storage);
    assert.equal(info.storage, storage);
    await page.reload();
    await page.waitForFunction(() => window.fixtureReady === true);
    const after = await page.evaluate(async (kind) => {
      const db = await cellgraph.open('reload', { storage: kind });
      const { results } = await db.map({ query: { tag: 7 } });
      const one = await db.get('n1');
      const three = await db.get('n3');
      const info = db.info;
      await db.close();
      return { info, tag7: results.length, edges: one.result.edges, three: three.result };
    }, storage);
    assert.equal(after.info.nodes, 9999);
    assert.equal(after.tag7, 1000);
    assert.deepEqual(after.edges, ['n2']);
    assert.equal(after.three, null);
    assert.deepEqual(page.errors, []);
    await context.close();
  });
}

test('a writer killed mid-way through awaited puts reopens with every acknowledged put', async () => {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'cellgraph-crash-'));
  try {
    const first = await launchKillableBrowser(profile);
    const writer = await first.context.newPage();
    await writer.goto(`${h.http.url}/tests/browser/fixtures/db.html`);
    await writer.waitForFunction(() => window.fixtureReady === true);
    const acked = [];
    await writer.exposeFunction('acked', (i) => { acked.push(i); });
    await writer.evaluate(() => {
      (async () => {
        const db = await cellgraph.open('crash');
        for (let i = 0; ; i++) {
          await db.put({ i, payload: 'x'.repeat(200) }, `k${i}`);
          window.acked(i);
        }
      })();
    });
    while (acked.length < 300) await new Promise((r) => setTimeout(r, 20));
    first.kill();  // the browser, its tab and the engine worker die mid-loop
    const lastAcked = Math.max(...acked);
    await new Promise((r) => setTimeout(r, 500));

    const second = await launchKillableBrowser(profile);
    const reader = await second.context.newPage();
    await reader.goto(`${h.http.url}/tests/browser/fixtures/db.html`);
    await reader.waitForFunction(() => window.fixtureReady === true);
    const found = await reader.evaluate(async (n) => {
      const db = await cellgraph.open('crash');
      const missing = [];
      for (let i = 0; i <= n; i++) if ((await db.get(`k${i}`)).result === null) missing.push(i);
      const info = db.info;
      await db.close();
      return { missing, info };
    }, lastAcked);
    second.kill();
    assert.deepEqual(found.missing, [], `acknowledged puts lost (last acknowledged: ${lastAcked})`);
    assert.ok(found.info.nodes >= lastAcked + 1, `reopened with ${found.info.nodes} nodes, ${lastAcked + 1} acknowledged`);
    assert.equal(found.info.storage, 'opfs-sync');
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
});
