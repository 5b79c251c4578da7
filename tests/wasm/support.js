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

export { syncLoopback as syncPair } from '../../js/core/loopback.js';
