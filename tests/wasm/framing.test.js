// js/transport/framing.js under hostile frames: what a peer can make the
// Reassembler hold is bounded before anything is allocated, and an honest
// Sender never trips those bounds. Pure JS (no wasm), run with the wasm tier.
//
// Only names the framing module always had are imported by name, so on an
// older framing.js these tests fail on their assertions, not on the import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as framing from '../../js/transport/framing.js';

const { Reassembler, FrameError, FRAME_BYTES, OutgoingMessage } = framing;
const MiB = 1024 * 1024;
const FIRST = 1, LAST = 2;

// A hand-made frame: a first frame declares `total` on channel `name`; the
// body is `bodyBytes` zero bytes (or as many as fill FRAME_BYTES with `full`).
function frame({ number, first = false, last = false, total = 0, name = 'x', bodyBytes = 0, full = false }) {
  const nameBytes = new TextEncoder().encode(name);
  const head = 5 + (first ? 4 + 1 + 1 + nameBytes.length + 2 : 0);
  const length = full ? FRAME_BYTES : head + bodyBytes;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  bytes[0] = (first ? FIRST : 0) | (last ? LAST : 0);
  view.setUint32(1, number);
  if (first) {
    view.setUint32(5, total);
    bytes[9] = 0;  // bytes
    bytes[10] = nameBytes.length;
    bytes.set(nameBytes, 11);
    view.setUint16(11 + nameBytes.length, 0);
  }
  return bytes;
}

// Pushes every frame, stopping at the first error; returns it (or null).
function feed(r, frames) {
  for (const f of frames) {
    try { r.push(f); } catch (err) { return err; }
  }
  return null;
}

const arrayBufferBytes = () => process.memoryUsage().arrayBuffers;

test('finding 1: 64 first frames of 14 bytes declaring 64 MiB each reserve nothing', () => {
  // Headers only (channel 'x', no payload yet): 896 bytes in all. The old
  // Reassembler allocated each declared total up front: 64 x 64 MiB = 4 GiB.
  const frames = Array.from({ length: 64 }, (_, i) => frame({ number: i + 1, first: true, total: 64 * MiB }));
  assert.equal(frames.reduce((n, f) => n + f.length, 0), 896);
  const r = new Reassembler();
  const before = arrayBufferBytes();
  const err = feed(r, frames);
  const grown = arrayBufferBytes() - before;
  assert.ok(grown < MiB, `the Reassembler holds ${grown} bytes after 896 bytes of frames`);
  assert.ok(err instanceof FrameError, 'a short frame that is not its message\'s last is refused');
  assert.equal(err.reason, 'malformed');
  assert.equal(r.bufferedBytes, 0);
  assert.equal(r.openCount, 0);
});

test('finding 1: full first frames declaring 64 MiB each stop at the in-flight budget', () => {
  const r = new Reassembler();  // 64 MiB messages, budget 64 + 16 MiB
  const frames = Array.from({ length: 64 }, (_, i) => frame({ number: i + 1, first: true, total: 64 * MiB, full: true }));
  const before = arrayBufferBytes();
  const err = feed(r, frames);
  assert.ok(err instanceof FrameError);
  assert.equal(err.reason, 'inFlight', err.message);
  assert.equal(r.openCount, 1, 'one 64 MiB message fits the budget, a second does not');
  assert.equal(r.bufferedBytes, FRAME_BYTES - 14, 'only the payload that arrived is held');
  assert.equal(r.reservedBytes, 64 * MiB);
  assert.ok(arrayBufferBytes() - before < MiB);
  assert.equal(framing.inFlightBudget(64 * MiB), 80 * MiB);
});

test('at most 16 unfinished messages; the 17th is refused', () => {
  const r = new Reassembler();
  const frames = Array.from({ length: 40 }, (_, i) => frame({ number: i + 1, first: true, total: MiB, full: true }));
  const err = feed(r, frames);
  assert.equal(err?.reason, 'openMessages', err?.message);
  assert.equal(r.openCount, 16);
  assert.equal(r.bufferedBytes, 16 * (FRAME_BYTES - 14));
  assert.equal(r.reservedBytes, 16 * MiB);
});

test('a transfer that stops progressing is refused after three idle checks; one that moves is not', () => {
  const r = new Reassembler();
  r.push(frame({ number: 1, first: true, total: 10 * MiB, full: true }));
  r.push(frame({ number: 2, first: true, total: 10 * MiB, full: true }));
  r.tick();                                         // both started since the last check
  for (let i = 0; i < 2; i++) {
    r.push(frame({ number: 2, full: true }));       // message 2 keeps moving,
    r.tick();                                       // message 1 is idle: 1, 2
  }
  r.push(frame({ number: 2, full: true }));
  assert.throws(() => r.tick(), (err) => err instanceof FrameError && err.reason === 'stalled' && /^message 1 /.test(err.message));
  assert.equal(framing.STALL_TICK_MS * framing.STALL_TICKS, 30_000);
});

test('a message over the limit, or a ~ping over 64 bytes, is refused at its first frame', () => {
  const r = new Reassembler({ maxMessageBytes: MiB, channelLimits: { '~ping': 64 } });
  let err = feed(r, [frame({ number: 1, first: true, total: MiB + 1, full: true })]);
  assert.equal(err?.reason, 'tooLarge');
  const s = new Reassembler({ maxMessageBytes: MiB, channelLimits: { '~ping': 64 } });
  err = feed(s, [frame({ number: 1, first: true, last: true, total: 65, name: '~ping', bodyBytes: 65 })]);
  assert.equal(err?.reason, 'tooLarge');
  assert.match(err.message, /~ping message of 65 bytes \(at most 64\)/);
  assert.equal(s.bufferedBytes, 0);
  const ok = new Reassembler({ channelLimits: { '~ping': 64 } });
  assert.equal(ok.push(frame({ number: 1, first: true, last: true, total: 64, name: '~ping', bodyBytes: 64 })).message.total, 64);
});

test('malformed frames are refused: unknown message, too long, wrong end, empty continuation', () => {
  const cases = [
    [frame({ number: 9, full: true })],                                                       // unknown message
    [frame({ number: 1, first: true, total: 10, bodyBytes: 11, last: true })],                // longer than announced
    [frame({ number: 1, first: true, total: 100, bodyBytes: 10, last: true })],               // ends early
    [frame({ number: 1, first: true, total: MiB, full: true }), frame({ number: 1, bodyBytes: 0 })],  // empty, not last
  ];
  for (const frames of cases) {
    const err = feed(new Reassembler(), frames);
    assert.equal(err?.reason, 'malformed', String(err));
  }
});

test('an honest Sender never trips the receiver: 24 lanes, messages up to the limit, every byte in order', () => {
  const maxMessageBytes = 256 * 1024;
  const maxInFlightBytes = 384 * 1024;   // tighter than the default, to exercise the rule
  const sender = new framing.Sender({ maxMessageBytes, maxInFlightBytes });
  const r = new Reassembler({ maxMessageBytes, maxInFlightBytes });
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
  const sent = new Map();
  let number = 1;
  for (let lane = 0; lane < 24; lane++) {
    const name = `lane-${lane}`;
    sent.set(name, []);
    for (let k = 0; k < 4; k++) {
      const size = k === 0 ? maxMessageBytes : rand(maxMessageBytes);
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i += 4099) data[i] = (lane * 31 + k * 7 + i) & 0xff;
      sent.get(name).push(data);
      sender.queue(name, new OutgoingMessage(number++, name, data, { k }, maxMessageBytes), null);
    }
  }
  const received = new Map([...sent.keys()].map((n) => [n, []]));
  let maxOpen = 0, maxReserved = 0, out;
  while ((out = sender.next())) {
    const got = r.push(out.frame);
    maxOpen = Math.max(maxOpen, r.openCount);
    maxReserved = Math.max(maxReserved, r.reservedBytes);
    assert.ok(sender.openCount <= 16 && sender.openBytes <= maxInFlightBytes);
    if (got.message) received.get(got.message.channel).push(got.message);
  }
  assert.ok(sender.idle);
  assert.ok(maxOpen <= 16 && maxReserved <= maxInFlightBytes, `open ${maxOpen}, reserved ${maxReserved}`);
  assert.ok(maxOpen > 1, 'messages did interleave');
  for (const [name, list] of sent) {
    const got = received.get(name);
    assert.equal(got.length, list.length);
    got.forEach((m, k) => { assert.deepEqual(m.meta, { k }); assert.ok(Buffer.from(m.data).equals(Buffer.from(list[k])), `${name} #${k}`); });
  }
  assert.equal(r.bufferedBytes, 0);
  assert.equal(r.openCount, 0);
});

test('finding 3: a message over maxMessageBytes is a TOO_LARGE CellgraphError naming the limit; bad input is INVALID_ARGUMENT', () => {
  const tooLarge = (() => { try { new OutgoingMessage(1, 'files', new Uint8Array(MiB + 1), undefined, MiB); } catch (err) { return err; } })();
  assert.equal(tooLarge?.name, 'CellgraphError');
  assert.equal(tooLarge.code, 'TOO_LARGE');
  assert.match(tooLarge.message, /1048577 bytes is over the 1048576-byte limit/);
  const cyclic = {}; cyclic.self = cyclic;
  for (const args of [[1, '', 'x'], [1, 'x'.repeat(256), 'x'], [1, 'c', cyclic], [1, 'c', 'x', cyclic], [1, 'c', () => {}]]) {
    assert.throws(() => new OutgoingMessage(...args), (err) => err.name === 'CellgraphError' && err.code === 'INVALID_ARGUMENT', String(args[1]));
  }
});
