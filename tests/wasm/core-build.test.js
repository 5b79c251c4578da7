// The core build (cellgraph-core), alone in this process as in a local
// database's worker: it holds the engine and nothing of rooms, and it refuses
// every peer method with a clear error that changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore, compiledWasm } from '../../js/core/module.js';
import { CoreEngine, OpType } from '../../js/core/engine.js';

test('a local engine runs the core build, which holds no room code', async () => {
  const core = await loadCore();
  assert.equal(typeof core._cg_engine_call, 'function');
  assert.equal(core.Mesh, undefined);
  assert.equal(core.schnorrSign, undefined);
  assert.equal(core._cg_describe_message, undefined, 'message dumps are in the rtc build');
  assert.equal(compiledWasm()?.kind, 'core');
});

test('the core build refuses peers, and the engine goes on unchanged', async () => {
  const engine = await CoreEngine.open({ replicaId: '00000000000000a1' });
  engine.commit(engine.prepare([[OpType.PUT, 'a', { v: 1 }]]).ticket);
  const digest = engine.digest();
  const refused = { code: 'INVALID_ARGUMENT', message: /cellgraph-core\) is built without peers.*cellgraph-rtc/ };
  assert.throws(() => engine.openPeer('p1'), refused);
  assert.throws(() => engine.receive('p1', new Uint8Array([0x90])), refused);
  assert.throws(() => engine.receiveRelayed('p1', new Uint8Array([0x90])), refused);
  assert.throws(() => engine.closePeer('p1'), refused);
  assert.throws(() => engine.resume(1, [true]), refused);
  assert.throws(() => engine.resyncAll(), refused);
  assert.throws(() => engine.peerStats('p1'), refused);
  assert.equal(engine.digest(), digest);
  assert.equal(engine.stats().peers, 0);
  engine.commit(engine.prepare([[OpType.PUT, 'b', { v: 2 }]]).ticket);
  assert.deepEqual(engine.get('b').value, { v: 2 });
  engine.close();
});

test('the core build refuses a secured database, and a plain one still opens', async () => {
  const superadmin = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';  // RFC 8032 test 2
  await assert.rejects(CoreEngine.open({ trust: { app: 'test', room: 'r', superadmins: [superadmin] } }),
    { code: 'INVALID_ARGUMENT', message: /without security.*cellgraph-rtc/ });
  const engine = await CoreEngine.open();
  assert.equal(engine.stats().nodes, 0);
  engine.close();
});
