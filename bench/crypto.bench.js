// Ed25519 sign and verify in the wasm core under Node (µs per operation).
import { loadRtc } from '../js/core/module.js';
import { ed25519KeyPair, ed25519Sign, ed25519Verify, schnorrPublicKey, schnorrSign, schnorrVerify, sha256 } from '../js/core/rtc-abi.js';

const core = await loadRtc();
const { publicKey, secretKey } = ed25519KeyPair(core);
const msg = new Uint8Array(256).fill(7);
const sig = ed25519Sign(core, msg, secretKey);

function time(label, n, fn) {
  for (let i = 0; i < 50; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`${label.padEnd(28)} ${us.toFixed(1).padStart(8)} µs/op`);
}
time('wasm ed25519 sign (256 B)', 2000, () => ed25519Sign(core, msg, secretKey));
time('wasm ed25519 verify (256 B)', 2000, () => ed25519Verify(core, msg, sig, publicKey));

// BIP-340 Schnorr (the mesh's signatures: bindings/rtc_abi.cc signs a
// 32-byte digest per own entry and per FLOOD sent, and verifies once per
// FLOOD received and per new member incarnation).
let schnorrSecret, schnorrKey;
for (;;) {
  schnorrSecret = crypto.getRandomValues(new Uint8Array(32));
  try { schnorrKey = schnorrPublicKey(core, schnorrSecret); break; } catch { /* out of range: draw again */ }
}
const digest = sha256(core, msg);
const schnorrSig = schnorrSign(core, schnorrSecret, digest, null);
time('wasm schnorr sign (digest)', 1000, () => schnorrSign(core, schnorrSecret, digest, null));
time('wasm schnorr verify (digest)', 1000, () => schnorrVerify(core, schnorrKey, digest, schnorrSig));
