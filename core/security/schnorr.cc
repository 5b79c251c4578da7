#include "core/security/schnorr.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include <algorithm>
#include <string>

// core/security/secp256k1_tables.c: fills the library's tables; first.
extern "C" void cellgraph_secp256k1_compute_tables(void);

namespace cellgraph::security {
namespace {

// The process-wide context. Created once (a function-local static, so the
// first use from any thread initializes it exactly once) and never changed
// afterwards: libsecp256k1 allows concurrent calls on a const context.
struct SharedContext {
  secp256k1_context* ctx = nullptr;
  bool randomized = false;

  SharedContext() {
    cellgraph_secp256k1_compute_tables();
    ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    // Blinding for the signing code (side-channel hardening). Needs a random
    // seed, hence libsodium; sodium_init() is idempotent and thread-safe.
    if (ctx != nullptr && sodium_init() >= 0) {
      unsigned char seed[32];
      randombytes_buf(seed, sizeof seed);
      randomized = secp256k1_context_randomize(ctx, seed) == 1;
      sodium_memzero(seed, sizeof seed);
    }
  }
  ~SharedContext() {
    if (ctx != nullptr) secp256k1_context_destroy(ctx);
  }
  SharedContext(const SharedContext&) = delete;
  SharedContext& operator=(const SharedContext&) = delete;
};

const SharedContext& shared() {
  static const SharedContext context;
  return context;
}

// Wipes a keypair (it holds the secret scalar) when leaving scope.
struct KeypairGuard {
  secp256k1_keypair keypair;
  ~KeypairGuard() { sodium_memzero(&keypair, sizeof keypair); }
};

Status checkSecretKeySize(ByteView secretKey) {
  if (secretKey.size() != kSchnorrSecretKeyBytes) {
    return Status::invalidArgument("secp256k1 secret key must be 32 bytes, got " + std::to_string(secretKey.size()));
  }
  return {};
}

Status makeKeypair(const secp256k1_context* ctx, ByteView secretKey, secp256k1_keypair* out) {
  CG_RETURN_IF_ERROR(checkSecretKeySize(secretKey));
  if (secp256k1_keypair_create(ctx, out, secretKey.data()) != 1) {
    return Status::invalidArgument("secp256k1 secret key is zero or not below the curve order");
  }
  return {};
}

}  // namespace

Result<SchnorrPublicKey> schnorrPublicKey(ByteView secretKey32) {
  const SharedContext& sc = shared();
  if (sc.ctx == nullptr) return Status::internal("secp256k1 context could not be created");
  KeypairGuard kp;
  CG_RETURN_IF_ERROR(makeKeypair(sc.ctx, secretKey32, &kp.keypair));
  secp256k1_xonly_pubkey xonly;
  SchnorrPublicKey out;
  if (secp256k1_keypair_xonly_pub(sc.ctx, &xonly, nullptr, &kp.keypair) != 1 ||
      secp256k1_xonly_pubkey_serialize(sc.ctx, out.data(), &xonly) != 1) {
    return Status::internal("secp256k1 could not derive the x-only public key");
  }
  return out;
}

Result<SchnorrSignature> schnorrSign(ByteView secretKey32, ByteView message32, ByteView auxRand32) {
  const SharedContext& sc = shared();
  if (sc.ctx == nullptr) return Status::internal("secp256k1 context could not be created");
  if (!sc.randomized) return Status::internal("secp256k1 context is not randomized: initCrypto() has not succeeded");
  CG_RETURN_IF_ERROR(checkSecretKeySize(secretKey32));
  if (message32.size() != kSchnorrMessageBytes) {
    return Status::invalidArgument("schnorr message must be a 32-byte hash, got " + std::to_string(message32.size()));
  }
  if (!auxRand32.empty() && auxRand32.size() != kSchnorrAuxRandBytes) {
    return Status::invalidArgument("schnorr aux_rand must be 32 bytes (or empty), got " +
                                   std::to_string(auxRand32.size()));
  }
  std::array<std::uint8_t, kSchnorrAuxRandBytes> aux;
  if (auxRand32.empty()) {
    randombytes_buf(aux.data(), aux.size());
  } else {
    std::copy(auxRand32.begin(), auxRand32.end(), aux.begin());
  }

  KeypairGuard kp;
  CG_RETURN_IF_ERROR(makeKeypair(sc.ctx, secretKey32, &kp.keypair));
  SchnorrSignature sig;
  int signedOk = secp256k1_schnorrsig_sign32(sc.ctx, sig.data(), message32.data(), &kp.keypair, aux.data());
  sodium_memzero(aux.data(), aux.size());
  if (signedOk != 1) return Status::internal("secp256k1_schnorrsig_sign32 failed");

  // Check our own work before anything leaves: a fault during signing must
  // not publish a bad (or key-leaking) signature.
  secp256k1_xonly_pubkey xonly;
  if (secp256k1_keypair_xonly_pub(sc.ctx, &xonly, nullptr, &kp.keypair) != 1 ||
      secp256k1_schnorrsig_verify(sc.ctx, sig.data(), message32.data(), message32.size(), &xonly) != 1) {
    sodium_memzero(sig.data(), sig.size());
    return Status::internal("schnorr signature failed its own verification");
  }
  return sig;
}

bool schnorrVerify(ByteView publicKey32, ByteView message32, ByteView signature64) {
  if (publicKey32.size() != kSchnorrPublicKeyBytes || message32.size() != kSchnorrMessageBytes ||
      signature64.size() != kSchnorrSignatureBytes) {
    return false;
  }
  const SharedContext& sc = shared();
  if (sc.ctx == nullptr) return false;
  secp256k1_xonly_pubkey xonly;
  // Fails for an x that is >= p or has no point on the curve.
  if (secp256k1_xonly_pubkey_parse(sc.ctx, &xonly, publicKey32.data()) != 1) return false;
  return secp256k1_schnorrsig_verify(sc.ctx, signature64.data(), message32.data(), message32.size(), &xonly) == 1;
}

}  // namespace cellgraph::security
