// Sync sessions between wasm engines: full state, delta, reconciliation, and
// the bytes on the wire following the differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine, syncPair, OpType, write } from './support.js';

const fill = (s, n, prefix = 'n') => {
  const ops = [];
  for (let i = 0; i < n; i++) ops.push([OpType.PUT, `${prefix}${i}`, { i, name: 'node' }]);
  write(s, ops);
};

test('empty peer: full state in one round trip; then delta', async () => {
  const a = await openEngine(1), b = await openEngine(2);
  fill(a, 1000);
  const first = syncPair(a, b);
  assert.equal(first.plan, 'state');
  assert.equal(first.flights, 2);
  assert.equal(a.digest(), b.digest());
  fill(a, 3, 'late');
  const second = syncPair(a, b);
  assert.equal(second.plan, 'delta');
  assert.ok(second.bytes < 1000, `delta took ${second.bytes} bytes`);
  assert.equal(a.digest(), b.digest());
  a.close(); b.close();
});

test('beyond the log window, reconciliation bytes follow the differences', async () => {
  const costs = [];
  for (const d of [0, 10, 200]) {
    const a = await openEngine(1, { opLogWindow: 20 }), b = await openEngine(2, { opLogWindow: 20 });
    fill(a, 3000);
    syncPair(a, b);
    for (let i = 0; i < d; i++) write(i % 2 ? a : b, [[OpType.PUT, `n${i * 7}`, { changed: i }]]);
    const r = syncPair(a, b, { knownPeers: d % 2 === 0 });
    if (d > 20) assert.equal(r.plan, 'recon');
    assert.equal(a.digest(), b.digest());
    costs.push(r.bytes);
    a.close(); b.close();
  }
  assert.ok(costs[0] < 300, `equal sets cost ${costs[0]} bytes`);
  assert.ok(costs[1] * 5 < costs[2], `costs ${costs}`);
});
