// The data core through the wasm bindings: writes, reads, live batches and
// errors, with bytes crossing the boundary once per batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellgraphError } from '../../js/core/errors.js';
import { encode, decode } from '../../js/core/msgpack.js';
import { openStore, OpType } from './support.js';

test('put, get, link and remove round-trip values and edges', async () => {
  const s = await openStore(1);
  const value = { name: 'Ada', age: 36, nested: { tags: ['x', 'ü'], ok: true, none: null }, ratio: 0.25 };
  const w = s.write([[OpType.PUT, 'ada', value], [OpType.PUT, 'bob', { name: 'Bob' }], [OpType.LINK, 'ada', 'bob']]);
  assert.deepEqual(w.changed, ['ada', 'bob']);
  assert.equal(w.lastSeq - w.firstSeq, 2);
  assert.ok(w.messages.length === 1 && w.messages[0] instanceof Uint8Array);
  const ada = s.get('ada');
  assert.deepEqual(ada.value, value);
  assert.deepEqual(ada.edges, ['bob']);
  assert.equal(ada.clock.peer, s.replicaId);
  s.write([[OpType.REMOVE, 'bob', null]]);
  assert.equal(s.get('bob'), null);
  assert.deepEqual(s.get('ada').edges, [], 'edges to removed nodes are hidden');
  assert.equal(s.liveCount, 1);
  assert.equal(s.recordCount, 2, 'the tombstone stays');
  s.close();
});

test('a live batch from one store applies on another', async () => {
  const a = await openStore(1), b = await openStore(2);
  const w = a.write([[OpType.PUT, 'n', { v: 1 }]]);
  const r = b.applyLive(w.messages[0]);
  assert.deepEqual(r, { applied: 1, stale: 0, deferred: 0, changed: ['n'] });
  assert.deepEqual(b.applyLive(w.messages[0]), { applied: 0, stale: 1, deferred: 0, changed: [] });
  assert.equal(a.digest(), b.digest());
  a.close(); b.close();
});

test('bad input is a CellgraphError and changes nothing', async () => {
  const s = await openStore(1);
  s.write([[OpType.PUT, 'keep', { v: 1 }]]);
  const before = s.digest();
  const cases = [
    [[[OpType.PUT, 'x', { v: 1 }], [OpType.LINK, 'x', 'missing']], 'NOT_FOUND', /op 1: cannot link to missing node 'missing'/],
    [[[9, 'x', null]], 'INVALID_ARGUMENT', /unknown op type/],
    [[[OpType.PUT, '', {}]], 'INVALID_ARGUMENT', /node id is empty/],
    [[[OpType.PUT, 'x', [1, 2]]], 'INVALID_ARGUMENT', /must be an object/],
    [[[OpType.PUT, 'x', { big: 'x'.repeat(300 * 1024) }]], 'TOO_LARGE', /exceeds/],
  ];
  let deep = { leaf: 1 };
  for (let i = 0; i < 40; i++) deep = { d: deep };
  cases.push([[[OpType.PUT, 'x', deep]], 'TOO_LARGE', /(nests too deeply|deeper than 32)/]);
  for (const [ops, code, message] of cases) {
    assert.throws(() => s.write(ops), (err) => err instanceof CellgraphError && err.code === code && message.test(err.message));
  }
  assert.throws(() => s.write([[OpType.PUT, 'x', { n: NaN }]]), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => s.applyLive(new Uint8Array([0xc1])), { code: 'CORRUPT' });
  assert.throws(() => s.applyLive(encode([1, 2, 0, 1, 1, 1, false, [[9]]])), { code: 'INVALID_ARGUMENT' });
  assert.equal(s.digest(), before);
  s.close();
  assert.throws(() => s.get('keep'), { code: 'CLOSED' });
});

test('a bad store config is refused', async () => {
  const { CoreStore } = await import('../../js/core/store.js');
  await assert.rejects(CoreStore.open({ replicaId: 'xyz' }), { code: 'INVALID_ARGUMENT', message: /16 hex digits/ });
  await assert.rejects(CoreStore.open({ replicaId: '0000000000000000' }), { code: 'INVALID_ARGUMENT', message: /not be zero/ });
});

test('JS and the core agree on canonical MessagePack', async () => {
  const s = await openStore(1);
  const value = { b: [1, 2.5, -3, 2 ** 40, -(2 ** 40)], a: 'é', c: { y: false, x: null }, d: 3.0 };
  s.write([[OpType.PUT, 'n', value]]);
  const node = s.get('n');
  assert.deepEqual(node.value, { ...value, d: 3 });
  assert.deepEqual(Object.keys(node.value), ['a', 'b', 'c', 'd'], 'keys come back sorted');
  assert.deepEqual(decode(encode(node.value)), node.value);
  s.close();
});

test('snapshot, exportNodes and load round-trip a store, and corrupt input loads nothing', async () => {
  const a = await openStore(1);
  a.write([[OpType.PUT, 'x', { v: 1 }], [OpType.PUT, 'y', { v: 2 }], [OpType.LINK, 'x', 'y'], [OpType.REMOVE, 'y', null]]);
  const b = await openStore(1);  // the same replica, reopened
  for (const m of a.snapshot()) b.load(m);
  assert.equal(b.digest(), a.digest());
  a.write([[OpType.PUT, 'z', { v: 3 }]]);
  for (const m of a.exportNodes(['z'])) b.load(m);
  assert.equal(b.digest(), a.digest());
  const before = b.digest();
  const bad = a.snapshot()[0].slice(0, -3);
  assert.throws(() => b.load(bad), { code: 'CORRUPT' });
  assert.equal(b.digest(), before);
  a.close(); b.close();
});
