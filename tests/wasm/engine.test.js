// The engine through the wasm bindings: writes, reads, peers' batches,
// storage records and errors, with bytes crossing the boundary once per call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellgraphError } from '../../js/core/errors.js';
import { CoreEngine } from '../../js/core/engine.js';
import { encode, decode } from '../../js/core/msgpack.js';
import { EngineNet, openEngine, OpType, write } from './support.js';

test('put, get, link and remove round-trip values and edges', async () => {
  const s = await openEngine(1);
  const value = { name: 'Ada', age: 36, nested: { tags: ['x', 'ü'], ok: true, none: null }, ratio: 0.25 };
  const { ticket, records } = s.prepare([[OpType.PUT, 'ada', value], [OpType.PUT, 'bob', { name: 'Bob' }], [OpType.LINK, 'ada', 'bob']]);
  assert.ok(records.length === 1 && records[0] instanceof Uint8Array);
  assert.equal(s.get('ada'), null, 'nothing is visible before commit');
  const fx = s.commit(ticket);
  assert.equal(fx.error, null);
  const ada = s.get('ada');
  assert.deepEqual(ada.value, value);
  assert.deepEqual(ada.edges, ['bob']);
  assert.equal(ada.clock.peer, s.replicaId);
  assert.ok(ada.clock.wall > 1e12, 'the first write of a fresh engine carries a real clock');
  write(s, [[OpType.REMOVE, 'bob', null]]);
  assert.equal(s.get('bob'), null);
  assert.deepEqual(s.get('ada').edges, [], 'edges to removed nodes are hidden');
  assert.equal(s.stats().nodes, 1);
  assert.equal(s.stats().records, 2, 'the tombstone stays');
  s.close();
});

test('an aborted write leaves no trace', async () => {
  const s = await openEngine(1);
  const { ticket } = s.prepare([[OpType.PUT, 'x', { v: 1 }]]);
  const before = s.digest();
  s.abort(ticket);
  assert.equal(s.get('x'), null);
  assert.equal(s.digest(), before);
  assert.throws(() => { const fx = s.commit(ticket); if (fx.error) throw fx.error; }, { code: 'INVALID_ARGUMENT' });
  s.close();
});

test("a peer's live batch applies, and its verified bytes are what gets persisted", async () => {
  const a = await openEngine(1), b = await openEngine(2);
  const net = new EngineNet();
  net.add(a, 'a'); net.add(b, 'b');
  net.connect(0, 1);
  net.runFlights();
  const fx = net.write(0, [[OpType.PUT, 'n', { v: 1 }]]);
  const [send] = fx.sends;
  assert.equal(send.peer, 'b');
  net.runFlights();
  assert.equal(a.digest(), b.digest());
  assert.deepEqual(net.nodes[1].log.at(-1), send.bytes, 'the record is the wire bytes, not a re-encoded node');
  a.close(); b.close();
});

test('bad input is a CellgraphError and changes nothing', async () => {
  const s = await openEngine(1);
  write(s, [[OpType.PUT, 'keep', { v: 1 }]]);
  const before = s.digest();
  const cases = [
    [[[OpType.PUT, 'x', { v: 1 }], [OpType.LINK, 'x', 'missing']], 'NOT_FOUND', /op 1: cannot link to missing node 'missing'/],
    [[[9, 'x', null]], 'INVALID_ARGUMENT', /unknown op type/],
    [[[OpType.PUT, '', {}]], 'INVALID_ARGUMENT', /node id is empty/],
    [[[OpType.PUT, 'x', [1, 2]]], 'INVALID_ARGUMENT', /must be an object/],
    [[[OpType.PUT, 'x', { big: 'x'.repeat(300 * 1024) }]], 'TOO_LARGE', /exceeds/],
    [[], 'INVALID_ARGUMENT', /empty write/],
  ];
  let deep = { leaf: 1 };
  for (let i = 0; i < 40; i++) deep = { d: deep };
  cases.push([[[OpType.PUT, 'x', deep]], 'TOO_LARGE', /(nests too deeply|deeper than 32)/]);
  for (const [ops, code, message] of cases) {
    assert.throws(() => s.prepare(ops), (err) => err instanceof CellgraphError && err.code === code && message.test(err.message));
  }
  assert.throws(() => s.prepare([[OpType.PUT, 'x', { n: NaN }]]), { code: 'INVALID_ARGUMENT' });
  s.openPeer('p');
  const fx = s.receive('p', new Uint8Array([0xc1]));
  assert.equal(fx.error.code, 'CORRUPT');
  assert.deepEqual(fx.failed.map((f) => f.peer), ['p'], 'the session with a peer that sends garbage ends');
  assert.equal(s.receive('nobody', encode([1, 2, 0, 1, 1, 1, false, []])).error.code, 'CLOSED');
  assert.equal(s.digest(), before);
  s.close();
  assert.throws(() => s.get('keep'), { code: 'CLOSED' });
});

test('bad engine options are refused and leave no engine', async () => {
  await assert.rejects(CoreEngine.open({ replicaId: 'xyz' }), { code: 'INVALID_ARGUMENT', message: /16 hex digits/ });
  await assert.rejects(CoreEngine.open({ replicaId: '0000000000000000' }), { code: 'INVALID_ARGUMENT', message: /not be zero/ });
  await assert.rejects(CoreEngine.open({ opLogWindow: 0 }), { code: 'INVALID_ARGUMENT', message: /opLogWindow/ });
  await assert.rejects(CoreEngine.open({ colour: 'blue' }), { code: 'INVALID_ARGUMENT', message: /unknown engine option 'colour'/ });
});

test('JS and the core agree on canonical MessagePack', async () => {
  const s = await openEngine(1);
  const value = { b: [1, 2.5, -3, 2 ** 40, -(2 ** 40)], a: 'é', c: { y: false, x: null }, d: 3.0 };
  write(s, [[OpType.PUT, 'n', value]]);
  const node = s.get('n');
  assert.deepEqual(node.value, { ...value, d: 3 });
  assert.deepEqual(Object.keys(node.value), ['a', 'b', 'c', 'd'], 'keys come back sorted');
  assert.deepEqual(decode(encode(node.value)), node.value);
  // Keys in UTF-8 byte order, where UTF-16 order differs: a surrogate pair sorts after U+FFFD.
  const tricky = { '\ufffd': 1, '😀': 2, z: 3, 'é': 4, '\ue000': 5 };
  write(s, [[OpType.PUT, 't', tricky]]);
  assert.deepEqual(Object.keys(s.get('t').value), ['z', 'é', '\ue000', '\ufffd', '😀']);
  assert.deepEqual(encode(s.get('t').value), encode(tricky), 'JS encodes keys in the same order');
  s.close();
});

test('snapshot and records reload an engine; a corrupt record loads nothing', async () => {
  const a = await openEngine(1);
  write(a, [[OpType.PUT, 'x', { v: 1 }], [OpType.PUT, 'y', { v: 2 }], [OpType.LINK, 'x', 'y'], [OpType.REMOVE, 'y', null]]);
  const b = await openEngine(1, { epoch: '0000000000002222' });  // the same replica, reopened
  for (const m of a.snapshot()) assert.equal(b.load(m, false), null);
  assert.equal(b.digest(), a.digest());
  const { ticket, records } = a.prepare([[OpType.PUT, 'z', { v: 3 }]]);
  a.commit(ticket);
  for (const r of records) assert.equal(b.load(r, true), null);
  assert.equal(b.digest(), a.digest());
  const before = b.digest();
  const err = b.load(a.snapshot()[0].slice(0, -3), false);
  assert.equal(err.code, 'CORRUPT');
  assert.equal(b.digest(), before);
  assert.equal(b.stats().recordsRefused, 1);
  a.close(); b.close();
});

