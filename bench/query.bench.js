// Query benchmark: µs per query on 100k nodes in the native core, the wasm
// core (including decoding the results into JS objects, as users get them),
// and a plain JavaScript filter-and-sort over the same data as the baseline;
// plus the cost of one change with 100 live subscriptions. Same data and
// queries as bench/query_bench.cc.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CoreEngine, OpType } from '../js/core/engine.js';

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett'];
const items = [];
for (let i = 0; i < 100_000; i++) {
  items.push({ id: `n${i}`, value: { i, group: i % 100, score: ((i * 7919) % 100_000) / 100,
    name: `${WORDS[(i * 31) % 10]} ${WORDS[(i * 17 + Math.floor(i / 10)) % 10]} ${i}`, type: 'item' } });
}
const graph = [];
const edges = [];
let next = 0;
const node = (type) => { const id = `g${next++}`; graph.push({ id, value: { type } }); return id; };
for (let a = 0; a < 100; a++) {
  const l0 = node('L0');
  for (let b = 0; b < 10; b++) {
    const l1 = node('L1'); edges.push([l0, l1]);
    for (let c = 0; c < 10; c++) {
      const l2 = node('L2'); edges.push([l1, l2]);
      for (let d = 0; d < 9; d++) edges.push([l2, node('L3')]);
    }
  }
}

const QUERIES = [
  ['equality (1%)', { query: { group: 42 } }, 200],
  ['range (1%)', { query: { score: { $gte: 100, $lt: 110 } } }, 200],
  ['$text', { query: { name: { $text: 'delta echo' } } }, 10],
  ['sorted, $limit 50', { query: { type: 'item' }, field: 'score', order: 'desc', $limit: 50 }, 50],
  ['$edge depth 3', { query: { id: 'g0', $edge: { type: 'L3' } } }, 200],
];

// ---- the JavaScript baseline: what an app would write by hand ----
const all = [...items, ...graph];
const byId = new Map(all.map((n) => [n.id, n]));
const adjacency = new Map();
for (const [s, t] of edges) { if (!adjacency.has(s)) adjacency.set(s, []); adjacency.get(s).push(t); }
const norm = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^\w\s]/g, '');
const baseline = {
  'equality (1%)': () => all.filter((n) => n.value.group === 42).sort((a, b) => (a.id < b.id ? -1 : 1)),
  'range (1%)': () => all.filter((n) => n.value.score >= 100 && n.value.score < 110).sort((a, b) => (a.id < b.id ? -1 : 1)),
  '$text': () => all.filter((n) => typeof n.value.name === 'string' && norm(n.value.name).includes('delta echo')),
  'sorted, $limit 50': () => all.filter((n) => n.value.type === 'item')
    .sort((a, b) => b.value.score - a.value.score || (a.id < b.id ? 1 : -1)).slice(0, 50),
  '$edge depth 3': () => {
    const seen = new Set(), out = [], queue = [...(adjacency.get('g0') ?? [])];
    for (const q of queue) seen.add(q);
    while (queue.length) {
      const id = queue.shift();
      if (byId.get(id).value.type === 'L3') out.push(byId.get(id));
      for (const t of adjacency.get(id) ?? []) if (!seen.has(t)) { seen.add(t); queue.push(t); }
    }
    return out;
  },
};

function time(fn, reps) {
  for (let i = 0; i < 3; i++) fn();
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < reps; i++) n = fn().length;
  return { us: ((performance.now() - t0) * 1000) / reps, results: n };
}

const native = JSON.parse(execFileSync(fileURLToPath(new URL('../build/native/bench/query_bench', import.meta.url)), ['--json'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));

const store = await CoreEngine.open({ opLogWindow: 10_000, compactAfterRecords: 1e9 });
store.write = (ops) => store.commit(store.prepare(ops).ticket);
for (let i = 0; i < all.length; i += 10_000) store.write(all.slice(i, i + 10_000).map((n) => [OpType.PUT, n.id, n.value]));
for (let i = 0; i < edges.length; i += 10_000) store.write(edges.slice(i, i + 10_000).map(([s, t]) => [OpType.LINK, s, t]));

const rows = [];
for (const [name, options, reps] of QUERIES) {
  const w = time(() => store.query(options), reps);
  const js = time(baseline[name], reps);
  const n = native.queries.find((q) => q.name === name);
  if (w.results !== js.results || n.results !== js.results) throw new Error(`${name}: result counts differ (${n.results}/${w.results}/${js.results})`);
  rows.push([name, n.us, w.us, js.us, w.results, n.plan]);
}

const subs = [];
for (let k = 0; k < 100; k++) subs.push(store.subscribe(k % 2 ? { query: { group: k } } : { query: { group: k }, field: 'score', $limit: 20 }));
const changes = 2000;
const t0 = performance.now();
for (let i = 0; i < changes; i++) {
  store.write([[OpType.PUT, `n${(i * 7919) % 100_000}`, { group: (i * 7919) % 100, score: i % 1000, type: 'item' }]]);
}
const wasmChange = ((performance.now() - t0) * 1000) / changes;
store.close();

const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
console.log('\nQueries on 100,000 nodes (+101,000-edge graph), µs per query (lower is better). Ratios: baseline / cellgraph (higher is better).');
console.log(`${'query'.padEnd(18)} ${'native'.padStart(9)} ${'wasm'.padStart(9)} ${'JS filter+sort'.padStart(15)} ${'JS/native'.padStart(10)} ${'JS/wasm'.padStart(8)} ${'results'.padStart(8)}  plan`);
for (const [name, n, w, js, results, plan] of rows) {
  console.log(`${name.padEnd(18)} ${fmt(n).padStart(9)} ${fmt(w).padStart(9)} ${fmt(js).padStart(15)} ${(js / n).toFixed(1).padStart(9)}x ${(js / w).toFixed(1).padStart(7)}x ${String(results).padStart(8)}  ${plan}`);
}
console.log(`one change with 100 live subscriptions: native ${fmt(native.change100Subs.us)} µs, wasm ${fmt(wasmChange)} µs (write + events, through the bindings)`);
console.log('(wasm times include encoding the results and decoding them into JS objects; the baseline holds plain objects already in the JS heap)');
