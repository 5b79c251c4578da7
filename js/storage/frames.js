// The on-disk framing shared by every storage backend.
//
//   file    = magic (4 bytes) , version u32 , frame*
//   frame   = length u32 , crc32 u32 (of payload) , payload
//
// Integers are little-endian. Reading stops at the first frame that is
// incomplete or fails its checksum: that frame and everything after it is a
// torn or corrupt tail, reported in `dropped` bytes and never applied.

const VERSION = 1;
const MAX_FRAME = 64 << 20;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const magicBytes = (magic) => new TextEncoder().encode(magic);

/** File header: 4-byte magic ('CGSN' snapshot, 'CGLG' log) and the version. */
export function encodeHeader(magic) {
  const out = new Uint8Array(8);
  out.set(magicBytes(magic));
  new DataView(out.buffer).setUint32(4, VERSION, true);
  return out;
}

export function encodeFrame(payload) {
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32(payload), true);
  out.set(payload, 8);
  return out;
}

/**
 * @param {Uint8Array} bytes a whole file
 * @returns {{ok: boolean, frames: Uint8Array[], dropped: number, validLength: number}}
 *   ok is false when the header itself is missing or wrong.
 */
export function decodeFile(bytes, magic) {
  const want = magicBytes(magic);
  if (bytes.length < 8 || want.some((b, i) => bytes[i] !== b)) {
    return { ok: false, frames: [], dropped: bytes.length, validLength: 0 };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== VERSION) return { ok: false, frames: [], dropped: bytes.length, validLength: 0 };
  const frames = [];
  let pos = 8;
  while (pos + 8 <= bytes.length) {
    const length = view.getUint32(pos, true);
    const crc = view.getUint32(pos + 4, true);
    if (length > MAX_FRAME || pos + 8 + length > bytes.length) break;
    const payload = bytes.subarray(pos + 8, pos + 8 + length);
    if (crc32(payload) !== crc) break;
    frames.push(payload.slice());
    pos += 8 + length;
  }
  return { ok: true, frames, dropped: bytes.length - pos, validLength: pos };
}

/** A snapshot ends with this frame, so a snapshot cut at a frame boundary is never taken for whole. */
export const SNAPSHOT_END = new TextEncoder().encode('cellgraph:snapshot-end');
export const isSnapshotEnd = (frame) => frame.length === SNAPSHOT_END.length && frame.every((b, i) => b === SNAPSHOT_END[i]);

export function encodeSnapshot(payloads) {
  const parts = [encodeHeader('CGSN'), ...payloads.map(encodeFrame), encodeFrame(SNAPSHOT_END)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) { out.set(p, pos); pos += p.length; }
  return out;
}

/** @returns {Uint8Array[] | null} the snapshot's payloads, or null if it is incomplete or corrupt. */
export function decodeSnapshot(bytes) {
  const { ok, frames, dropped } = decodeFile(bytes, 'CGSN');
  if (!ok || dropped !== 0 || frames.length === 0 || !isSnapshotEnd(frames[frames.length - 1])) return null;
  return frames.slice(0, -1);
}
