// Shared helpers for the wasm tests.
export { OpType } from '../../js/core/engine.js';
export { EngineNet, openEngine, syncPair, hex16 } from '../support/engine-net.js';

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

/** A local write through prepare and commit, as the worker does; returns the effects. */
export function write(engine, ops) {
  const { ticket } = engine.prepare(ops);
  return engine.commit(ticket);
}
