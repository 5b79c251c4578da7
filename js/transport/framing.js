// Messages on a data channel, cut into frames of at most 16 KiB (the size
// every browser's SCTP stack delivers without fragmenting trouble) and put
// back together on the other side. One data channel per peer carries every
// named channel; frames of different messages interleave, so a 10 MB
// payload never holds up a small sync message behind it.
//
// Frame (integers big-endian):
//   u8  flags        1 = first frame of the message, 2 = last frame
//   u32 message      number, per link and direction
//   first frame only:
//     u32 total      payload bytes of the whole message
//     u8  type       0 bytes, 1 string, 2 JSON
//     u8  n, n bytes channel name (UTF-8, 1..255 bytes)
//     u16 m, m bytes meta (JSON, may be empty)
//   the rest: payload bytes
// Every frame but a message's last is exactly FRAME_BYTES long.
//
// What a peer may make the receiver hold is bounded before anything is
// allocated (PROTOCOL.md §8):
//   - a message is at most `maxMessageBytes` (default 64 MiB);
//   - at most MAX_OPEN_MESSAGES (16) messages are unfinished at once;
//   - the declared totals of the unfinished messages add up to at most
//     inFlightBudget(maxMessageBytes) = maxMessageBytes + 16 MiB;
//   - nothing is reserved for a declared total: frames are kept as they
//     come (full frames only, so there are at most total/16 KiB of them)
//     and copied into one buffer when the last arrives;
//   - an unfinished message that gets no frame during STALL_TICKS
//     consecutive checks (one check every STALL_TICK_MS = 10 s: 30 s to
//     40 s without progress) has stalled.
// Decoding never trusts a frame: a violation is a FrameError whose `reason`
// names the bound; the link that sent it is closed.
//
// The Sender is the other half of those rules: it starts a message only when
// the receiver's bounds leave room for it, so an honest peer never trips them.
import { CellgraphError } from '../core/errors.js';

export const FRAME_BYTES = 16 * 1024;
export const PayloadType = Object.freeze({ BYTES: 0, STRING: 1, JSON: 2 });
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
export const MAX_OPEN_MESSAGES = 16;
export const IN_FLIGHT_MARGIN = 16 * 1024 * 1024;
export const STALL_TICK_MS = 10_000;
export const STALL_TICKS = 3;
// The largest total a u32 can declare.
export const MAX_DECLARABLE_BYTES = 0xffffffff;

/** Bytes the unfinished messages of one link may declare in all. */
export function inFlightBudget(maxMessageBytes) {
  return Math.min(MAX_OPEN_MESSAGES * maxMessageBytes, maxMessageBytes + IN_FLIGHT_MARGIN);
}

const FIRST = 1, LAST = 2;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A frame that breaks the protocol. `reason` is one of
 *   'malformed'    a frame that does not parse or does not fit its message
 *   'tooLarge'     a message over maxMessageBytes (or a channel's own limit)
 *   'openMessages' more unfinished messages than MAX_OPEN_MESSAGES
 *   'inFlight'     unfinished messages declaring more than the budget
 *   'stalled'      an unfinished message that stopped progressing
 */
export class FrameError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = 'FrameError';
    this.reason = reason;
  }
}

/** A payload as bytes plus its type; JSON for anything that is not bytes or a string. */
export function encodePayload(data) {
  if (data instanceof Uint8Array) return { type: PayloadType.BYTES, bytes: data };
  if (data instanceof ArrayBuffer) return { type: PayloadType.BYTES, bytes: new Uint8Array(data) };
  if (ArrayBuffer.isView(data)) return { type: PayloadType.BYTES, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  if (typeof data === 'string') return { type: PayloadType.STRING, bytes: utf8.encode(data) };
  let text;
  try { text = JSON.stringify(data); } catch (err) {
    throw new CellgraphError('INVALID_ARGUMENT', `send() takes bytes, a string or a JSON value: ${err.message}`);
  }
  if (text === undefined) throw new CellgraphError('INVALID_ARGUMENT', 'send() takes bytes, a string or a JSON value');
  return { type: PayloadType.JSON, bytes: utf8.encode(text) };
}

export function decodePayload(type, bytes) {
  if (type === PayloadType.BYTES) return bytes;
  const text = fromUtf8.decode(bytes);
  return type === PayloadType.STRING ? text : JSON.parse(text);
}

/**
 * The frames of one message, produced lazily so a sender can interleave
 * messages and stop when the channel's buffer is full. Throws
 * CellgraphError INVALID_ARGUMENT for a bad name, meta or payload and
 * TOO_LARGE for a payload over `maxMessageBytes` (checked before anything
 * is queued).
 */
export class OutgoingMessage {
  constructor(number, channel, data, meta, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    const name = utf8.encode(typeof channel === 'string' ? channel : '');
    if (name.length === 0 || name.length > 255) throw new CellgraphError('INVALID_ARGUMENT', 'a channel name is 1 to 255 bytes of UTF-8');
    let metaBytes = new Uint8Array(0);
    if (meta !== undefined) {
      let text;
      try { text = JSON.stringify(meta); } catch (err) { throw new CellgraphError('INVALID_ARGUMENT', `meta is not JSON: ${err.message}`); }
      if (text === undefined) throw new CellgraphError('INVALID_ARGUMENT', 'meta is not JSON');
      metaBytes = utf8.encode(text);
    }
    if (metaBytes.length > 4096) throw new CellgraphError('INVALID_ARGUMENT', 'meta is at most 4 KiB of JSON');
    const { type, bytes } = encodePayload(data);
    if (bytes.length > maxMessageBytes) {
      throw new CellgraphError('TOO_LARGE', `a message of ${bytes.length} bytes is over the ${maxMessageBytes}-byte limit (maxMessageBytes)`);
    }
    this.number = number;
    this.total = bytes.length;
    this.sent = 0;
    this.#payload = bytes;
    this.#header = { type, name, metaBytes };
  }

  #payload; #header; #started = false;

  get started() { return this.#started; }
  get done() { return this.#started && this.sent === this.total; }

  /** The next frame (a fresh Uint8Array), or null when every frame went out. */
  nextFrame() {
    if (this.done) return null;
    let head = 5;
    if (!this.#started) head += 4 + 1 + 1 + this.#header.name.length + 2 + this.#header.metaBytes.length;
    const take = Math.min(this.total - this.sent, FRAME_BYTES - head);
    const frame = new Uint8Array(head + take);
    const view = new DataView(frame.buffer);
    let flags = 0, at = 5;
    if (!this.#started) {
      flags |= FIRST;
      const { type, name, metaBytes } = this.#header;
      view.setUint32(at, this.total); at += 4;
      frame[at++] = type;
      frame[at++] = name.length; frame.set(name, at); at += name.length;
      view.setUint16(at, metaBytes.length); at += 2;
      frame.set(metaBytes, at); at += metaBytes.length;
      this.#started = true;
    }
    frame.set(this.#payload.subarray(this.sent, this.sent + take), at);
    this.sent += take;
    if (this.sent === this.total) flags |= LAST;
    frame[0] = flags;
    view.setUint32(1, this.number);
    if (flags & LAST) this.#payload = null;
    return frame;
  }
}

/**
 * The sending half: FIFO lanes (one per channel name) served round-robin,
 * one frame per turn. A lane's head message starts only while fewer than
 * MAX_OPEN_MESSAGES are unfinished and the unfinished totals plus its own
 * stay within the in-flight budget; a started message always finishes, so
 * the rule cannot deadlock.
 */
export class Sender {
  #lanes = new Map();   // channel -> [{message, ticket}]
  #open = 0; #openBytes = 0;

  constructor({ maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES, maxOpenMessages = MAX_OPEN_MESSAGES,
    maxInFlightBytes = inFlightBudget(maxMessageBytes) } = {}) {
    this.maxOpenMessages = maxOpenMessages;
    this.maxInFlightBytes = maxInFlightBytes;
  }

  get openCount() { return this.#open; }
  get openBytes() { return this.#openBytes; }
  get idle() { return this.#lanes.size === 0; }

  /** Queues `message` behind the others of its lane; `ticket` comes back with its frames. */
  queue(lane, message, ticket) {
    const list = this.#lanes.get(lane) ?? this.#lanes.set(lane, []).get(lane);
    list.push({ message, ticket });
  }

  /**
   * The next frame to send as {frame, message, ticket}, or null when nothing
   * may go out now (every lane empty or waiting for room to start).
   */
  next() {
    for (const [name, list] of this.#lanes) {
      const { message, ticket } = list[0];
      if (!message.started) {
        if (this.#open >= this.maxOpenMessages || this.#openBytes + message.total > this.maxInFlightBytes) continue;
        this.#open++;
        this.#openBytes += message.total;
      }
      const frame = message.nextFrame();
      this.#lanes.delete(name);
      if (message.done) {
        list.shift();
        this.#open--;
        this.#openBytes -= message.total;
      }
      if (list.length) this.#lanes.set(name, list);  // to the back: round-robin
      return { frame, message, ticket };
    }
    return null;
  }

  /** Empties every lane; returns the tickets that were queued. */
  clear() {
    const tickets = [];
    for (const list of this.#lanes.values()) for (const { ticket } of list) tickets.push(ticket);
    this.#lanes.clear();
    this.#open = 0;
    this.#openBytes = 0;
    return tickets;
  }
}

/**
 * Puts frames back together. push(frame) returns
 *   {message: {channel, data, meta, total}} when a message completed,
 *   {progress: {channel, meta, received, total}} for a partial one,
 * and throws FrameError on anything malformed or over the limits (the
 * Reassembler is then unusable: its link must close). tick() is the stall
 * clock: call it every STALL_TICK_MS.
 */
export class Reassembler {
  #open = new Map();  // message number -> {channel, type, meta, total, chunks, received, idle, moved}
  #buffered = 0;      // payload bytes held for unfinished messages
  #reserved = 0;      // their declared totals

  /**
   * @param {{maxMessageBytes?: number, maxOpenMessages?: number, maxInFlightBytes?: number,
   *   channelLimits?: Record<string, number>, stallTicks?: number}} [options]
   *   channelLimits: a smaller limit for some channels (e.g. {'~ping': 64})
   */
  constructor({ maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES, maxOpenMessages = MAX_OPEN_MESSAGES,
    maxInFlightBytes = inFlightBudget(maxMessageBytes), channelLimits = {}, stallTicks = STALL_TICKS } = {}) {
    this.maxMessageBytes = maxMessageBytes;
    this.maxOpenMessages = maxOpenMessages;
    this.maxInFlightBytes = maxInFlightBytes;
    this.channelLimits = new Map(Object.entries(channelLimits));
    this.stallTicks = stallTicks;
  }

  /** Unfinished messages. */
  get openCount() { return this.#open.size; }
  /** Payload bytes held for unfinished messages (what a peer makes us keep). */
  get bufferedBytes() { return this.#buffered; }
  /** The declared totals of the unfinished messages (at most maxInFlightBytes). */
  get reservedBytes() { return this.#reserved; }

  push(input) {
    const frame = input instanceof Uint8Array ? input : new Uint8Array(input);
    if (frame.length < 5 || frame.length > FRAME_BYTES) throw new FrameError('malformed', `a frame of ${frame.length} bytes`);
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const flags = frame[0];
    if (flags & ~(FIRST | LAST)) throw new FrameError('malformed', 'unknown frame flags');
    const last = (flags & LAST) !== 0;
    if (!last && frame.length !== FRAME_BYTES) throw new FrameError('malformed', `a frame of ${frame.length} bytes that is not its message's last`);
    const number = view.getUint32(1);
    let at = 5, m;
    if (flags & FIRST) {
      if (this.#open.has(number)) throw new FrameError('malformed', `message ${number} started twice`);
      if (this.#open.size >= this.maxOpenMessages) throw new FrameError('openMessages', `more than ${this.maxOpenMessages} unfinished messages`);
      if (frame.length < at + 8) throw new FrameError('malformed', 'a truncated first frame');
      const total = view.getUint32(at); at += 4;
      if (total > this.maxMessageBytes) throw new FrameError('tooLarge', `a message of ${total} bytes is over the ${this.maxMessageBytes}-byte limit`);
      if (this.#reserved + total > this.maxInFlightBytes) {
        throw new FrameError('inFlight', `unfinished messages of ${this.#reserved + total} bytes in all are over the ${this.maxInFlightBytes}-byte budget`);
      }
      const type = frame[at++];
      if (type > PayloadType.JSON) throw new FrameError('malformed', `unknown payload type ${type}`);
      const nameLength = frame[at++];
      if (nameLength === 0 || frame.length < at + nameLength + 2) throw new FrameError('malformed', 'a truncated channel name');
      let channel, meta;
      try {
        channel = fromUtf8.decode(frame.subarray(at, at + nameLength)); at += nameLength;
        const metaLength = view.getUint16(at); at += 2;
        if (frame.length < at + metaLength) throw new FrameError('malformed', 'truncated meta');
        meta = metaLength ? JSON.parse(fromUtf8.decode(frame.subarray(at, at + metaLength))) : undefined;
        at += metaLength;
      } catch (err) {
        throw err instanceof FrameError ? err : new FrameError('malformed', `bad frame header: ${err.message}`);
      }
      const limit = this.channelLimits.get(channel);
      if (limit !== undefined && total > limit) throw new FrameError('tooLarge', `a ${channel} message of ${total} bytes (at most ${limit})`);
      m = { channel, type, meta, total, chunks: [], received: 0, idle: 0, moved: true };
      this.#open.set(number, m);
      this.#reserved += total;
    } else {
      m = this.#open.get(number);
      if (!m) throw new FrameError('malformed', `a frame of unknown message ${number}`);
    }
    const body = frame.subarray(at);
    if (m.received + body.length > m.total) throw new FrameError('malformed', `message ${number} is longer than announced`);
    if (last !== (m.received + body.length === m.total)) throw new FrameError('malformed', `message ${number} ends at the wrong length`);
    m.moved = true;
    if (!last) {
      m.chunks.push(body);
      m.received += body.length;
      this.#buffered += body.length;
      return { progress: { channel: m.channel, meta: m.meta, received: m.received, total: m.total } };
    }
    this.#open.delete(number);
    this.#buffered -= m.received;
    this.#reserved -= m.total;
    // The one allocation of the message's size, now that its bytes are here.
    const bytes = new Uint8Array(m.total);
    let offset = 0;
    for (const chunk of m.chunks) { bytes.set(chunk, offset); offset += chunk.length; }
    bytes.set(body, offset);
    m.chunks = null;
    let data;
    try { data = decodePayload(m.type, bytes); } catch (err) { throw new FrameError('malformed', `bad payload: ${err.message}`); }
    return { message: { channel: m.channel, data, meta: m.meta, total: m.total } };
  }

  /** One stall check: throws FrameError 'stalled' when a message got no frame for stallTicks checks in a row. */
  tick() {
    for (const [number, m] of this.#open) {
      m.idle = m.moved ? 0 : m.idle + 1;
      m.moved = false;
      if (m.idle >= this.stallTicks) {
        throw new FrameError('stalled', `message ${number} (${m.channel}) stopped at ${m.received} of ${m.total} bytes`);
      }
    }
  }
}
