// Proofs shared inside one OPS message (PROTOCOL.md §3 "Proof groups").
//
// A signed op stands alone: its proof holds its group's signature and the
// Merkle path to the signed root (security/op_signature.h), about 290
// bytes with the author, four times the op itself. Ops of one group mostly
// travel together, so an OPS message may carry each group once, in a table
// after its envelopes: author, signature, count and only the tree nodes the
// message's own leaves cannot rebuild. Each member envelope then names its
// group and leaf instead of carrying author and proof. The receiver rebuilds
// every member's standalone proof before anything else sees the envelope, so
// the gate, the store and every later message deal in standalone proofs
// only, and a rebuilt proof is byte for byte the one the author made.
//
// Nothing here checks a signature: a table that lies rebuilds proofs that
// fail in the gate (opsForged), exactly as lying standalone proofs would.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/status.h"
#include "core/crdt/envelope.h"
#include "core/security/op_signature.h"

namespace cellgraph::sync {

// Collects the groups of one message as its envelopes are packed.
// peek() then commit() for each envelope that will go in; peek() alone
// changes nothing, so a caller can size the envelope first.
class ProofGroupsBuilder {
 public:
  // The reference `e` would get, or nullopt when it travels standalone:
  // no well-formed proof, or its leaf is already in this message.
  std::optional<crdt::ProofRef> peek(const crdt::Envelope& e) const;
  // Records `e` under `ref` (from peek() of the same envelope, unchanged since).
  void commit(const crdt::Envelope& e, const crdt::ProofRef& ref);
  bool empty() const { return groups_.empty(); }
  // The table's packed size as pack() writes it: exact.
  std::size_t packedBytes() const;
  void pack(crdt::Packer& pk) const;
  Bytes packed() const;
  void clear();

  // What one envelope can add to packedBytes() beyond its reference: a new
  // group entry with a full path.
  static constexpr std::size_t kMaxEntryBytes = 1 + 34 + 66 + 1 + 3 + 32 * 6 + 4;

 private:
  static constexpr std::size_t kMaxNodes = 2 * security::kMaxGroup - 1;
  struct Group {
    Bytes author;
    std::array<std::uint8_t, 64> signature{};
    std::uint8_t count = 0;
    std::array<bool, kMaxNodes> known{};   // a member's leaf lies below
    std::array<bool, kMaxNodes> needed{};  // a sibling of a known node, not known itself
    std::array<security::Digest, kMaxNodes> value{};  // of needed nodes
    std::size_t neededCount = 0;
  };
  static std::string keyOf(const crdt::Envelope& e);
  static std::size_t entryBytes(const Group& g);
  std::vector<Group> groups_;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::size_t entriesBytes_ = 0;
};

// Gives every envelope with a reference (refs[i]) its author and standalone
// proof from `table` (the OPS message's ninth field). Fails, changing
// nothing the caller keeps, on any reference or entry that does not fit:
// an unknown group, a leaf twice, an entry no envelope names, too few or
// too many tree nodes.
Status expandProofGroups(const msgpack::object& table, std::vector<crdt::Envelope>& envelopes,
                         const std::vector<std::optional<crdt::ProofRef>>& refs);

}  // namespace cellgraph::sync
