// 128-bit BLAKE2b digests and the additive fingerprints built from them,
// plus SHA-256 for formats that fix it (Nostr event ids).
//
// Hash128 is a keyed-free BLAKE2b-128 of some bytes. Fingerprint sums item
// hashes modulo 2^128 and counts them: order-independent and incremental, so
// the fingerprint of a range is a difference of prefix sums.
#pragma once

#include <array>
#include <compare>
#include <cstdint>

#include "core/base/bytes.h"

namespace cellgraph {

struct Hash128 {
  std::uint64_t lo = 0, hi = 0;
  friend auto operator<=>(const Hash128&, const Hash128&) = default;
  Hash128& operator+=(const Hash128& o) {
    std::uint64_t l = lo + o.lo;
    hi += o.hi + (l < lo ? 1 : 0);
    lo = l;
    return *this;
  }
  Hash128& operator-=(const Hash128& o) {
    std::uint64_t l = lo - o.lo;
    hi -= o.hi + (lo < o.lo ? 1 : 0);
    lo = l;
    return *this;
  }
  friend Hash128 operator+(Hash128 a, const Hash128& b) { return a += b; }
  friend Hash128 operator-(Hash128 a, const Hash128& b) { return a -= b; }
  std::array<std::uint8_t, 16> toBytes() const;
  static Hash128 fromBytes(const std::uint8_t* p);
};

// Incremental BLAKE2b hasher. Feed fields with their lengths so that
// concatenations cannot collide ("ab"+"c" vs "a"+"bc").
class Hasher {
 public:
  explicit Hasher(std::size_t outBytes = 16);
  Hasher& bytes(ByteView b);
  Hasher& field(ByteView b);  // length-prefixed
  Hasher& u64(std::uint64_t v);
  Hash128 finish128();
  std::array<std::uint8_t, 32> finish256();

 private:
  alignas(64) std::uint8_t state_[384];
  std::size_t outBytes_;
};

// SHA-256 (libsodium crypto_hash_sha256). Only where an outside format
// requires it, e.g. a Nostr event id; our own hashing is BLAKE2b above.
std::array<std::uint8_t, 32> sha256(ByteView data);

struct Fingerprint {
  Hash128 sum;
  std::uint64_t count = 0;
  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};

}  // namespace cellgraph
