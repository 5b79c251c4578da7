// Keeping an identity on this device (Identity#save, Identity.load): the
// recovery phrase, encrypted with AES-256-GCM under one of two keys, in an
// IndexedDB database of this origin ("cellgraph-identities").
//
//   'device'   a non-extractable WebCrypto AES-GCM key, generated here and
//              kept in the same IndexedDB record. Storage files or a backup
//              copied off the device do not yield the phrase (the key's
//              bytes never leave the browser's key store); any script that
//              runs in this origin can still ask the browser to decrypt.
//   'passkey'  a key derived with HKDF-SHA-256 from a WebAuthn passkey's PRF
//              output (salt: the credential id, info "cellgraph/identity/v1").
//              Nothing stored here decrypts without the authenticator and
//              its user verification: a script in this origin can only
//              unlock it by making the user confirm with the passkey.
//              Needs a browser and authenticator with the PRF extension;
//              without it, save() rejects with INVALID_ARGUMENT and stores nothing.
import { CellgraphError } from './core/errors.js';

const DB = 'cellgraph-identities';
const STORE = 'identities';
const INFO = new TextEncoder().encode('cellgraph/identity/v1');
const PRF_SALT = new TextEncoder().encode('cellgraph/identity/prf/v1');

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function withStore(mode, fn) {
  if (typeof indexedDB === 'undefined') throw new CellgraphError('INTERNAL', 'keeping an identity needs IndexedDB');
  const open = indexedDB.open(DB, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  const db = await request(open);
  try {
    const tx = db.transaction(STORE, mode);
    const result = await fn(tx.objectStore(STORE));
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); tx.onabort = () => reject(tx.error); });
    return result;
  } finally {
    db.close();
  }
}

const checkName = (name) => {
  if (typeof name !== 'string' || name === '' || name.length > 256) {
    throw new CellgraphError('INVALID_ARGUMENT', 'a saved identity needs a name of 1 to 256 characters');
  }
};

async function passkeyKey(credentialId, prfOutput) {
  const base = await crypto.subtle.importKey('raw', prfOutput, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: credentialId, info: INFO }, base,
    { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

async function prfOf(credentialId) {
  const assertion = await navigator.credentials.get({
    publicKey: {
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      allowCredentials: [{ type: 'public-key', id: credentialId }],
      userVerification: 'required',
      extensions: { prf: { eval: { first: PRF_SALT } } },
    },
  });
  const first = /** @type {any} */ (assertion)?.getClientExtensionResults?.().prf?.results?.first;
  if (!first) throw new CellgraphError('INVALID_ARGUMENT', 'this passkey gave no PRF output: the browser or authenticator lacks the PRF extension');
  return new Uint8Array(first);
}

async function newPasskey(name, identityId) {
  if (typeof navigator === 'undefined' || !navigator.credentials?.create) {
    throw new CellgraphError('INVALID_ARGUMENT', 'this browser has no WebAuthn: use protect: "device"');
  }
  const credential = await navigator.credentials.create({
    publicKey: {
      rp: { name: 'cellgraph' },
      user: { id: Uint8Array.from(identityId.slice(0, 32).match(/../g), (x) => parseInt(x, 16)), name, displayName: name },
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -257 }],
      authenticatorSelection: { userVerification: 'required', residentKey: 'preferred' },
      extensions: { prf: { eval: { first: PRF_SALT } } },
    },
  });
  const ext = /** @type {any} */ (credential).getClientExtensionResults?.().prf;
  if (!ext?.enabled && !ext?.results?.first) {
    throw new CellgraphError('INVALID_ARGUMENT', 'this passkey does not offer the PRF extension: use protect: "device"');
  }
  const id = new Uint8Array(/** @type {any} */ (credential).rawId);
  const prf = ext.results?.first ? new Uint8Array(ext.results.first) : await prfOf(id);
  return { id, prf };
}

/** Encrypts and stores `phrase` under `name`. */
export async function saveIdentity(name, phrase, identityId, protect = 'device') {
  checkName(name);
  if (protect !== 'device' && protect !== 'passkey') throw new CellgraphError('INVALID_ARGUMENT', 'protect is "device" or "passkey"');
  /** @type {CryptoKey} */
  let key;
  /** @type {{protect: string, credentialId?: Uint8Array, key?: CryptoKey, iv?: Uint8Array, ciphertext?: Uint8Array, id?: string}} */
  let record;
  if (protect === 'passkey') {
    const { id, prf } = await newPasskey(name, identityId);
    key = await passkeyKey(id, prf);
    prf.fill(0);
    record = { protect, credentialId: id };
  } else {
    key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    record = { protect, key };
  }
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new TextEncoder().encode(phrase);
  record.iv = iv;
  record.ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: INFO }, key, data));
  record.id = identityId;
  data.fill(0);
  await withStore('readwrite', (s) => request(s.put(record, name)));
}

/** The phrase stored under `name` (asks for the passkey when it protects it); NOT_FOUND if none. */
export async function loadIdentity(name) {
  checkName(name);
  const record = await withStore('readonly', (s) => request(s.get(name)));
  if (!record) throw new CellgraphError('NOT_FOUND', `no identity is saved as "${name}" on this device`);
  let key = record.key;
  if (record.protect === 'passkey') {
    const prf = await prfOf(record.credentialId);
    key = await passkeyKey(record.credentialId, prf);
    prf.fill(0);
  }
  let plain;
  try {
    plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: record.iv, additionalData: INFO }, key, record.ciphertext);
  } catch {
    throw new CellgraphError('CORRUPT', `the identity saved as "${name}" does not decrypt (a different passkey, or damaged storage)`);
  }
  const bytes = new Uint8Array(plain);
  const phrase = new TextDecoder().decode(bytes);
  bytes.fill(0);
  return { phrase, id: record.id };
}

export async function forgetIdentity(name) {
  checkName(name);
  await withStore('readwrite', (s) => request(s.delete(name)));
}
