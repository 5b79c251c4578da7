// Everything secret or signed about a room, computed by the wasm core:
// the room's topic and event kind, the key that seals signaling payloads,
// and this peer's Nostr identity (a BIP-340 key pair made fresh per open).
//
//   topic = hex(SHA-256("cellgraph/topic/v1" 0 app 0 room))   the `x` tag
//   kind  = 20000 + (first two topic bytes mod 10000)          ephemeral range
//   key   = core deriveRoomKey(app, room, password)            Argon2id with a password
//
// The topic and kind do not depend on the password: a peer with the wrong
// password sees the room's events but can open none of them (a sealed
// payload is authenticated), so it never learns an SDP or connects. Without
// a password the key follows from app and room alone and only hides
// payloads from relay operators who do not know the room's name.
import { loadRtc } from '../core/module.js';
import { toHex, fromHex } from '../core/hex.js';
import { sha256, deriveRoomKey, schnorrPublicKey, schnorrSign, schnorrVerify, sealRoom, openRoom } from '../core/rtc-abi.js';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
// NIP-01 hex: lowercase, of a known length.
const isHex = (text, bytes) => typeof text === 'string' && text.length === 2 * bytes && !/[^0-9a-f]/.test(text);
const toBase64 = (b) => btoa(Array.from(b, (x) => String.fromCharCode(x)).join(''));
function fromBase64(text) {
  try { return Uint8Array.from(atob(text), (c) => c.charCodeAt(0)); } catch { return null; }
}

export class RoomKeys {
  /** @param {{app?: string, room: string, password?: string}} options */
  static async derive({ app = 'cellgraph', room, password = '' }) {
    const core = await loadRtc();
    const topicBytes = sha256(core, utf8.encode(`cellgraph/topic/v1\0${app}\0${room}`));
    const key = deriveRoomKey(core, app, room, password);
    let secret, publicKey;
    for (;;) {  // a random 32-byte string is a valid secret key with overwhelming probability
      secret = crypto.getRandomValues(new Uint8Array(32));
      try { publicKey = schnorrPublicKey(core, secret); break; } catch { /* out of range: draw again */ }
    }
    return new RoomKeys(core, { topic: toHex(topicBytes), kind: 20000 + (((topicBytes[0] << 8) | topicBytes[1]) % 10000), key, secret, publicKey });
  }

  #core; #key; #secret;

  constructor(core, { topic, kind, key, secret, publicKey }) {
    this.#core = core;
    this.#key = key;
    this.#secret = secret;
    this.topic = topic;
    this.kind = kind;
    this.pubkey = toHex(publicKey);
  }

  /** NIP-01 id of an event (hex SHA-256 of its canonical serialization). */
  eventId(e) {
    const serialized = JSON.stringify([0, e.pubkey, e.created_at, e.kind, e.tags, e.content]);
    return toHex(sha256(this.#core, utf8.encode(serialized)));
  }

  /** A complete, signed NIP-01 event from this peer. */
  sign({ kind = this.kind, tags, content, createdAt = Math.floor(Date.now() / 1000) }) {
    const event = { pubkey: this.pubkey, created_at: createdAt, kind, tags, content };
    event.id = this.eventId(event);
    const aux = crypto.getRandomValues(new Uint8Array(32));
    event.sig = toHex(schnorrSign(this.#core, this.#secret, fromHex(event.id), aux));
    return event;
  }

  /** True when the id matches the content and the signature is the pubkey's. */
  verify(e) {
    if (!isHex(e.pubkey, 32) || !isHex(e.sig, 64) || !isHex(e.id, 32)) return false;
    if (this.eventId(e) !== e.id) return false;
    return schnorrVerify(this.#core, fromHex(e.pubkey), fromHex(e.id), fromHex(e.sig));
  }

  /**
   * Hands a copy of this peer's secret key to `fn`, which must give it to the
   * core at once (the mesh's signer, bindings/rtc_abi.cc, keeps its
   * own wiped copy), and zeroes that copy when `fn` returns. Returns what
   * `fn` returns. Never log or keep what `fn` is given.
   */
  useSecret(fn) {
    const copy = this.#secret.slice();
    try { return fn(copy); } finally { copy.fill(0); }
  }

  /** Seals a JSON value for the room: base64(nonce || secretbox). */
  seal(value) {
    return toBase64(sealRoom(this.#core, this.#key, utf8.encode(JSON.stringify(value))));
  }

  /** Opens a sealed payload; null when it was not sealed with this room's key or is not JSON. */
  open(content) {
    const sealed = fromBase64(content);
    if (!sealed) return null;
    try { return JSON.parse(fromUtf8.decode(openRoom(this.#core, this.#key, sealed))); } catch { return null; }
  }
}
