// Queries and live subscriptions through the wasm bindings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineNet, openEngine, syncPair, OpType, write } from './support.js';

const ids = (nodes) => nodes.map((n) => n.id);

test('map queries run in the core with operators, sorting, cursors and $edge', async () => {
  const s = await openEngine(1);
  write(s, [
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
  const s = await openEngine(1);
  assert.throws(() => s.query({ query: { age: { $gtx: 1 } } }), { code: 'INVALID_ARGUMENT', message: /age\.\$gtx: unknown operator/ });
  assert.throws(() => s.query({ query: { name: { $regex: 'a'.repeat(600) } } }), { code: 'TOO_LARGE' });
  assert.throws(() => s.query({ order: 'sideways' }), { code: 'INVALID_ARGUMENT', message: /'order'/ });
  assert.throws(() => s.subscribe({ query: { $or: 5 } }), { code: 'INVALID_ARGUMENT', message: /\$or/ });
  // A hostile pattern on a long string answers (linear-time matcher).
  write(s, [[OpType.PUT, 'x', { s: `${'a'.repeat(20000)}!` }]]);
  assert.deepEqual(s.query({ query: { s: { $regex: '(a+)+$' } } }), []);
  s.close();
});

test('live subscriptions deliver added, updated and removed from writes, peers and sync', async () => {
  const a = await openEngine(1), b = await openEngine(2);
  const net = new EngineNet();
  net.add(a, 'a'); net.add(b, 'b');
  const top = b.subscribe({ field: 'score', order: 'desc', $limit: 2 });
  const all = b.subscribe({ query: { score: { $exists: true } } });
  assert.deepEqual(top.initial, []);
  const take = () => net.nodes[1].events.splice(0);

  net.write(1, [[OpType.PUT, 'local', { score: 1 }]]);
  let ev = take();
  assert.deepEqual(ev.map((e) => [e.subscription, e.action, e.id]), [[top.id, 'added', 'local'], [all.id, 'added', 'local']]);
  assert.equal(ev[0].node.value.score, 1);
  assert.deepEqual(take(), [], 'events are delivered once');

  net.connect(0, 1);
  net.runFlights();
  take();
  net.write(0, [[OpType.PUT, 'p', { score: 9 }], [OpType.PUT, 'q', { score: 5 }]]);
  net.runFlights();
  ev = take();
  const topEvents = ev.filter((e) => e.subscription === top.id).map((e) => `${e.action}:${e.id}`).sort();
  assert.deepEqual(topEvents, ['added:p', 'added:q', 'removed:local']);
  net.disconnect(0, 1);

  write(a, [[OpType.REMOVE, 'p', null], [OpType.PUT, 'r', { score: 7 }]]);
  net.connect(0, 1);
  net.runFlights();
  ev = take().filter((e) => e.subscription === top.id).map((e) => `${e.action}:${e.id}`).sort();
  assert.deepEqual(ev, ['added:r', 'removed:p']);
  assert.equal(b.unsubscribe(top.id), true);
  net.write(1, [[OpType.PUT, 'z', { score: 100 }]]);
  assert.deepEqual(take().map((e) => e.subscription), [all.id]);
  a.close(); b.close();
});
