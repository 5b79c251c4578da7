// BIP-340 Schnorr signatures over secp256k1, as Nostr uses them (NIP-01:
// an event's id is a SHA-256 hash, its `sig` a BIP-340 signature of that id
// under the author's x-only public key).
//
// Contract:
//  * Secret keys are 32 bytes, a scalar in [1, n-1]; public keys are the
//    32-byte x-only form; messages are exactly 32 bytes (we only sign hashes;
//    BIP-340's variable-length messages are not offered); signatures are 64.
//  * schnorrPublicKey/schnorrSign return kInvalidArgument for a wrong size or
//    an invalid secret key, and kInternal if signing fails its own check.
//  * schnorrSign verifies the signature it made before returning it (as
//    BIP-340 recommends against fault attacks). auxRand32 is BIP-340's
//    auxiliary randomness: 32 fresh random bytes, or empty to have them drawn
//    from libsodium's randombytes. A fixed aux value (as in the test vectors)
//    still gives a secure signature, only without the side-channel hardening.
//  * schnorrVerify answers a question: a wrong size, a key that is not on the
//    curve or a bad signature is `false`, never an error.
//  * initCrypto() (ed25519.h) must have succeeded before signing, because the
//    shared secp256k1 context is randomized from libsodium's randombytes.
//    All functions are thread-safe: one process-wide context is created on
//    first use and only read afterwards.
//
// Why libsecp256k1: it is Bitcoin Core's library, audited, tested against
// the BIP-340 vectors and exhaustively on small curves, and constant-time for
// secret data; it is also the curve code Nostr relays and clients use to
// verify, so our signatures are checked by the same arithmetic that made
// them. A JavaScript BigInt implementation would be slower and cannot be
// constant-time (BigInt operations leak timing), and WebCrypto has no
// secp256k1 at all (only P-256/384/521, Ed25519 and X25519). The library is
// compiled by cmake/secp256k1.cmake from Debian's source package (fetched
// by scripts/setup.sh through apt, so no network fetch outside apt), with
// the same files and flags for the native and the wasm build.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/bytes.h"
#include "core/base/status.h"

namespace cellgraph::security {

inline constexpr std::size_t kSchnorrSecretKeyBytes = 32;
inline constexpr std::size_t kSchnorrPublicKeyBytes = 32;
inline constexpr std::size_t kSchnorrMessageBytes = 32;
inline constexpr std::size_t kSchnorrAuxRandBytes = 32;
inline constexpr std::size_t kSchnorrSignatureBytes = 64;

using SchnorrPublicKey = std::array<std::uint8_t, kSchnorrPublicKeyBytes>;
using SchnorrSignature = std::array<std::uint8_t, kSchnorrSignatureBytes>;

// The x-only public key of a secret key.
Result<SchnorrPublicKey> schnorrPublicKey(ByteView secretKey32);

// BIP-340 signature of a 32-byte message (e.g. a Nostr event id).
Result<SchnorrSignature> schnorrSign(ByteView secretKey32, ByteView message32, ByteView auxRand32);

bool schnorrVerify(ByteView publicKey32, ByteView message32, ByteView signature64);

}  // namespace cellgraph::security
