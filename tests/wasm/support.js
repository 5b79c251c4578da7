// Shared helpers for the wasm tests.
import { CoreStore, OpType } from '../../js/core/store.js';

export { OpType };

/** A deterministic PRNG (mulberry32) so randomized tests replay by seed. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  return next;
}

export const hex16 = (n) => n.toString(16).padStart(16, '0');

export function openStore(n, opLogWindow = 10_000) {
  return CoreStore.open({ replicaId: hex16(n), epoch: hex16(0x1000 + n), opLogWindow });
}

/** Runs two sessions to quiescence; returns {flights, bytes, plan} (plan: either side's catch-up). */
export function syncPair(a, b, { knownPeers = true } = {}) {
  const sa = a.session(knownPeers ? b.replicaId : '');
  const sb = b.session(knownPeers ? a.replicaId : '');
  let toA = [sb.start()], toB = [sa.start()];
  let flights = 0, bytes = toA[0].length + toB[0].length;
  try {
    while (toA.length || toB.length) {
      flights++;
      const nextA = [], nextB = [];
      for (const m of toA) for (const r of sa.receive(m).replies) { nextB.push(r); bytes += r.length; }
      for (const m of toB) for (const r of sb.receive(m).replies) { nextA.push(r); bytes += r.length; }
      toA = nextA; toB = nextB;
      if (flights > 500) throw new Error('sync did not quiesce');
    }
    if (!sa.synced || !sb.synced) throw new Error('sessions quiesced without syncing');
    const plans = [sa.stats().plan, sb.stats().plan];
    return { flights, bytes, plan: plans.find((p) => p !== 'none') ?? 'none' };
  } finally {
    sa.close();
    sb.close();
  }
}
