// js/signaling/ over a fake WebSocket relay: what a relay can replay or
// flood. Events are signed and sealed by a second RoomKeys of the same room
// (the wasm core), so every check but the one under test passes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RoomKeys } from '../../js/signaling/room-keys.js';
import { Signaling } from '../../js/signaling/signaling.js';

const sockets = [];
class FakeWebSocket {
  constructor(url) { this.url = url; this.sent = []; sockets.push(this); queueMicrotask(() => this.onopen?.()); }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() {}
  get subId() { return this.sent.find((m) => m[0] === 'REQ')?.[1]; }
  event(e) { this.onmessage?.({ data: JSON.stringify(['EVENT', this.subId, e]) }); }
}

let realWebSocket, realNow, clock = null;
before(() => {
  realWebSocket = globalThis.WebSocket;
  globalThis.WebSocket = FakeWebSocket;
  realNow = Date.now;
  Date.now = () => clock ?? realNow();
});
after(() => { globalThis.WebSocket = realWebSocket; Date.now = realNow; });

// A started Signaling of `room` and a second peer of the same room; resolves once subscribed.
async function setup(t, options = {}) {
  const room = `r-${Math.random()}`;
  const [mine, theirs] = await Promise.all([RoomKeys.derive({ room }), RoomKeys.derive({ room })]);
  const got = [];
  const signaling = new Signaling(mine, { relayUrls: ['ws://relay.invalid'], onMessage: (from, m, e) => got.push({ from, m, e }),
    announceMs: 3_600_000, ...options });
  sockets.length = 0;
  signaling.start();
  t.after(() => { clock = null; signaling.stop(); });
  await new Promise((r) => setTimeout(r, 0));
  const relay = sockets[0];
  const announce = (createdAt) => theirs.sign({ tags: [['x', theirs.topic]], content: theirs.seal({ t: 'announce' }), createdAt });
  const offer = (createdAt, sid = 's1') => theirs.sign({ tags: [['x', theirs.topic], ['p', mine.pubkey]],
    content: theirs.seal({ t: 'offer', to: mine.pubkey, sid, sdp: 'v=0' }), createdAt });
  return { signaling, relay, got, announce, offer, mine, theirs };
}

test('an accepted event is refused as a duplicate for as long as its age lets it in, then by age', async (t) => {
  const s = await setup(t);
  const now = Math.floor(realNow() / 1000);
  clock = now * 1000;
  const e = s.offer(now);
  s.relay.event(e);
  s.relay.event(e);
  assert.equal(s.got.length, 1);
  assert.equal(s.got[0].e.createdAt, now, 'the room learns when the event was made');
  clock = (now + 90) * 1000;                 // the last second the age check lets it in
  s.relay.event(e);
  assert.equal(s.got.length, 1);
  assert.equal(s.signaling.stats.ignored.duplicate, 2);
  clock = (now + 91) * 1000;                 // now the age check refuses it, and the set forgot it
  s.relay.event(e);
  s.relay.event(s.offer(now + 91, 's2'));    // (a fresh event prunes the front of the set)
  assert.equal(s.signaling.stats.ignored.age, 1);
  assert.equal(s.signaling.acceptedIds, 1);
});

test('finding 4: 5,000 junk ids do not flush the replay set; a replay after them is refused', async (t) => {
  const s = await setup(t);
  const e = s.offer(Math.floor(realNow() / 1000));
  s.relay.event(e);
  for (let i = 0; i < 5000; i++) s.relay.event({ ...e, id: i.toString(16).padStart(64, '0') });   // ids that do not verify
  assert.equal(s.signaling.stats.ignored.signature, 5000);
  s.relay.event(e);
  assert.equal(s.got.length, 1, 'the replay was accepted again');
  assert.equal(s.signaling.stats.ignored.duplicate, 1);
  assert.equal(s.signaling.acceptedIds, 1);
});

test('a forged copy under a genuine id does not make the genuine event be dropped', async (t) => {
  const s = await setup(t);
  const e = s.offer(Math.floor(realNow() / 1000));
  s.relay.event({ ...e, content: `${e.content.slice(0, -4)}AAAA` });   // a hostile relay is first, with a broken copy
  s.relay.event(e);                                                    // an honest relay delivers the real one
  assert.equal(s.got.length, 1, 'the genuine event was accepted');
  assert.equal(s.signaling.stats.ignored.signature, 1);
});

test('when the replay set is full of events still in their window, new ones are refused as a flood', async (t) => {
  const s = await setup(t, { maxAcceptedEvents: 3 });
  const now = Math.floor(realNow() / 1000);
  for (let i = 0; i < 5; i++) s.relay.event(s.announce(now - i));
  assert.equal(s.got.length, 3);
  assert.equal(s.signaling.stats.ignored.flood, 2);
  assert.equal(s.signaling.acceptedIds, 3);
});

test('the relay pool drops a relay message over 64 Ki characters unparsed', async (t) => {
  const s = await setup(t);
  s.relay.onmessage({ data: JSON.stringify(['EVENT', s.relay.subId, { content: 'x'.repeat(70_000) }]) });
  s.relay.onmessage({ data: 'not json' });
  assert.equal(s.signaling.relayStats.oversized, 1);
  assert.equal(s.signaling.relayStats.malformed, 1);
  assert.equal(s.signaling.relayStats.received, 0);
});

test('an announce that reset() scheduled goes out even when a connection comes up before it', async (t) => {
  const s = await setup(t, { announceMs: 1000, announceConnectedMs: 120_000 });
  const announces = () => s.relay.sent.filter((m) => m[0] === 'EVENT').length;
  await new Promise((r) => setImmediate(r));
  const atStart = announces();
  t.mock.timers.enable({ apis: ['setTimeout'] });
  s.signaling.setConnected(false);  // the only link failed (or never joined):
  s.signaling.reset();              // the peers must find each other again
  s.signaling.setConnected(true);   // and a link to a third peer came up before the announce went out
  t.mock.timers.tick(1000);
  await new Promise((r) => setImmediate(r));
  assert.equal(announces(), atStart + 1, 'the healing announce went out after 1 s');
  t.mock.timers.tick(1000);
  await new Promise((r) => setImmediate(r));
  assert.equal(announces(), atStart + 1, 'then the schedule backs off');
});
