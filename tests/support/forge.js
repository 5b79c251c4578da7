// An independent implementation of what PROTOCOL.md §2, §3 and §10.1 say a
// signed op and an OPS message are, written from the text alone: BLAKE2b
// (RFC 7693) in plain JS, Ed25519 through node:crypto, MessagePack through
// js/core/msgpack.js. Tests use it to craft validly signed (or deliberately
// broken) ops as a hostile peer would; if the core accepts what it signs,
// the protocol text is enough to interoperate.
import { createPrivateKey, createPublicKey, sign as ed25519Sign } from 'node:crypto';
import { encode } from '../../js/core/msgpack.js';

const MASK = (1n << 64n) - 1n;
const IV = [
  0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
];
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];
const rotr = (x, n) => ((x >> BigInt(n)) | (x << BigInt(64 - n))) & MASK;

function compress(h, block, t, last) {
  const m = [];
  const view = new DataView(block.buffer, block.byteOffset, 128);
  for (let i = 0; i < 16; i++) m.push(view.getBigUint64(8 * i, true));
  const v = [...h, ...IV];
  v[12] ^= t & MASK;
  v[13] ^= t >> 64n;
  if (last) v[14] ^= MASK;
  const g = (a, b, c, d, x, y) => {
    v[a] = (v[a] + v[b] + x) & MASK; v[d] = rotr(v[d] ^ v[a], 32);
    v[c] = (v[c] + v[d]) & MASK; v[b] = rotr(v[b] ^ v[c], 24);
    v[a] = (v[a] + v[b] + y) & MASK; v[d] = rotr(v[d] ^ v[a], 16);
    v[c] = (v[c] + v[d]) & MASK; v[b] = rotr(v[b] ^ v[c], 63);
  };
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10];
    g(0, 4, 8, 12, m[s[0]], m[s[1]]); g(1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(2, 6, 10, 14, m[s[4]], m[s[5]]); g(3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(0, 5, 10, 15, m[s[8]], m[s[9]]); g(1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(2, 7, 8, 13, m[s[12]], m[s[13]]); g(3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (let i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

/** Unkeyed BLAKE2b (RFC 7693) of `data` with an `outBytes` digest (1..64). */
export function blake2b(data, outBytes = 32) {
  const h = [...IV];
  h[0] ^= 0x01010000n ^ BigInt(outBytes);
  const blocks = Math.max(1, Math.ceil(data.length / 128));
  for (let i = 0; i < blocks; i++) {
    const block = new Uint8Array(128);
    block.set(data.subarray(128 * i, 128 * (i + 1)));
    const last = i === blocks - 1;
    compress(h, block, BigInt(last ? data.length : 128 * (i + 1)), last);
  }
  const out = new Uint8Array(64);
  const view = new DataView(out.buffer);
  h.forEach((x, i) => view.setBigUint64(8 * i, x, true));
  return out.slice(0, outBytes);
}

const utf8 = (s) => new TextEncoder().encode(s);
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const u64 = (n) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
};
const field = (bytes) => concat(u64(bytes.length), bytes);

export const hex = (b) => Buffer.from(b).toString('hex');
export const unhex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));

/** §10.1: the id every signature of a room covers. */
export const databaseId = (app, room) => blake2b(concat(field(utf8('cellgraph/db/v1')), field(utf8(app)), field(utf8(room))));
export const leafHash = (signedBytes) => blake2b(concat(u64(0), field(signedBytes)));
export const nodeHash = (left, right) => blake2b(concat(u64(1), left, right));

export const OpType = Object.freeze({ PUT: 1, REMOVE: 2, LINK: 3, UNLINK: 4 });

const PKCS8_ED25519 = unhex('302e020100300506032b657004220420');

/** A signer from a 32-byte Ed25519 seed (or a 64-byte libsodium secret key, seed ‖ public key). */
export function signer(secret) {
  const seed = secret.subarray(0, 32);
  const key = createPrivateKey({ key: Buffer.from(concat(PKCS8_ED25519, seed)), format: 'der', type: 'pkcs8' });
  const publicKey = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32));
  return { publicKey, id: hex(publicKey), sign: (message) => new Uint8Array(ed25519Sign(null, message, key)) };
}

/**
 * An op as the first six envelope fields (§2): {type, id, value | target, wall, counter, peer}.
 * @returns the 7-element array a signature covers, author included
 */
function signedFields(op, author) {
  const arg = op.type === OpType.PUT ? op.value : op.type === OpType.REMOVE ? null : op.target;
  return [op.type, op.id, arg, op.wall, op.counter ?? 0, op.peer ?? 7, author];
}

/**
 * Signs `ops` as one group (1 to 64) by `by` for `database` (§10.1).
 * @returns envelopes as arrays ready for opsMessage(): [type, id, arg, wall, counter, peer, author, proof]
 */
export function signGroup(by, database, ops) {
  if (ops.length < 1 || ops.length > 64) throw new RangeError('a group has 1 to 64 ops');
  const fields = ops.map((op) => signedFields(op, by.publicKey));
  const levels = [fields.map((f) => leafHash(encode(f)))];
  while (levels.at(-1).length > 1) {
    const below = levels.at(-1), up = [];
    for (let i = 0; i + 1 < below.length; i += 2) up.push(nodeHash(below[i], below[i + 1]));
    if (below.length % 2 === 1) up.push(below.at(-1));
    levels.push(up);
  }
  const message = concat(utf8('cellgraph/ops/v1'), database, levels.at(-1)[0], Uint8Array.of(ops.length));
  const signature = by.sign(message);
  return fields.map((f, leaf) => {
    const path = [];
    let index = leaf;
    for (let level = 0; level + 1 < levels.length; level++, index = Math.floor(index / 2)) {
      const nodes = levels[level];
      if (index === nodes.length - 1 && nodes.length % 2 === 1) continue;
      path.push(nodes[index ^ 1]);
    }
    return [...f, concat(signature, Uint8Array.of(leaf, ops.length), ...path)];
  });
}

/** Each op signed alone (a group of one: proof = signature ‖ 0 ‖ 1). */
export const signEach = (by, database, ops) => ops.map((op) => signGroup(by, database, [op])[0]);

export const OpsMode = Object.freeze({ LIVE: 0, DELTA: 1, STATE: 2, REPAIR: 3 });

/**
 * An OPS message (§3): [2, 2, mode, epoch, firstSeq, lastSeq, final, [envelope...]].
 * A live batch claims `firstSeq`..firstSeq+n-1, exactly its envelopes.
 */
export function opsMessage(mode, envelopes, { epoch = 1, firstSeq = 1, lastSeq, final = false } = {}) {
  const last = lastSeq ?? (mode === OpsMode.LIVE || mode === OpsMode.DELTA ? firstSeq + envelopes.length - 1 : 0);
  return encode([2, 2, mode, epoch, mode === OpsMode.LIVE || mode === OpsMode.DELTA ? firstSeq : 0, last, final, envelopes]);
}

/** The grant record id of §10.2. */
export const grantId = (grantee, grantor, nonce) => `~grant/${grantee}/${grantor}/${nonce}`;
