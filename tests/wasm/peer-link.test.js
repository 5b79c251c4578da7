// js/transport/peer-link.js over a fake RTCPeerConnection: the link's own
// logic (pings and pongs, the sender-side limit, errors), with the data
// channel's buffer under the test's control. Real connections are tested
// in tests/browser/limits.test.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OutgoingMessage } from '../../js/transport/framing.js';

const MiB = 1024 * 1024;

class FakeChannel {
  readyState = 'connecting'; bufferedAmount = 0; bufferedAmountLowThreshold = 0; binaryType = 'blob';
  sent = [];
  send(frame) { this.sent.push(frame); this.bufferedAmount += frame.length; }
  close() { this.readyState = 'closed'; }
  open() { this.readyState = 'open'; this.onopen?.(); }
  /** Hands the link a frame as a data channel would (its own ArrayBuffer). */
  deliver(frame) { this.onmessage?.({ data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) }); }
  /** The peer read everything. */
  drain() { this.bufferedAmount = 0; this.onbufferedamountlow?.(); }
}
class FakePeerConnection {
  connectionState = 'new';
  createDataChannel() { return (this.channel = new FakeChannel()); }
  addEventListener() {}
  close() { this.connectionState = 'closed'; }
}

let PeerLink, PING_BYTES, MAX_QUEUED_PONGS;
before(async () => {
  globalThis.RTCPeerConnection = FakePeerConnection;
  ({ PeerLink, PING_BYTES, MAX_QUEUED_PONGS } = await import('../../js/transport/peer-link.js'));
});
after(() => { delete globalThis.RTCPeerConnection; });

// A link whose channel is open; `channel` is the fake under it.
function openLink(options) {
  const created = [];
  const Real = globalThis.RTCPeerConnection;
  globalThis.RTCPeerConnection = class extends Real { constructor(...a) { super(...a); created.push(this); } };
  const link = new PeerLink(options);
  globalThis.RTCPeerConnection = Real;
  const channel = created[0].channel;
  channel.open();
  return { link, channel };
}

const frames = (number, channel, data) => {
  const m = new OutgoingMessage(number, channel, data);
  const out = [];
  for (let f; (f = m.nextFrame());) out.push(f);
  return out;
};

test('finding 2: a peer that pings without reading gets at most 4 PONGs held for it', () => {
  const { link, channel } = openLink();
  channel.bufferedAmount = 2 * MiB;    // the peer does not read: nothing more goes out
  for (let i = 1; i <= 12; i++) for (const f of frames(i, '~ping', `token-${i}`)) channel.deliver(f);
  assert.equal(channel.sent.length, 0);
  channel.drain();                     // it reads at last: what was held goes out
  assert.equal(channel.sent.length, 4, 'PONGs that were held for a peer that did not read');
  assert.equal(link.stats.pingsDropped, 8);
  assert.equal(MAX_QUEUED_PONGS, 4);
  link.close();
});

test('finding 2: 200 pings without reading: cut off for a ping flood, nothing more held', () => {
  const { link, channel } = openLink();
  const refused = [];
  link.onRefused = (reason) => refused.push(reason);
  channel.bufferedAmount = 2 * MiB;
  for (let i = 1; i <= 200; i++) for (const f of frames(i, '~ping', `token-${i}`)) channel.deliver(f);
  assert.equal(link.closed, true, 'the link closed');
  assert.equal(link.violation, 'pingFlood');
  assert.equal(link.stats.pingsDropped, 16);
  assert.deepEqual(refused, [...Array(16).fill('ping'), 'pingFlood']);
  channel.drain();
  assert.equal(channel.sent.length, 0);
});

test('finding 2: a PING over 64 bytes is a protocol error at its first frame; small pings are answered', () => {
  const { link, channel } = openLink();
  for (const f of frames(1, '~ping', 'a small token')) channel.deliver(f);
  assert.equal(channel.sent.length, 1, 'a PONG went out');
  const big = frames(2, '~ping', new Uint8Array(MiB));
  channel.deliver(big[0]);
  assert.equal(link.closed, true);
  assert.equal(link.violation, 'tooLarge');
  assert.equal(link.receiving?.bufferedBytes, 0, 'nothing of the 1 MiB ping was kept');
  assert.equal(PING_BYTES, 64);
});

test('PONGs queued for a slow reader go out once it reads, and later pings are answered again', () => {
  const { link, channel } = openLink();
  channel.bufferedAmount = 2 * MiB;
  for (let i = 1; i <= 6; i++) for (const f of frames(i, '~ping', `t${i}`)) channel.deliver(f);
  assert.equal(link.sending.queuedPongs, 4);
  assert.equal(link.stats.pingsDropped, 2);
  channel.drain();
  assert.equal(channel.sent.length, 4);
  return Promise.resolve().then(() => {   // the sends settle a microtask later
    assert.equal(link.sending.queuedPongs, 0);
    for (const f of frames(7, '~ping', 't7')) channel.deliver(f);
    assert.equal(channel.sent.length, 5);
    assert.equal(link.closed, false);
    link.close();
  });
});

test('ping() keeps one ping in flight: concurrent calls share its answer', async () => {
  const { link, channel } = openLink();
  const a = link.ping(), b = link.ping();
  assert.equal(channel.sent.length, 1, 'one PING went out');
  const token = new TextDecoder().decode(channel.sent[0].subarray(5 + 4 + 1 + 1 + 5 + 2));
  for (const f of frames(1, '~pong', token)) channel.deliver(f);
  const [ra, rb] = await Promise.all([a, b]);
  assert.equal(ra, rb);
  link.close('done');
  await assert.rejects(link.ping(), (err) => err.name === 'CellgraphError' && err.code === 'CLOSED');
});

test('finding 3: send() over maxMessageBytes rejects with TOO_LARGE before queuing; the link stays up and a small message follows', async () => {
  const { link, channel } = openLink({ maxMessageBytes: MiB });
  await assert.rejects(link.send('files', new Uint8Array(MiB + 1)),
    (err) => err.name === 'CellgraphError' && err.code === 'TOO_LARGE' && /1048576-byte limit/.test(err.message));
  assert.equal(channel.sent.length, 0, 'nothing of it was sent');
  assert.equal(link.closed, false);
  await link.send('chat', 'still here');
  assert.equal(channel.sent.length, 1);
  await assert.rejects(link.send('', 'x'), (err) => err.code === 'INVALID_ARGUMENT');
  link.close('done');
  await assert.rejects(link.send('chat', 'x'), (err) => err.name === 'CellgraphError' && err.code === 'CLOSED');
});

test('a closing link rejects every queued send with CLOSED', async () => {
  const { link, channel } = openLink();
  channel.bufferedAmount = 2 * MiB;
  const pending = [link.send('a', new Uint8Array(100)), link.send('b', 'x')];
  link.close('gone');
  for (const p of pending) await assert.rejects(p, (err) => err.name === 'CellgraphError' && err.code === 'CLOSED' && /gone/.test(err.message));
});

test('PeerLink.live counts the page\'s open RTCPeerConnections', () => {
  const start = PeerLink.live;
  const { link } = openLink();
  assert.equal(PeerLink.live, start + 1);
  link.close();
  link.close();
  assert.equal(PeerLink.live, start);
});
