// The membership view of one peer: who is in the room, as far as it knows.
//
// A member is {id, key, incarnation, state, flags, sig}. `key` is the first
// 8 bytes of SHA-256(id), big-endian: where the member sits in the key space
// that cells are cut from (topology.h).
//
// Who may say what. A member's own claim at an incarnation is its state
// (alive, or left: its goodbye) and its own flags (kDegraded); `sig` is the
// member's signature of exactly that (crypto.h memberDigest), and only the
// member raises its incarnation. Others add accusations to an entry
// (kSuspect, kEvicted) without signing them, but an accusation only rides
// on an entry that carries the member's signature at that incarnation, so a
// claim such as "left at incarnation 4294967295" cannot be made for anyone
// but oneself. (The Roster stores what it is given; Mesh checks signatures
// before it applies an update from the wire.)
//
// Updates merge as a join-semilattice, so views that received the same
// updates in any order are equal: the lexicographic product of a total
// order on signed claims and a lattice of accusations:
//   - a higher incarnation wins;
//   - at equal incarnation the greater signed claim (state, own flags, sig)
//     wins: left beats alive; two different claims at one incarnation only
//     come from a member that signed both, and every view picks the same;
//   - at an equal signed claim, accusations are united (a suspicion sticks
//     until the member refutes it with a new incarnation).
// Members that left or were evicted stay as tombstones for `tombstoneMs`,
// so a late or replayed update of the same incarnation cannot bring them
// back.
//
// Storage: alive members in (key, id) order, in chunks of at most 2·kChunk,
// with a running count per chunk, so insert, erase and rank are O(√n)-ish
// at worst and O(log n + kChunk) in practice. The simulator keeps 10,000
// views of 10,000 members each; a flat sorted vector made every update a
// 160 KiB memmove per view.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cellgraph::mesh {

using PeerKey = std::uint64_t;

// First 8 bytes of SHA-256(id), big-endian.
PeerKey keyOf(std::string_view id);

// The member's own: kLeft is its goodbye. (An eviction is an accusation:
// kEvicted on an entry whose own state is still alive.)
enum class MemberState : std::uint8_t { kAlive = 0, kLeft = 1 };

enum MemberFlag : std::uint8_t {
  kSuspect = 1,   // accusation: a neighbour stopped hearing it; refuted by a new incarnation
  kDegraded = 2,  // its own (e.g. a hidden tab): no bridge duty
  kEvicted = 4,   // accusation: a neighbour heard nothing for evictMs
};
constexpr std::uint8_t kOwnFlags = kDegraded;
constexpr std::uint8_t kAccusations = kSuspect | kEvicted;
constexpr std::uint8_t kKnownFlags = kOwnFlags | kAccusations;

struct Member {
  PeerKey key = 0;
  std::string id;
  std::uint32_t incarnation = 0;
  MemberState state = MemberState::kAlive;
  std::uint8_t flags = 0;
  std::string sig;  // the member's signature of (id, incarnation, state, flags & kOwnFlags)

  bool alive() const { return state == MemberState::kAlive && !(flags & kEvicted); }
  bool demoted() const { return (flags & (kSuspect | kDegraded)) != 0; }
  // True when both carry the same signed claim (so one signature check covers both).
  bool sameClaim(const Member& o) const {
    return incarnation == o.incarnation && state == o.state && (flags & kOwnFlags) == (o.flags & kOwnFlags) && sig == o.sig;
  }
  friend bool operator==(const Member&, const Member&) = default;
};

// The lattice join of two updates about the same member.
Member mergeMembers(const Member& a, const Member& b);

class Roster {
 public:
  enum class Change : std::uint8_t { kNone, kJoined, kLeft, kUpdated };

  explicit Roster(std::int64_t tombstoneMs = 60'000) : tombstoneMs_(tombstoneMs) {}

  // Merges an update (key must be keyOf(id)). Returns what it changed.
  Change apply(const Member& update, std::int64_t now);

  std::size_t size() const { return total_; }  // alive members
  const Member* find(PeerKey key, std::string_view id) const;
  const Member* findId(std::string_view id) const { return find(keyOf(id), id); }
  const Member* tombstone(std::string_view id) const;
  // The alive entry or else the tombstone: what an update merges with.
  const Member* entry(PeerKey key, std::string_view id) const {
    const Member* m = find(key, id);
    return m ? m : tombstone(id);
  }
  std::size_t tombstones() const { return tombs_.size(); }

  // Alive members with key < k.
  std::size_t rank(PeerKey k) const;
  // Alive members in [lo, lo + 2^(64-depth)), i.e. under a key prefix.
  std::size_t countPrefix(PeerKey lo, unsigned depth) const;
  // Visits alive members under a key prefix, in key order.
  void forEachPrefix(PeerKey lo, unsigned depth, const std::function<void(const Member&)>& fn) const;
  void forEach(const std::function<void(const Member&)>& fn) const;
  void forEachTombstone(const std::function<void(const Member&)>& fn) const {
    for (const auto& [id, t] : tombs_) fn(t.member);
  }
  const Member& at(std::size_t rank) const;
  const Member* lowest() const { return total_ ? &chunks_.front().front() : nullptr; }
  // Order-independent hash of the alive members (key, incarnation, flags):
  // equal views have equal digests. Kept incrementally.
  std::uint64_t digest() const { return digest_; }

  // Every alive member and tombstone, for a snapshot to another peer.
  std::vector<Member> snapshot() const;
  // Drops tombstones older than tombstoneMs.
  void expire(std::int64_t now);

 private:
  static constexpr std::size_t kChunk = 64;
  std::size_t chunkFor(PeerKey key, std::string_view id) const;
  void reindex(std::size_t from);
  void insertAlive(const Member& m);
  void eraseAlive(PeerKey key, std::string_view id);

  struct Tomb {
    Member member;
    std::int64_t since;
  };
  std::int64_t tombstoneMs_;
  std::vector<std::vector<Member>> chunks_;  // each non-empty, sorted by (key, id)
  std::vector<std::size_t> before_;          // alive members in chunks before i
  std::vector<PeerKey> heads_;               // the key of each chunk's first member
  std::size_t total_ = 0;
  std::uint64_t digest_ = 0;
  std::unordered_map<std::string, Tomb> tombs_;
};

}  // namespace cellgraph::mesh
