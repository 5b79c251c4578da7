// What only cellgraph-rtc has, seen from JS (bindings/rtc_abi.cc): the
// rooms' and identities' crypto and the cellular mesh. Every function takes
// the loaded rtc module first and throws a CellgraphError (the core's code,
// or INVALID_ARGUMENT for an argument of the wrong type). Internal to the
// library; the function tables match rtc_abi.cc's.
import { CellgraphError } from './errors.js';
import { toHeap, reply, replyText, secretReply } from './abi.js';
import { decode } from './msgpack.js';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

const Fn = Object.freeze({
  ED25519_KEY_PAIR: 1, ED25519_KEY_PAIR_FROM_SEED: 2, ED25519_SIGN: 3, ED25519_VERIFY: 4,
  MNEMONIC_NEW: 5, MNEMONIC_CHECK: 6, IDENTITY_FROM_MNEMONIC: 7,
  SCHNORR_PUBLIC_KEY: 8, SCHNORR_SIGN: 9, SCHNORR_VERIFY: 10, SHA256: 11,
  DERIVE_ROOM_KEY: 12, SEAL_ROOM: 13, OPEN_ROOM: 14,
});

const MeshFn = Object.freeze({
  STATUS: 1, LINK_UP: 2, LINK_DOWN: 3, HEARD: 4, TICK: 5, LEAVE: 6,
  SHOULD_ANNOUNCE: 7, RECEIVE: 8, SEND: 9, TAKE: 10, STATE: 11,
});

/** `value` as bytes for the core: a Uint8Array as it is, else INVALID_ARGUMENT naming it. */
function bytesArg(value, what) {
  if (value instanceof Uint8Array) return value;
  throw new CellgraphError('INVALID_ARGUMENT', `${what} must be a Uint8Array`);
}

/** A string argument as UTF-8; an optional one may be undefined or null (the empty string). */
function textArg(value, what, optional = false) {
  if (optional && (value === undefined || value === null)) return null;
  if (typeof value === 'string') return utf8.encode(value);
  throw new CellgraphError('INVALID_ARGUMENT', `${what} must be a string`);
}

/** One cg_crypto call with up to three byte arguments, each copied into the heap (the core wipes and frees it). */
function call(core, fn, a, b, c) {
  const pa = toHeap(core, a), pb = toHeap(core, b), pc = toHeap(core, c);
  return core._cg_crypto(fn, pa, a?.length ?? 0, pb, b?.length ?? 0, pc, c?.length ?? 0);
}

const flag = (core, code) => reply(core, code)[0] === 1;
/** Splits public ‖ secret, wiping the joined copy. */
function keyPair(both) {
  const pair = { publicKey: both.slice(0, 32), secretKey: both.slice(32) };
  both.fill(0);
  return pair;
}
const allBytes = (...values) => values.every((v) => v instanceof Uint8Array);

/** A fresh Ed25519 key pair {publicKey (32 bytes), secretKey (64)}. */
export const ed25519KeyPair = (core) => keyPair(secretReply(core, call(core, Fn.ED25519_KEY_PAIR)));

/** The Ed25519 key pair of a 32-byte seed. */
export const ed25519KeyPairFromSeed = (core, seed) =>
  keyPair(secretReply(core, call(core, Fn.ED25519_KEY_PAIR_FROM_SEED, bytesArg(seed, 'seed'))));

/** The 64-byte signature of `message` under a 64-byte secret key. */
export const ed25519Sign = (core, message, secretKey) =>
  reply(core, call(core, Fn.ED25519_SIGN, bytesArg(message, 'message'), bytesArg(secretKey, 'secretKey')));

/** Whether `signature` is `publicKey`'s over `message`; false for anything that is not bytes. */
export const ed25519Verify = (core, message, signature, publicKey) =>
  allBytes(message, signature, publicKey) && flag(core, call(core, Fn.ED25519_VERIFY, message, signature, publicKey));

/** 12 fresh BIP-39 words (core/security/mnemonic.h). */
export const mnemonicNew = (core) => fromUtf8.decode(secretReply(core, call(core, Fn.MNEMONIC_NEW)));

/** Nothing if `phrase` is a valid recovery phrase; INVALID_ARGUMENT saying what is wrong otherwise. */
export function mnemonicCheck(core, phrase) {
  reply(core, call(core, Fn.MNEMONIC_CHECK, textArg(phrase, 'phrase')));
}

/** The Ed25519 key pair a recovery phrase stands for. */
export const identityFromMnemonic = (core, phrase, passphrase = '') => keyPair(secretReply(core,
  call(core, Fn.IDENTITY_FROM_MNEMONIC, textArg(phrase, 'phrase'), textArg(passphrase, 'passphrase', true))));

/** The x-only BIP-340 public key (32 bytes) of a 32-byte secret key. */
export const schnorrPublicKey = (core, secretKey) =>
  reply(core, call(core, Fn.SCHNORR_PUBLIC_KEY, bytesArg(secretKey, 'secretKey')));

/** A BIP-340 signature of a 32-byte message; auxRand (32 bytes) is drawn when absent. */
export function schnorrSign(core, secretKey, message32, auxRand32) {
  const aux = auxRand32 === undefined || auxRand32 === null ? null : bytesArg(auxRand32, 'auxRand');
  // An empty array would reach the core as no argument, which draws randomness.
  if (aux?.length === 0) throw new CellgraphError('INVALID_ARGUMENT', 'auxRand must be 32 bytes');
  return reply(core, call(core, Fn.SCHNORR_SIGN, bytesArg(secretKey, 'secretKey'), bytesArg(message32, 'message'), aux));
}

/** Whether `signature` is a BIP-340 signature by `publicKey` of `message32`; false for anything that is not bytes. */
export const schnorrVerify = (core, publicKey, message32, signature) =>
  allBytes(publicKey, message32, signature) && flag(core, call(core, Fn.SCHNORR_VERIFY, publicKey, message32, signature));

/** SHA-256 of `bytes`. */
export const sha256 = (core, bytes) => reply(core, call(core, Fn.SHA256, bytesArg(bytes, 'bytes')));

/** The 32-byte key of a room (core/security/room_crypto.h); password may be absent. */
export const deriveRoomKey = (core, app, room, password) => secretReply(core, call(core, Fn.DERIVE_ROOM_KEY,
  textArg(app, 'app'), textArg(room, 'room'), textArg(password, 'password', true)));

/** 24-byte random nonce ‖ secretbox of `plaintext` under the room key. */
export const sealRoom = (core, key, plaintext) =>
  reply(core, call(core, Fn.SEAL_ROOM, bytesArg(key, 'key'), bytesArg(plaintext, 'plaintext')));

/** The plaintext of what sealRoom sealed; CORRUPT when it does not open under `key`. */
export const openRoom = (core, key, sealed) =>
  secretReply(core, call(core, Fn.OPEN_ROOM, bytesArg(key, 'key'), bytesArg(sealed, 'sealed')));

/** {name: number} of every code the core defines (core/base/status.h), for tests. */
export function coreCodes(core) {
  const codes = {};
  for (let n = 0; ; n++) {
    const code = core._cg_code_name(n);
    if (code !== 0) return codes;
    codes[replyText(core, code)] = n;
  }
}

/**
 * One cellular mesh (core/mesh/mesh.h) as a JS object; delete() frees it.
 * `self` is this peer's id (x-only public key, hex) and `secretKey` its
 * 32-byte BIP-340 secret, which the core keeps; a secret that is not self's
 * is INVALID_ARGUMENT. `now` is performance.now().
 */
export class Mesh {
  #core; #handle;

  constructor(core, self, secretKey, cellSize, now) {
    const id = utf8.encode(String(self));
    const secret = bytesArg(secretKey, "the mesh's secret key");
    this.#core = core;
    this.#handle = core._cg_mesh_new(toHeap(core, id), id.length, toHeap(core, secret), secret.length, cellSize, now);
    try { this.#call(MeshFn.STATUS); } catch (err) { this.delete(); throw err; }
  }

  linkUp(peer, now) { this.#call(MeshFn.LINK_UP, peer, null, now); }
  linkDown(peer, now) { this.#call(MeshFn.LINK_DOWN, peer, null, now); }
  heard(peer, now) { this.#call(MeshFn.HEARD, peer, null, now); }
  tick(now) { this.#call(MeshFn.TICK, '', null, now); }
  leave(now) { this.#call(MeshFn.LEAVE, '', null, now); }
  shouldAnnounce() { return this.#call(MeshFn.SHOULD_ANNOUNCE)[0] === 1; }

  /** Takes a frame from `peer`'s link; a refused one is the core's error (counted in stats). */
  receive(peer, bytes, now) { this.#call(MeshFn.RECEIVE, peer, bytesArg(bytes, 'frame'), now); }

  /** Sends `payload` to `target` ('' for the whole room); the message's id, a decimal string. */
  send(target, payload, now) {
    return fromUtf8.decode(this.#call(MeshFn.SEND, target, bytesArg(payload, 'payload'), now));
  }

  /**
   * Everything the mesh wants done: {frames: [[peer, bytes]], deliveries:
   * [{origin, payload, hops, directed}], dials: [peer], hangups: [peer]}. A
   * frame relayed to many links is one Uint8Array (the links only read it).
   */
  take() {
    const [frames, bins, deliveries, dials, hangups] = decode(this.#call(MeshFn.TAKE));
    return {
      frames: frames.map(([peer, bin]) => [peer, bins[bin]]),
      deliveries: deliveries.map(([origin, payload, hops, directed]) => ({ origin, payload, hops, directed })),
      dials,
      hangups,
    };
  }

  /** {self, cell, cellSize, members, bridges, isBridge, roster, links, wanted, ttl, incarnation, stats}. */
  state() { return decode(this.#call(MeshFn.STATE)); }

  delete() {
    if (this.#handle) this.#core._cg_mesh_delete(this.#handle);
    this.#handle = 0;
  }

  #call(method, text = '', bytes = null, now = 0) {
    if (!this.#handle) throw new CellgraphError('CLOSED', 'the mesh was deleted');
    const core = this.#core;
    const t = text ? utf8.encode(text) : null;
    const pt = toHeap(core, t), pb = toHeap(core, bytes);
    return reply(core, core._cg_mesh_call(this.#handle, method, pt, t?.length ?? 0, pb, bytes?.length ?? 0, now));
  }
}
