// Queries and live subscriptions through the wasm bindings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, syncPair, OpType } from './support.js';

const ids = (nodes) => nodes.map((n) => n.id);

test('map queries run in the core with operators, sorting, cursors and $edge', async () => {
  const s = await openStore(1);
  s.write([
    [OpType.PUT, 'ada', { name: 'Ada', age: 36, tags: ['math'], bio: 'Crème brûlée' }],
    [OpType.PUT, 'bob', { name: 'Bob', age: 25, tags: ['music'] }],
    [OpType.PUT, 'cy', { name: 'Cy', age: 41 }],
    [OpType.LINK, 'ada', 'bob'], [OpType.LINK, 'bob', 'cy'], [OpType.LINK, 'cy', 'ada'],
  ]);
  assert.deepEqual(ids(s.query({ query: { age: { $gt: 30 } } })), ['ada', 'cy']);
  assert.deepEqual(ids(s.query({ field: 'age', order: 'desc', $limit: 2 })), ['cy', 'ada']);
  assert.deepEqual(ids(s.query({ field: 'age', $after: 'bob' })), ['ada', 'cy']);
  assert.deepEqual(ids(s.query({ query: { bio: { $text: 'creme' } } })), ['ada']);
  assert.deepEqual(ids(s.query({ query: { name: { $like: 'b%' } } })), ['bob']);
  assert.deepEqual(ids(s.query({ query: { id: 'ada', $edge: { age: { $lt: 40 } } } })), ['ada', 'bob']);  // a cycle back to ada
  const [ada] = s.query({ query: { name: 'Ada' } });
  assert.deepEqual(ada.value.tags, ['math']);
  assert.deepEqual(ada.edges, ['bob']);
  s.close();
});

test('bad queries are CellgraphErrors naming the offending part', async () => {
  const s = await openStore(1);
  assert.throws(() => s.query({ query: { age: { $gtx: 1 } } }), { code: 'INVALID_ARGUMENT', message: /age\.\$gtx: unknown operator/ });
  assert.throws(() => s.query({ query: { name: { $regex: 'a'.repeat(600) } } }), { code: 'TOO_LARGE' });
  assert.throws(() => s.query({ order: 'sideways' }), { code: 'INVALID_ARGUMENT', message: /'order'/ });
  assert.throws(() => s.subscribe({ query: { $or: 5 } }), { code: 'INVALID_ARGUMENT', message: /\$or/ });
  // A hostile pattern on a long string answers (linear-time matcher).
  s.write([[OpType.PUT, 'x', { s: `${'a'.repeat(20000)}!` }]]);
  assert.deepEqual(s.query({ query: { s: { $regex: '(a+)+$' } } }), []);
  s.close();
});

test('live subscriptions deliver added, updated and removed from writes, live batches and sync', async () => {
  const a = await openStore(1), b = await openStore(2);
  const top = b.subscribe({ field: 'score', order: 'desc', $limit: 2 });
  const all = b.subscribe({ query: { score: { $exists: true } } });
  assert.deepEqual(top.initial, []);

  b.write([[OpType.PUT, 'local', { score: 1 }]]);
  let ev = b.takeEvents();
  assert.deepEqual(ev.map((e) => [e.subscription, e.action, e.id]), [[top.id, 'added', 'local'], [all.id, 'added', 'local']]);
  assert.equal(ev[0].node.value.score, 1);
  assert.deepEqual(b.takeEvents(), [], 'events are taken once');

  const w = a.write([[OpType.PUT, 'p', { score: 9 }], [OpType.PUT, 'q', { score: 5 }]]);
  for (const m of w.messages) b.applyLive(m);
  ev = b.takeEvents();
  const topEvents = ev.filter((e) => e.subscription === top.id).map((e) => `${e.action}:${e.id}`).sort();
  assert.deepEqual(topEvents, ['added:p', 'added:q', 'removed:local']);

  a.write([[OpType.REMOVE, 'p', null], [OpType.PUT, 'r', { score: 7 }]]);
  syncPair(a, b);
  ev = b.takeEvents().filter((e) => e.subscription === top.id).map((e) => `${e.action}:${e.id}`).sort();
  assert.deepEqual(ev, ['added:r', 'removed:p']);
  assert.equal(b.unsubscribe(top.id), true);
  b.write([[OpType.PUT, 'z', { score: 100 }]]);
  assert.deepEqual(b.takeEvents().map((e) => e.subscription), [all.id]);
  a.close(); b.close();
});
