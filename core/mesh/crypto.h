// Who said what in the mesh: the signer and verifier a host injects into
// Mesh (R2), and the digests that get signed.
//
// A peer id is a public key (in the browser a BIP-340 x-only key in hex,
// js/signaling/room-keys.js), so a signature names its signer with no
// certificate. Two things are signed, each as a 32-byte BLAKE2b digest of a
// domain-separated, length-prefixed encoding (memberDigest, floodDigest):
//   - a member's own entry: id, incarnation, state (alive or left, i.e. its
//     goodbye) and its own flags (degraded). Accusations by others (suspect,
//     evicted) are not signed but ride on an entry that is (roster.h);
//   - a FLOOD's kind, origin, target, id and body: not ttl or hops, which
//     relays rewrite in place (PROTOCOL §9).
// The bindings sign with Schnorr (core/security/schnorr.h); native tests and
// the simulator use FakeCrypto below.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/bytes.h"

namespace cellgraph::mesh {

// A signature travels as 1..64 bytes (BIP-340: exactly 64).
constexpr std::size_t kMaxSignatureBytes = 64;

using Digest = std::array<std::uint8_t, 32>;

class MeshCrypto {
 public:
  virtual ~MeshCrypto() = default;
  // This peer's signature of a digest; empty when it cannot sign (the
  // receivers then refuse what it sends).
  virtual Bytes sign(ByteView digest32) = 0;
  // True when `signature` is peerId's signature of digest32. An id that is
  // no key, or a signature of the wrong size, is false: never an error.
  virtual bool verify(std::string_view peerId, ByteView digest32, ByteView signature) = 0;
};

// What a member signs about itself: state is 0 alive, 1 left (its goodbye);
// ownFlags are the flags only it may set (kDegraded).
Digest memberDigest(std::string_view id, std::uint32_t incarnation, std::uint8_t state, std::uint8_t ownFlags);
// What an origin signs about a FLOOD; `to` nullopt for a broadcast.
Digest floodDigest(std::uint8_t kind, std::string_view origin, const std::optional<std::string>& to, std::uint64_t id,
                   ByteView body);

// NOT SECURE: a keyed-hash stand-in for signatures, for native tests, the
// simulator and the fuzzer. Every peer's secret derives from one room seed
// (so a verifier can recompute any tag), but a FakeCrypto signs only as the
// peer it was made for: a test's attacker holding FakeCrypto(seed, "mallory")
// cannot sign for anyone else through it. Tags are 15 bytes, which fit in
// std::string's inline buffer: the simulator's 10^8 roster entries at
// 10,000 peers allocate nothing for their signatures.
class FakeCrypto final : public MeshCrypto {
 public:
  static constexpr std::size_t kTagBytes = 15;
  FakeCrypto(std::uint64_t seed, std::string self) : seed_(seed), self_(std::move(self)) {}
  Bytes sign(ByteView digest32) override;
  bool verify(std::string_view peerId, ByteView digest32, ByteView signature) override;
  // The tag `peer` would make: for building a roster in tests (adoptRoster
  // trusts what it is given anyway).
  static Bytes tag(std::uint64_t seed, std::string_view peer, ByteView digest32);

 private:
  std::uint64_t seed_;
  std::string self_;
};

inline std::unique_ptr<MeshCrypto> fakeCrypto(std::string self, std::uint64_t seed = 1) {
  return std::make_unique<FakeCrypto>(seed, std::move(self));
}

}  // namespace cellgraph::mesh
