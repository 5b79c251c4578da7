// Engines wired together in one realm, through the wasm bindings: the JS
// twin of core/api/engine_net.h, for the wasm tests and the Node benchmarks.
// It plays the host as js/worker does: each effects record's sends go into
// an ordered queue per directed link, its records into a fake storage per
// engine, its events into a list per engine.
import { CoreEngine } from '../../js/core/engine.js';
import { loadRtc } from '../../js/core/module.js';

export const hex16 = (n) => n.toString(16).padStart(16, '0');

/**
 * An engine with a deterministic replica id and epoch, in the rtc build: the
 * only one with peers (the core build refuses them, tests/wasm/core-build.test.js).
 */
export async function openEngine(n, options = {}) {
  await loadRtc();
  return CoreEngine.open({ replicaId: hex16(n), epoch: hex16(0x1000 + n), ...options });
}

export class EngineNet {
  nodes = [];
  #queues = new Map();  // "from>to" -> Uint8Array[]
  bytes = 0;
  messages = 0;
  /** (from, to, bytes) => false drops a message; a Uint8Array is delivered instead of it. */
  onDeliver = null;

  add(engine, name) {
    this.nodes.push({ engine, name, snapshot: [], log: [], events: [], synced: [], failures: [] });
    return this.nodes.length - 1;
  }

  #key(a, b) { return `${a}>${b}`; }
  #index(name) { return this.nodes.findIndex((n) => n.name === name); }
  connected(a, b) { return this.#queues.has(this.#key(a, b)); }

  connect(a, b) {
    this.disconnect(a, b);
    this.#queues.set(this.#key(a, b), []);
    this.#queues.set(this.#key(b, a), []);
    this.absorb(a, this.nodes[a].engine.openPeer(this.nodes[b].name));
    this.absorb(b, this.nodes[b].engine.openPeer(this.nodes[a].name));
  }

  disconnect(a, b) {
    if (!this.connected(a, b)) return;
    this.#queues.delete(this.#key(a, b));
    this.#queues.delete(this.#key(b, a));
    this.nodes[a].engine.closePeer(this.nodes[b].name);
    this.nodes[b].engine.closePeer(this.nodes[a].name);
  }

  absorb(from, fx) {
    const n = this.nodes[from];
    n.log.push(...fx.persist);
    if (fx.compact) {
      n.snapshot = n.engine.snapshot();
      n.log = [];
      n.engine.compacted();
    }
    for (const { peer, bytes } of fx.sends) this.#queues.get(this.#key(from, this.#index(peer)))?.push(bytes);
    n.events.push(...fx.events);
    n.synced.push(...fx.synced);
    for (const f of fx.failed) {
      n.failures.push(f);
      const to = this.#index(f.peer);
      if (to >= 0) this.disconnect(from, to);
    }
    return fx;
  }

  /** A local write: prepare, persist, commit. */
  write(at, ops) {
    const n = this.nodes[at];
    const { ticket, records } = n.engine.prepare(ops);
    n.log.push(...records);
    return this.absorb(at, n.engine.commit(ticket));
  }

  step(from, to) {
    const q = this.#queues.get(this.#key(from, to));
    if (!q?.length) return false;
    let m = q.shift();
    const verdict = this.onDeliver?.(from, to, m);
    if (verdict === false) return true;
    if (verdict instanceof Uint8Array) m = verdict;
    this.messages++;
    this.bytes += m.length;
    this.absorb(to, this.nodes[to].engine.receive(this.nodes[from].name, m));
    return true;
  }

  queued(from, to) { return this.#queues.get(this.#key(from, to))?.length ?? 0; }

  /** Delivers in flights (what was queued when each began); returns the flights. */
  runFlights(maxFlights = 100_000) {
    let flights = 0;
    for (; flights < maxFlights; flights++) {
      const batch = [...this.#queues].filter(([, q]) => q.length).map(([k, q]) => [k.split('>').map(Number), q.length]);
      if (!batch.length) break;
      for (const [[from, to], count] of batch) for (let i = 0; i < count; i++) this.step(from, to);
    }
    return flights;
  }
}

/**
 * Brings two engines together over a fresh link and runs it until quiet.
 * knownPeers false: the link is new to both (no watermarks), as strangers.
 * @returns {{flights: number, roundTrips: number, bytes: number, plan: string}}
 */
let strangers = 0;
export function syncPair(a, b, { knownPeers = true } = {}) {
  const net = new EngineNet();
  const suffix = knownPeers ? '' : `#${++strangers}`;
  net.add(a, `${b.replicaId === a.replicaId ? 'a' : a.replicaId}${suffix}`);
  net.add(b, `${b.replicaId}${suffix}`);
  net.connect(0, 1);
  const flights = net.runFlights();
  const failure = [...net.nodes[0].failures, ...net.nodes[1].failures][0];
  if (failure) throw failure.error;
  const plans = [a.peerStats(net.nodes[1].name)?.plan, b.peerStats(net.nodes[0].name)?.plan];
  net.disconnect(0, 1);
  return { flights, roundTrips: Math.ceil(flights / 2), bytes: net.bytes, plan: plans.find((p) => p && p !== 'none') ?? 'none' };
}
