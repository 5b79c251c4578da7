// The sync bridge between a room's links and the engine, with a fake room
// and a fake engine: what a peer can make it hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncBridge } from '../../js/room/sync-bridge.js';

class FakeChannel {
  handlers = new Set();
  sent = [];
  on(_e, fn) { this.handlers.add(fn); return this; }
  off(_e, fn) { this.handlers.delete(fn); return this; }
  send(bytes, peer) { this.sent.push({ bytes, peer }); return Promise.resolve(); }
  deliver(bytes, peer) { for (const fn of this.handlers) fn(bytes, peer); }
}

function fakeRoom(peers) {
  const handlers = new Map(), channels = new Map();
  const room = {
    self: 'me', peers: [...peers], cells: false, dropped: [], errors: [],
    on(e, fn) { (handlers.get(e) ?? handlers.set(e, new Set()).get(e)).add(fn); return room; },
    off(e, fn) { handlers.get(e)?.delete(fn); return room; },
    emit(e, ...args) { if (e === 'sync:error') room.errors.push(args); for (const fn of handlers.get(e) ?? []) fn(...args); },
    _channel(name) { return channels.get(name) ?? channels.set(name, new FakeChannel()).get(name); },
    _drop(peer, reason) { room.dropped.push({ peer, reason }); },
  };
  return room;
}

// Finding 6: 300 sync messages of 1 MiB arriving while the worker was busy
// were all queued (299 MiB), with no bound and no backpressure.
test("a peer's unprocessed messages are bounded; beyond, its link is dropped", async () => {
  const room = fakeRoom(['p']);
  let handed = 0;
  const calls = [];
  const call = (type, args) => {
    calls.push(type);
    if (type === 'peerReceive') { handed += args.bytes.length; return new Promise(() => {}); }  // the worker is busy
    return Promise.resolve({});
  };
  const bridge = new SyncBridge(room, call);
  const sync = room._channel('~sync');
  const mib = new Uint8Array(1 << 20);
  for (let i = 0; i < 300; i++) sync.deliver(mib, 'p');
  assert.ok(handed <= 25 << 20, `the bridge handed ${handed} bytes to a busy engine`);
  assert.equal(bridge.stats.overflowDrops, 1);
  assert.deepEqual(room.dropped.map((d) => d.peer), ['p']);
  assert.equal(room.errors[0][0], 'p');
  assert.equal(room.errors[0][1].code, 'TOO_LARGE');
  bridge.detach();
});

test('with a middleware, one message at a time; the keep list answers the inspection', async () => {
  const room = fakeRoom(['p']);
  const log = [];
  const op = (id) => ({ type: 'put', id, value: {}, key: id });
  const call = async (type, args) => {
    log.push([type, args]);
    if (type === 'peerReceive') return { inspect: { ticket: log.length, peer: 'p', relayed: false, ops: [op('a'), op('b')] } };
    return {};
  };
  const bridge = new SyncBridge(room, call);
  bridge.filter = (ops) => ops.filter((o) => o.id === 'a');
  const sync = room._channel('~sync');
  sync.deliver(new Uint8Array([1]), 'p');
  sync.deliver(new Uint8Array([2]), 'p');
  await new Promise((r) => setTimeout(r, 10));
  const types = log.map(([t]) => t);
  assert.deepEqual(types, ['peerOpen', 'peerReceive', 'resume', 'peerReceive', 'resume']);
  assert.deepEqual(log[2][1].keep, [true, false]);
  bridge.detach();
});

test('relayed batches waiting for the engine are bounded; beyond, sessions start over', async () => {
  const room = fakeRoom([]);
  room.cells = true;
  let resyncs = 0;
  const call = (type) => {
    if (type === 'resync') resyncs++;
    if (type === 'meshLive') return new Promise(() => {});
    return Promise.resolve({});
  };
  const bridge = new SyncBridge(room, call);
  const live = room._channel('~live');
  for (let i = 0; i < 40; i++) live.deliver(new Uint8Array(1 << 20), 'origin');
  assert.ok(bridge.stats.relayedDropped >= 20);
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(resyncs <= 1);
  assert.deepEqual(room.dropped, [], 'a relaying link did nothing wrong');
  bridge.detach();
});
