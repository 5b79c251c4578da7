// Identities: an Ed25519 key pair per user, named by its public key and
// recoverable from a BIP-39 recovery phrase (core/security/mnemonic.h). The
// key signs every op this user writes (PROTOCOL.md §10); it is distinct from
// the per-open key a room uses on the relays.
import { loadRtc } from './core/module.js';
import { CellgraphError } from './core/errors.js';
import { toHex } from './core/hex.js';
import { saveIdentity, loadIdentity, forgetIdentity } from './identity-store.js';

// The rtc build's crypto, imported with it on first use: a page with a local
// database that never makes an identity downloads neither.
let abi;
async function loadCrypto() {
  const [core, module] = await Promise.all([loadRtc(), import('./core/rtc-abi.js')]);
  abi = module;
  return core;
}

const normalize = (phrase) => String(phrase).normalize('NFKD').trim().toLowerCase().split(/\s+/).join(' ');

export class Identity {
  #phrase;
  #secretKey;

  /** @internal use Identity.create() or Identity.restore() */
  constructor(phrase, keyPair, token) {
    if (token !== Identity.#token) throw new CellgraphError('INVALID_ARGUMENT', 'use Identity.create() or Identity.restore(phrase)');
    this.#phrase = phrase;
    this.#secretKey = keyPair.secretKey;
    /** The public key, 64 hex digits: how peers, grants and roles name this user. */
    this.id = toHex(keyPair.publicKey);
    Object.freeze(this);
  }
  static #token = Symbol('identity');

  /** A new identity with a fresh 12-word recovery phrase. */
  static async create() {
    const core = await loadCrypto();
    return Identity.#from(core, abi.mnemonicNew(core));
  }

  /** The identity a recovery phrase stands for; a wrong word or checksum is INVALID_ARGUMENT. */
  static async restore(phrase) {
    if (typeof phrase !== 'string') throw new CellgraphError('INVALID_ARGUMENT', 'restore() takes the recovery phrase as a string');
    const core = await loadCrypto();
    const words = normalize(phrase);
    abi.mnemonicCheck(core, words);
    return Identity.#from(core, words);
  }

  static #from(core, phrase) {
    return new Identity(phrase, abi.identityFromMnemonic(core, phrase), Identity.#token);
  }

  /** The recovery phrase: whoever holds it can act as this user. Show it once; never send it. */
  exportPhrase() { return this.#phrase; }

  /**
   * Keeps this identity on this device under `name` (js/identity-store.js):
   * protect 'device' (default) encrypts it with a non-extractable WebCrypto
   * key; 'passkey' with a key only a new passkey's PRF output gives (the user
   * confirms with it to save and to load).
   */
  async save(name, { protect = 'device' } = {}) { await saveIdentity(name, this.#phrase, this.id, protect); }

  /** The identity saved under `name` on this device; NOT_FOUND if none, CORRUPT if it does not decrypt. */
  static async load(name) {
    const { phrase, id } = await loadIdentity(name);
    const identity = await Identity.restore(phrase);
    if (identity.id !== id) throw new CellgraphError('CORRUPT', `the identity saved as "${name}" is not the one it names`);
    return identity;
  }

  /** Deletes the identity saved under `name` on this device (its phrase elsewhere still restores it). */
  static async forget(name) { await forgetIdentity(name); }

  /** @internal the secret key, for the engine that signs with it */
  static secretKeyHex(identity) { return toHex(identity.#secretKey); }

  /** @internal signs `bytes` (a room's link handshake) with the loaded core. */
  static sign(identity, core, bytes) { return abi.ed25519Sign(core, bytes, identity.#secretKey); }

  toJSON() { return { id: this.id }; }
}
