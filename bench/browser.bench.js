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

const f = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
console.log(`\nBrowser database in Chromium (storage: ${results.storage})`);
console.log(`put, awaited one by one        ${f(results.awaitedPutsPerSec)} puts/s (each durable before the next)`);
console.log(`putMany, batches of 1000       ${f(results.batchedPutsPerSec)} puts/s`);
for (const n of [10_000, 100_000]) {
  console.log(`${n.toLocaleString('en-US').padStart(7)} nodes: import ${f(results[`import${n}Ms`])} ms, longest main-thread task ${f(results[`import${n}LongestTaskMs`])} ms,`
    + ` map (group = 42, sorted, $limit 50) ${f(results[`map${n}Ms`])} ms, reopen ${f(results[`reopen${n}Ms`])} ms (${results[`reopen${n}Nodes`]} nodes)`);
}
console.log('(longest task 0: no main-thread task over 50 ms was observed)');
await browser.close();
await http.close();
