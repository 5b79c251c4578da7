#include "core/security/ed25519.h"

#include <sodium.h>

#include <string>

namespace cellgraph::security {

Status initCrypto() {
  if (sodium_init() < 0) return Status::internal("sodium_init failed: no usable random source");
  return {};
}

void wipe(Bytes& secret) {
  if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
}

KeyPair generateKeyPair() {
  KeyPair kp;
  crypto_sign_keypair(kp.publicKey.data(), kp.secretKey.data());
  return kp;
}

Result<KeyPair> keyPairFromSeed(ByteView seed) {
  if (seed.size() != kSeedBytes) {
    return Status::invalidArgument("ed25519 seed must be 32 bytes, got " + std::to_string(seed.size()));
  }
  KeyPair kp;
  crypto_sign_seed_keypair(kp.publicKey.data(), kp.secretKey.data(), seed.data());
  return kp;
}

Result<Signature> sign(ByteView message, ByteView secretKey) {
  if (secretKey.size() != kSecretKeyBytes) {
    return Status::invalidArgument("ed25519 secret key must be 64 bytes, got " + std::to_string(secretKey.size()));
  }
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secretKey.data());
  return sig;
}

bool verify(ByteView message, ByteView signature, ByteView publicKey) {
  if (signature.size() != kSignatureBytes || publicKey.size() != kPublicKeyBytes) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), publicKey.data()) == 0;
}

}  // namespace cellgraph::security
