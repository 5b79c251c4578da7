// The core build (cellgraph-core), alone in this process as in a local
// database's worker: it holds the engine and nothing of rooms, and it refuses
// every peer method with a clear error that changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadCore, compiledWasm } from '../../js/core/module.js';
import { CoreEngine, OpType } from '../../js/core/engine.js';

// The exports of bindings/rtc_abi.cc, which only cellgraph-rtc has.
const RTC_ONLY = ['_cg_crypto', '_cg_code_name', '_cg_mesh_new', '_cg_mesh_call', '_cg_mesh_delete'];

test('a local engine runs the core build, which holds no room code', async () => {
  const core = await loadCore();
  assert.equal(typeof core._cg_engine_call, 'function');
  // What js/core/rtc-abi.js calls (bindings/rtc_abi.cc) is not in it.
  for (const name of RTC_ONLY) assert.equal(core[name], undefined, name);
  assert.equal(core._cg_describe_message, undefined, 'message dumps are in the rtc build');
  assert.equal(compiledWasm()?.kind, 'core');
});

test('the rtc build holds what the core build lacks', async () => {
  // Instantiated aside, not through js/core/module.js: this process keeps the core build alone.
  const { default: create } = await import('../../js/wasm/cellgraph-rtc.mjs');
  const module = await WebAssembly.compile(await readFile(new URL('../../js/wasm/cellgraph-rtc.wasm', import.meta.url)));
  const rtc = await create({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module));
      return {};
    },
  });
  for (const name of [...RTC_ONLY, '_cg_describe_message', '_cg_engine_call']) assert.equal(typeof rtc[name], 'function', name);
  assert.equal(compiledWasm()?.kind, 'core', 'the loader still serves the core build');
  assert.notEqual(await loadCore(), rtc);
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
