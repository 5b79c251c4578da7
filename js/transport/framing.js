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
// Decoding never trusts a frame: sizes are checked against the limits and a
// violation is a FrameError; the link that sent it is closed.
export const FRAME_BYTES = 16 * 1024;
export const PayloadType = Object.freeze({ BYTES: 0, STRING: 1, JSON: 2 });

const FIRST = 1, LAST = 2;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export class FrameError extends Error {}

/** A payload as bytes plus its type; JSON for anything that is not bytes or a string. */
export function encodePayload(data) {
  if (data instanceof Uint8Array) return { type: PayloadType.BYTES, bytes: data };
  if (data instanceof ArrayBuffer) return { type: PayloadType.BYTES, bytes: new Uint8Array(data) };
  if (ArrayBuffer.isView(data)) return { type: PayloadType.BYTES, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  if (typeof data === 'string') return { type: PayloadType.STRING, bytes: utf8.encode(data) };
  const text = JSON.stringify(data);
  if (text === undefined) throw new TypeError('send() takes bytes, a string or a JSON value');
  return { type: PayloadType.JSON, bytes: utf8.encode(text) };
}

export function decodePayload(type, bytes) {
  if (type === PayloadType.BYTES) return bytes;
  const text = fromUtf8.decode(bytes);
  return type === PayloadType.STRING ? text : JSON.parse(text);
}

/**
 * The frames of one message, produced lazily so a sender can interleave
 * messages and stop when the channel's buffer is full.
 */
export class OutgoingMessage {
  constructor(number, channel, data, meta) {
    const name = utf8.encode(channel);
    if (name.length === 0 || name.length > 255) throw new TypeError('a channel name is 1 to 255 bytes of UTF-8');
    const metaBytes = meta === undefined ? new Uint8Array(0) : utf8.encode(JSON.stringify(meta));
    if (metaBytes.length > 4096) throw new TypeError('meta is at most 4 KiB of JSON');
    const { type, bytes } = encodePayload(data);
    this.number = number;
    this.total = bytes.length;
    this.sent = 0;
    this.#payload = bytes;
    this.#header = { type, name, metaBytes };
  }

  #payload; #header; #started = false;

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
    return frame;
  }
}

/**
 * Puts frames back together. push(frame) returns
 *   {message: {channel, data, meta}} when a message completed,
 *   {progress: {channel, meta, received, total}} for a partial one,
 * and throws FrameError on anything malformed or over the limits.
 */
export class Reassembler {
  #open = new Map();  // message number -> {channel, type, meta, total, bytes, received}

  constructor({ maxMessageBytes = 64 * 1024 * 1024, maxOpenMessages = 64 } = {}) {
    this.maxMessageBytes = maxMessageBytes;
    this.maxOpenMessages = maxOpenMessages;
  }

  push(input) {
    const frame = input instanceof Uint8Array ? input : new Uint8Array(input);
    if (frame.length < 5 || frame.length > FRAME_BYTES) throw new FrameError(`a frame of ${frame.length} bytes`);
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const flags = frame[0];
    if (flags & ~(FIRST | LAST)) throw new FrameError('unknown frame flags');
    const number = view.getUint32(1);
    let at = 5, m;
    if (flags & FIRST) {
      if (this.#open.has(number)) throw new FrameError(`message ${number} started twice`);
      if (this.#open.size >= this.maxOpenMessages) throw new FrameError('too many messages in flight');
      if (frame.length < at + 8) throw new FrameError('a truncated first frame');
      const total = view.getUint32(at); at += 4;
      if (total > this.maxMessageBytes) throw new FrameError(`a message of ${total} bytes is over the ${this.maxMessageBytes}-byte limit`);
      const type = frame[at++];
      if (type > PayloadType.JSON) throw new FrameError(`unknown payload type ${type}`);
      const nameLength = frame[at++];
      if (nameLength === 0 || frame.length < at + nameLength + 2) throw new FrameError('a truncated channel name');
      let channel, meta;
      try {
        channel = fromUtf8.decode(frame.subarray(at, at + nameLength)); at += nameLength;
        const metaLength = view.getUint16(at); at += 2;
        if (frame.length < at + metaLength) throw new FrameError('truncated meta');
        meta = metaLength ? JSON.parse(fromUtf8.decode(frame.subarray(at, at + metaLength))) : undefined;
        at += metaLength;
      } catch (err) {
        throw err instanceof FrameError ? err : new FrameError(`bad frame header: ${err.message}`);
      }
      m = { channel, type, meta, total, bytes: new Uint8Array(total), received: 0 };
      this.#open.set(number, m);
    } else {
      m = this.#open.get(number);
      if (!m) throw new FrameError(`a frame of unknown message ${number}`);
    }
    const body = frame.subarray(at);
    if (m.received + body.length > m.total) throw new FrameError(`message ${number} is longer than announced`);
    m.bytes.set(body, m.received);
    m.received += body.length;
    const last = (flags & LAST) !== 0;
    if (last !== (m.received === m.total)) throw new FrameError(`message ${number} ends at the wrong length`);
    if (!last) return { progress: { channel: m.channel, meta: m.meta, received: m.received, total: m.total } };
    this.#open.delete(number);
    let data;
    try { data = decodePayload(m.type, m.bytes); } catch (err) { throw new FrameError(`bad payload: ${err.message}`); }
    return { message: { channel: m.channel, data, meta: m.meta, total: m.total } };
  }
}
