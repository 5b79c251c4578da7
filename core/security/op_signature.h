// Signatures on ops, made in groups: one Ed25519 signature covers up to
// kMaxGroup ops of one write, and each op carries a proof that stands alone
// (its signature, its place in the group and the Merkle path to the signed
// root), so an op can be verified alone wherever it travels (live, delta,
// reconciliation, full state) while a batch costs one signature to make and,
// through ProofVerifier's cache, one to check. Formats: PROTOCOL.md §10.
//
//   leaf  = BLAKE2b-256(u64 0 ‖ len ‖ signedBytes(envelope))   (u64: 8 bytes big-endian)
//   node  = BLAKE2b-256(u64 1 ‖ left ‖ right)   (an odd last node moves up as is)
//   signed message = "cellgraph/ops/v1" ‖ databaseId ‖ root ‖ count
//   proof = signature(64) ‖ index(1) ‖ count(1) ‖ path(32 × levels)
//
// signedBytes (crdt/envelope.h) cover the op, its clock and its author; the
// database id (app and room) is in the signed message, so nothing signed
// for one room verifies in another. Leaves name no database, so a proof's
// path can be rebuilt from the leaves alone (sync/proof_groups.h).
// initCrypto() (ed25519.h) must have succeeded.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/status.h"

namespace cellgraph::security {

using Digest = std::array<std::uint8_t, 32>;

inline constexpr std::size_t kMaxGroup = 64;
inline constexpr std::size_t kMaxProofBytes = 64 + 2 + 32 * 6;

// BLAKE2b-256 over ("cellgraph/db/v1", app, room), each length-prefixed.
Digest databaseId(std::string_view app, std::string_view room);

Digest leafHash(ByteView signedBytes);
Digest nodeHash(const Digest& left, const Digest& right);

// One proof per leaf, in order. 1 to kMaxGroup leaves; `secretKey` is 64 bytes.
Result<std::vector<Bytes>> signGroup(const Digest& database, ByteView secretKey, const std::vector<Digest>& leaves);

// Checks proofs, remembering the roots whose signatures it has checked
// (keyed by author and signature, `cacheEntries` of them, oldest forgotten
// first), so the other ops of a group cost hashing only. A proof for
// another leaf under a cached signature must fold to the same root.
class ProofVerifier {
 public:
  explicit ProofVerifier(std::size_t cacheEntries = 4'096) : capacity_(cacheEntries ? cacheEntries : 1) {}
  bool verify(const Digest& database, ByteView author, const Digest& leaf, ByteView proof);
  std::uint64_t signaturesChecked() const { return checked_; }

 private:
  std::size_t capacity_;
  std::unordered_map<std::string, Digest> roots_;
  std::deque<std::string> order_;
  std::uint64_t checked_ = 0;
};

}  // namespace cellgraph::security
