// Ed25519 identities and signatures (libsodium).
//
// initCrypto() must succeed once before any other call here; it is cheap to
// call again. Secret keys are 64 bytes (libsodium's seed||public layout) and
// are wiped by SecretKey's destructor. verify() answers a question: a bad
// signature is `false`, never an error; only malformed sizes are errors.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/bytes.h"
#include "core/base/status.h"
#include "core/security/secret_bytes.h"

namespace cellgraph::security {

inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSecretKeyBytes = 64;
inline constexpr std::size_t kSeedBytes = 32;
inline constexpr std::size_t kSignatureBytes = 64;

using PublicKey = std::array<std::uint8_t, kPublicKeyBytes>;
using Signature = std::array<std::uint8_t, kSignatureBytes>;

// 64 bytes of key material, zeroed when destroyed.
using SecretKey = SecretBytes<kSecretKeyBytes>;

struct KeyPair {
  PublicKey publicKey;
  SecretKey secretKey;
};

Status initCrypto();

// Zeroes a buffer that held key material, in a way the optimizer keeps.
void wipe(Bytes& secret);

KeyPair generateKeyPair();
Result<KeyPair> keyPairFromSeed(ByteView seed);
Result<Signature> sign(ByteView message, ByteView secretKey);
// Sizes are checked; a wrong-size signature or key is simply "does not verify".
bool verify(ByteView message, ByteView signature, ByteView publicKey);

}  // namespace cellgraph::security
