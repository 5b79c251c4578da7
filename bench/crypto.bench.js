// Ed25519 sign and verify in the wasm core under Node (µs per operation).
import { loadRtc } from '../js/core/module.js';
import { check } from '../js/core/errors.js';

const core = await loadRtc();
const { publicKey, secretKey } = core.ed25519KeyPair();
const msg = new Uint8Array(256).fill(7);
const sig = check(core.ed25519Sign(msg, secretKey));

function time(label, n, fn) {
  for (let i = 0; i < 50; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`${label.padEnd(28)} ${us.toFixed(1).padStart(8)} µs/op`);
}
time('wasm ed25519 sign (256 B)', 2000, () => core.ed25519Sign(msg, secretKey));
time('wasm ed25519 verify (256 B)', 2000, () => core.ed25519Verify(msg, sig, publicKey));

// BIP-340 Schnorr (the mesh's signatures: bindings/mesh_bindings.cc signs a
// 32-byte digest per own entry and per FLOOD sent, and verifies once per
// FLOOD received and per new member incarnation).
let schnorrSecret, schnorrKey;
for (;;) {
  schnorrSecret = crypto.getRandomValues(new Uint8Array(32));
  const pk = core.schnorrPublicKey(schnorrSecret);
  if (pk.code === 0) { schnorrKey = pk.value; break; }
}
const digest = core.sha256(msg);
const schnorrSig = check(core.schnorrSign(schnorrSecret, digest, null));
time('wasm schnorr sign (digest)', 1000, () => core.schnorrSign(schnorrSecret, digest, null));
time('wasm schnorr verify (digest)', 1000, () => core.schnorrVerify(schnorrKey, digest, schnorrSig));
