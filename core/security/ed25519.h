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

namespace cellgraph::security {

inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSecretKeyBytes = 64;
inline constexpr std::size_t kSeedBytes = 32;
inline constexpr std::size_t kSignatureBytes = 64;

using PublicKey = std::array<std::uint8_t, kPublicKeyBytes>;
using Signature = std::array<std::uint8_t, kSignatureBytes>;

// Owns 64 bytes of key material and zeroes them when destroyed.
class SecretKey {
 public:
  SecretKey();
  ~SecretKey();
  SecretKey(const SecretKey& other);
  SecretKey& operator=(const SecretKey& other);
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  ByteView view() const { return {bytes_.data(), bytes_.size()}; }

 private:
  std::array<std::uint8_t, kSecretKeyBytes> bytes_;
};

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
