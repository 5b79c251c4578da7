// Seeded randomized convergence against the wasm build: 8 engines write
// conflicting ops; live batches are dropped, duplicated and reordered (they
// arrive as mesh broadcasts, outside any session); sessions are cut by
// partitions; after healing every digest is equal. The native suite runs
// 1000 seeds of a richer schedule; this one runs fewer through the real
// bindings (CELLGRAPH_WASM_SEEDS, default 200).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineNet, openEngine, syncPair, prng, OpType } from './support.js';

const SEEDS = Number(process.env.CELLGRAPH_WASM_SEEDS ?? 200);
const N = 8;

async function runSeed(seed) {
  const rand = prng(seed);
  const engines = [];
  for (let i = 0; i < N; i++) engines.push(await openEngine(i + 1, { opLogWindow: [4, 16, 10_000][rand.int(3)], liveOverMesh: true }));
  const net = new EngineNet();
  engines.forEach((e, i) => net.add(e, `p${i}`));
  let group = new Array(N).fill(0);
  let gossip = [];
  const id = () => `k${rand.int(12)}`;
  try {
    for (let step = 0; step < 250; step++) {
      const dice = rand.int(100);
      if (dice < 35) {
        const i = rand.int(N);
        const ops = [];
        for (let k = 0, n = 1 + rand.int(3); k < n; k++) {
          const t = rand.int(6);
          if (t < 3) ops.push([OpType.PUT, id(), { by: i, n: rand.int(1000), tags: rand() < 0.3 ? ['a', k] : undefined }]);
          else if (t === 3) ops.push([OpType.REMOVE, id(), null]);
          else ops.push([t === 4 ? OpType.LINK : OpType.UNLINK, id(), id()]);
        }
        let fx;
        try { fx = net.write(i, ops); } catch (err) { if (err.code !== 'NOT_FOUND') throw err; continue; }
        for (const m of fx.broadcast) {
          for (let j = 0; j < N; j++) {
            if (j === i || group[j] !== group[i] || rand() < 0.15) continue;
            gossip.push({ from: i, to: j, m });
            if (rand() < 0.1) gossip.push({ from: i, to: j, m });
          }
        }
      } else if (dice < 60 && gossip.length) {
        const [p] = gossip.splice(rand.int(gossip.length), 1);
        if (group[p.from] === group[p.to]) assert.equal(net.absorb(p.to, engines[p.to].receiveRelayed(`p${p.from}`, p.m)).error, null);
      } else if (dice < 72) {
        const a = rand.int(N), b = rand.int(N);
        if (a !== b && group[a] === group[b] && !net.connected(a, b)) net.connect(a, b);
      } else if (dice < 94) {
        const a = rand.int(N), b = rand.int(N);
        if (a !== b) net.step(a, b);
      } else {
        const groups = 1 + rand.int(3);
        group = group.map(() => rand.int(groups));
        for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) if (group[a] !== group[b]) net.disconnect(a, b);
      }
    }
    for (const n of net.nodes) assert.deepEqual(n.failures, [], `seed ${seed}: a session failed`);
    // Heal: everything reconnects and syncs through engine 0, twice.
    for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) net.disconnect(a, b);
    for (const p of gossip) engines[p.to].receiveRelayed(`p${p.from}`, p.m);
    for (let round = 0; round < 2; round++) {
      for (let j = 1; j < N; j++) syncPair(engines[0], engines[j], { knownPeers: rand() < 0.5 });
    }
    const digests = engines.map((s) => s.digest());
    assert.deepEqual(new Set(digests).size, 1, `seed ${seed}: replicas diverged`);
  } finally {
    for (const s of engines) s.close();
  }
}

test(`${SEEDS} random schedules converge (wasm)`, async () => {
  for (let seed = 0; seed < SEEDS; seed++) await runSeed(seed);
});
