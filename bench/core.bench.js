// The data-core benchmark: cellgraph native and wasm beside Yjs (Y.Map) and
// Automerge on the same workloads, in one run, as ratios.
//
//   local put      n writes, one op per call (what an app doing `await put()` pays)
//   remote apply   applying n ops that arrived from a peer, in batches
//   sync           two replicas share n nodes, then d differences (half on each
//                  side); bytes and round trips to agree again. cellgraph:
//                  reconciliation (peers that never met) and delta (a returning
//                  peer); Yjs: state vectors + diffs; Automerge: its sync protocol.
//
// Native numbers come from build/native/bench/core_bench --json.
// BENCH_QUICK=1 trims the sizes (for a smoke run).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OpType } from '../js/core/engine.js';
import { EngineNet, openEngine, syncPair as syncLoopback } from '../tests/support/engine-net.js';
import * as rivals from './rivals.js';

const quick = process.env.BENCH_QUICK === '1';
const SIZES = quick ? [10_000] : [10_000, 100_000];
const DIFFS = [0, 10, 1000, 10_000];
const PUT_N = quick ? 20_000 : 100_000;
const now = () => performance.now();

const openStore = (n) => openEngine(0x5000 + n, { opLogWindow: 20_000, compactAfterRecords: 1e9 });
// A local write as the worker does it: prepare, (persist,) commit.
const write = (engine, ops) => engine.commit(engine.prepare(ops).ticket);

function fill(store, n) {
  for (let i = 0; i < n; i += 10_000) {
    const ops = [];
    for (let k = i; k < Math.min(n, i + 10_000); k++) ops.push([OpType.PUT, `n${k}`, { i: k, name: 'node' }]);
    write(store, ops);
  }
}

async function wasmPut(n) {
  const s = await openStore(1);
  const t0 = now();
  for (let i = 0; i < n; i++) write(s, [[OpType.PUT, `n${i}`, { i, name: 'node' }]]);
  const single = n / ((now() - t0) / 1000);
  s.close();
  const b = await openStore(2);
  const t1 = now();
  fill(b, n);
  const batched = n / ((now() - t1) / 1000);
  b.close();
  return { singleOpsPerSec: single, batchedOpsPerSec: batched };
}

async function wasmRemoteApply(n) {
  const a = await openStore(1), b = await openStore(2);
  const net = new EngineNet();
  net.add(a, 'a'); net.add(b, 'b');
  net.connect(0, 1);
  net.runFlights();
  for (let i = 0; i < n; i += 1000) {
    const ops = [];
    for (let k = i; k < Math.min(n, i + 1000); k++) ops.push([OpType.PUT, `n${k}`, { i: k, name: 'node' }]);
    net.write(0, ops);
  }
  const t0 = now();
  while (net.step(0, 1));
  const opsPerSec = n / ((now() - t0) / 1000);
  a.close(); b.close();
  return { opsPerSec };
}

// Same schedule as core_bench: per d, the differences are synced twice, first
// between peers that never met (reconciliation), then as a returning peer.
async function wasmSync(n, diffs) {
  const a = await openStore(1), b = await openStore(2);
  fill(a, n);
  const out = [];
  let t0 = now();
  const first = syncLoopback(a, b, { knownPeers: false });
  out.push({ n, d: 'empty peer', path: first.plan, bytes: first.bytes, roundTrips: first.roundTrips, ms: now() - t0 });
  let next = 0;
  for (const d of diffs) {
    for (const knownPeers of [false, true]) {
      for (let i = 0; i < d; i++, next++) write(i % 2 ? a : b, [[OpType.PUT, `n${(next * 7919) % n}`, { changed: next }]]);
      t0 = now();
      const r = syncLoopback(a, b, { knownPeers });
      const ms = now() - t0;
      if (a.digest() !== b.digest()) throw new Error('wasm sync did not converge');
      out.push({ n, d, path: r.plan, bytes: r.bytes, roundTrips: r.roundTrips, ms });
    }
  }
  a.close(); b.close();
  return out;
}

function nativeNumbers() {
  const bin = fileURLToPath(new URL('../build/native/bench/core_bench', import.meta.url));
  const sizes = quick ? '10000' : '10000,100000,1000000';
  return JSON.parse(execFileSync(bin, ['--json', '--sizes', sizes, '--diffs', DIFFS.join(',')],
    { encoding: 'utf8', maxBuffer: 1 << 24 }));
}

const fmt = (x) => (typeof x === 'number' ? (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1)) : String(x ?? '-'));
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? `${(a / b).toFixed(2)}x` : '-');
async function attempt(fn) {
  try { return await fn(); } catch (err) { return { skipped: err.message }; }
}

function table(title, head, rows) {
  console.log(`\n${title}`);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

const native = nativeNumbers();
const wasmP = await wasmPut(PUT_N);
const wasmA = await wasmRemoteApply(PUT_N);
const yPut = await attempt(() => rivals.yjsPut(PUT_N));
const yApply = await attempt(() => rivals.yjsRemoteApply(PUT_N));
const amN = 10_000;  // Automerge is two orders of magnitude slower to write; a smaller n keeps the run short
const aPut = await attempt(() => rivals.automergePut(amN));
const aApply = await attempt(() => rivals.automergeRemoteApply(amN));

table('Throughput (ops/s; higher is better). Ratios: cellgraph wasm / rival.',
  ['workload', 'native', 'wasm', 'Yjs', 'Automerge', 'wasm/Yjs', 'wasm/Automerge'],
  [
    ['local put, 1 op per call', fmt(native.localPut.singleOpsPerSec), fmt(wasmP.singleOpsPerSec), fmt(yPut.opsPerSec),
      fmt(aPut.opsPerSec), ratio(wasmP.singleOpsPerSec, yPut.opsPerSec), ratio(wasmP.singleOpsPerSec, aPut.opsPerSec)],
    ['local put, batched', fmt(native.localPut.batchedOpsPerSec), fmt(wasmP.batchedOpsPerSec), '-', '-', '-', '-'],
    ['remote apply', fmt(native.remoteApply.opsPerSec), fmt(wasmA.opsPerSec), fmt(yApply.opsPerSec),
      fmt(aApply.opsPerSec), ratio(wasmA.opsPerSec, yApply.opsPerSec), ratio(wasmA.opsPerSec, aApply.opsPerSec)],
  ]);
console.log(`(n = ${PUT_N.toLocaleString('en-US')}, Automerge n = ${amN.toLocaleString('en-US')}. Remote apply: cellgraph batches of 1000;`
  + ' Yjs one update per op (merged updates: ' + fmt(yApply.opsPerSecMerged) + ' ops/s); Automerge applyChanges of all.)');

const rows = [];
const wasmRows = [];
for (const n of SIZES) wasmRows.push(...await wasmSync(n, DIFFS));
const pick = (list, n, d, path) => list.find((r) => r.n === n && r.d === d && (path === undefined || r.path === path))
  ?? list.find((r) => r.n === n && r.d === d) ?? {};
for (const n of [...new Set(native.sync.map((r) => r.n))]) {
  const state = pick(native.sync, n, 'empty peer');
  rows.push([n.toLocaleString('en-US'), 'empty peer', `state ${fmt(state.bytes)}`, state.roundTrips, '', '', '', '', '', '', '']);
  for (const d of DIFFS) {
    const recon = native.sync.filter((r) => r.n === n && r.d === d)[0] ?? {};
    const delta = native.sync.filter((r) => r.n === n && r.d === d)[1] ?? {};
    const wRecon = wasmRows.filter((r) => r.n === n && r.d === d)[0] ?? {};
    const y = n <= 100_000 ? await attempt(() => rivals.yjsSync(n, d)) : {};
    const am = n <= 10_000 ? await attempt(() => rivals.automergeSync(n, d, { seedChanges: 100 })) : {};
    rows.push([n.toLocaleString('en-US'), d, `${recon.path} ${fmt(recon.bytes)}`, recon.roundTrips, `${fmt(recon.ms)}/${fmt(wRecon.ms)}`,
      `${delta.path} ${fmt(delta.bytes)}`, fmt(y.bytes), fmt(am.bytes), am.roundTrips ?? '-',
      ratio(delta.bytes, y.bytes), ratio(recon.bytes, am.bytes)]);
  }
}
table('Sync cost in bytes (lower is better). cellgraph bytes are identical native and wasm.\n'
  + 'Peers that never met: cellgraph reconciliation vs Automerge sync. A returning peer: cellgraph delta (1 RTT) vs Yjs state vectors (1 RTT).',
  ['nodes', 'diffs', 'cg never met', 'RTT', 'ms nat/wasm', 'cg returning', 'Yjs', 'Automerge', 'RTT', 'delta/Yjs', 'recon/AM'], rows);
console.log('(none: HELLO fingerprints matched; state: full state for an empty peer; recon: range-based reconciliation; delta: op log since the watermark.'
  + ' Automerge built its shared nodes in 100 changes (one change makes it ship whole documents). Yjs up to 100k nodes, Automerge up to 10k; 1M nodes native only.)');
