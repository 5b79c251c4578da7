// Runs two stores' sync sessions against each other in the same realm until
// neither has anything to send: the real protocol without a network, for
// tests, benchmarks and tools (the JS twin of core/sync/loopback.h).

/**
 * @param {import('./store.js').CoreStore} a
 * @param {import('./store.js').CoreStore} b
 * @param {{knownPeers?: boolean, maxFlights?: number}} [options]
 *   knownPeers: each side names the other's replica id, so a returning peer
 *   can catch up by delta.
 * @returns {{flights: number, roundTrips: number, bytes: number, plan: string}}
 */
export function syncLoopback(a, b, { knownPeers = true, maxFlights = 10_000 } = {}) {
  const sa = a.session(knownPeers ? b.replicaId : '');
  const sb = b.session(knownPeers ? a.replicaId : '');
  try {
    let toA = [sb.start()], toB = [sa.start()];
    let flights = 0, bytes = toA[0].length + toB[0].length;
    while (toA.length || toB.length) {
      if (++flights > maxFlights) throw new Error(`sync did not quiesce within ${maxFlights} flights`);
      const nextA = [], nextB = [];
      for (const m of toA) for (const r of sa.receive(m).replies) { nextB.push(r); bytes += r.length; }
      for (const m of toB) for (const r of sb.receive(m).replies) { nextA.push(r); bytes += r.length; }
      toA = nextA;
      toB = nextB;
    }
    if (!sa.synced || !sb.synced) throw new Error('sessions went quiet without both reporting synced');
    const plans = [sa.stats().plan, sb.stats().plan];
    return { flights, roundTrips: Math.ceil(flights / 2), bytes, plan: plans.find((p) => p !== 'none') ?? 'none' };
  } finally {
    sa.close();
    sb.close();
  }
}
