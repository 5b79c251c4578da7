// Seeded randomized convergence against the wasm build: 8 replicas write
// conflicting ops; live batches are dropped, duplicated and reordered;
// sessions are cut by partitions; after healing every digest is equal. The
// native suite runs 1000 seeds of a richer schedule; this one runs fewer
// through the real bindings (CELLGRAPH_WASM_SEEDS, default 200).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, syncPair, prng, OpType } from './support.js';

const SEEDS = Number(process.env.CELLGRAPH_WASM_SEEDS ?? 200);
const N = 8;

async function runSeed(seed) {
  const rand = prng(seed);
  const stores = [];
  for (let i = 0; i < N; i++) stores.push(await openStore(i + 1, [4, 16, 10_000][rand.int(3)]));
  let group = new Array(N).fill(0);
  let gossip = [];
  let links = [];
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
        let w;
        try { w = stores[i].write(ops); } catch (err) { if (err.code !== 'NOT_FOUND') throw err; continue; }
        for (const m of w.messages) {
          for (let j = 0; j < N; j++) {
            if (j === i || group[j] !== group[i] || rand() < 0.15) continue;
            gossip.push({ from: i, to: j, m });
            if (rand() < 0.1) gossip.push({ from: i, to: j, m });
          }
        }
      } else if (dice < 60 && gossip.length) {
        const [p] = gossip.splice(rand.int(gossip.length), 1);
        if (group[p.from] === group[p.to]) stores[p.to].applyLive(p.m);
      } else if (dice < 72) {
        const a = rand.int(N), b = rand.int(N);
        if (a === b || group[a] !== group[b] || links.some((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a))) continue;
        const known = rand() < 0.5;
        const sa = stores[a].session(known ? stores[b].replicaId : ''), sb = stores[b].session(known ? stores[a].replicaId : '');
        links.push({ a, b, sa, sb, toA: [sb.start()], toB: [sa.start()] });
      } else if (dice < 94 && links.length) {
        const k = rand.int(links.length), l = links[k];
        const toA = (rand() < 0.5 && l.toA.length) || !l.toB.length;
        const inbox = toA ? l.toA : l.toB;
        if (!inbox.length) { l.sa.close(); l.sb.close(); links.splice(k, 1); continue; }
        const { replies } = (toA ? l.sa : l.sb).receive(inbox.shift());
        (toA ? l.toB : l.toA).push(...replies);
      } else if (dice >= 94) {
        const groups = 1 + rand.int(3);
        group = group.map(() => rand.int(groups));
        links = links.filter((l) => {
          if (group[l.a] === group[l.b]) return true;
          l.sa.close(); l.sb.close();
          return false;
        });
      }
    }
    // Heal: everything reconnects and syncs through replica 0, twice.
    for (const l of links) { l.sa.close(); l.sb.close(); }
    for (const p of gossip) stores[p.to].applyLive(p.m);
    for (let round = 0; round < 2; round++) {
      for (let j = 1; j < N; j++) syncPair(stores[0], stores[j], { knownPeers: rand() < 0.5 });
    }
    const digests = stores.map((s) => s.digest());
    assert.deepEqual(new Set(digests).size, 1, `seed ${seed}: replicas diverged`);
  } finally {
    for (const s of stores) s.close();
  }
}

test(`${SEEDS} random schedules converge (wasm)`, async () => {
  for (let seed = 0; seed < SEEDS; seed++) await runSeed(seed);
});
