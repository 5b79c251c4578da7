// The browser database in Chromium: put throughput (awaited one by one and
// batched), map() latency on 10k and 100k nodes, reopen time for 10k and
// 100k nodes, and the longest main-thread task (PerformanceObserver
// 'longtask') while importing 100k nodes. Runs a local static server and
// Debian's Chromium; prints numbers, never pass/fail.
import { launchBrowser } from '../tests/support/browser.js';
import { startStaticServer } from '../scripts/static-server.js';

const http = await startStaticServer();
const browser = await launchBrowser();
const context = await browser.newContext();
const page = await context.newPage();
page.on('pageerror', (e) => console.error('page error:', e.message));
await page.goto(`${http.url}/tests/browser/fixtures/db.html`);
await page.waitForFunction(() => window.fixtureReady === true);

const results = await page.evaluate(async () => {
  const out = {};
  const now = () => performance.now();
  const longest = { ms: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longest.ms = Math.max(longest.ms, e.duration);
  }).observe({ type: 'longtask', buffered: false });

  // Awaited puts, one by one.
  let db = await cellgraph.open('bench-puts');
  out.storage = db.info.storage;
  let t0 = now();
  for (let i = 0; i < 1000; i++) await db.put({ i, name: `node ${i}` }, `p${i}`);
  out.awaitedPutsPerSec = 1000 / ((now() - t0) / 1000);
  t0 = now();
  for (let b = 0; b < 10; b++) {
    await db.putMany(Array.from({ length: 1000 }, (_, i) => [{ i, name: `node ${i}` }, `b${b * 1000 + i}`]));
  }
  out.batchedPutsPerSec = 10_000 / ((now() - t0) / 1000);
  await db.clear();
  await db.close();

  for (const n of [10_000, 100_000]) {
    db = await cellgraph.open(`bench-${n}`);
    longest.ms = 0;
    t0 = now();
    for (let b = 0; b < n / 5000; b++) {
      await db.putMany(Array.from({ length: 5000 }, (_, i) => {
        const k = b * 5000 + i;
        return [{ k, group: k % 100, score: (k * 7919) % 1000, title: `item ${k}` }, `n${k}`];
      }));
    }
    out[`import${n}Ms`] = now() - t0;
    out[`import${n}LongestTaskMs`] = longest.ms;
    const mapTimes = [];
    for (let r = 0; r < 5; r++) {
      t0 = now();
      await db.map({ query: { group: 42 }, field: 'score', $limit: 50 });
      mapTimes.push(now() - t0);
    }
    out[`map${n}Ms`] = Math.min(...mapTimes);
    await db.close();
    t0 = now();
    db = await cellgraph.open(`bench-${n}`);
    out[`reopen${n}Ms`] = now() - t0;
    out[`reopen${n}Nodes`] = db.info.nodes;
    await db.clear();
    await db.close();
  }
  return out;
});

// The same import on Yjs (Y.Map) + y-indexeddb in the same browser: Yjs has no
// queries, so "map" is filter + sort over the map's entries, as an app would do.
const yjsPage = await context.newPage();
yjsPage.on('pageerror', (e) => console.error('yjs page error:', e.message));
await yjsPage.goto(`${http.url}/bench/pages/yjs.html`);
await yjsPage.waitForFunction(() => window.fixtureReady === true, null, { timeout: 30_000 });
const yjs = await yjsPage.evaluate(async () => {
  const out = {};
  const now = () => performance.now();
  const longest = { ms: 0 };
  new PerformanceObserver((list) => { for (const e of list.getEntries()) longest.ms = Math.max(longest.ms, e.duration); })
    .observe({ type: 'longtask', buffered: false });
  for (const n of [10_000, 100_000]) {
    let doc = new Y.Doc();
    let provider = new yidb.IndexeddbPersistence(`yjs-bench-${n}`, doc);
    await provider.whenSynced;
    const map = doc.getMap('nodes');
    longest.ms = 0;
    let t0 = now();
    for (let b = 0; b < n / 5000; b++) {
      doc.transact(() => {
        for (let i = 0; i < 5000; i++) {
          const k = b * 5000 + i;
          map.set(`n${k}`, { k, group: k % 100, score: (k * 7919) % 1000, title: `item ${k}` });
        }
      });
      await yidb.storeState(provider, true);  // the point where the batch is on disk
    }
    out[`import${n}Ms`] = now() - t0;
    out[`import${n}LongestTaskMs`] = longest.ms;
    const times = [];
    for (let r = 0; r < 5; r++) {
      t0 = now();
      const hits = [];
      for (const [id, v] of map.entries()) if (v.group === 42) hits.push([id, v]);
      hits.sort((a, b) => a[1].score - b[1].score || (a[0] < b[0] ? -1 : 1));
      hits.slice(0, 50);
      times.push(now() - t0);
    }
    out[`map${n}Ms`] = Math.min(...times);
    await provider.destroy();
    doc.destroy();
    t0 = now();
    doc = new Y.Doc();
    provider = new yidb.IndexeddbPersistence(`yjs-bench-${n}`, doc);
    await provider.whenSynced;
    out[`reopen${n}Ms`] = now() - t0;
    out[`reopen${n}Nodes`] = doc.getMap('nodes').size;
    await provider.clearData();
  }
  return out;
});

const f = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
console.log(`\nBrowser database in Chromium (storage: ${results.storage})`);
console.log(`put, awaited one by one        ${f(results.awaitedPutsPerSec)} puts/s (each durable before the next)`);
console.log(`putMany, batches of 1000       ${f(results.batchedPutsPerSec)} puts/s`);
for (const n of [10_000, 100_000]) {
  console.log(`${n.toLocaleString('en-US').padStart(7)} nodes: import ${f(results[`import${n}Ms`])} ms, longest main-thread task ${f(results[`import${n}LongestTaskMs`])} ms,`
    + ` map (group = 42, sorted, $limit 50) ${f(results[`map${n}Ms`])} ms, reopen ${f(results[`reopen${n}Ms`])} ms (${results[`reopen${n}Nodes`]} nodes)`);
}
console.log('\nYjs (Y.Map) + y-indexeddb, same page setup; "map" = filter + sort over the entries; ratios Yjs / cellgraph (higher favours cellgraph)');
for (const n of [10_000, 100_000]) {
  const r = (k) => (yjs[k] / results[k]).toFixed(1);
  console.log(`${n.toLocaleString('en-US').padStart(7)} nodes: import ${f(yjs[`import${n}Ms`])} ms (${r(`import${n}Ms`)}x), longest main-thread task ${f(yjs[`import${n}LongestTaskMs`])} ms,`
    + ` map ${f(yjs[`map${n}Ms`])} ms (${r(`map${n}Ms`)}x), reopen ${f(yjs[`reopen${n}Ms`])} ms (${r(`reopen${n}Ms`)}x, ${yjs[`reopen${n}Nodes`]} nodes)`);
}
console.log('(longest task 0: no main-thread task over 50 ms was observed; Yjs runs on the main thread, cellgraph in a worker)');
await browser.close();
await http.close();
