// Mesh frames: what peers send each other over a direct link
// (PROTOCOL.md §9). Every frame is MessagePack, [version = 2, type, ...]:
//
//   HEARTBEAT = [2, 1, rosterSize u64, rosterDigest u64, ihave [id u64...],
//                incarnation u64, flags u8, sig bin]   the last three: the sender's own entry
//   FLOOD     = [2, 2, ttl, hops, id, kind u8, origin str, to str | nil, body bin, sig bin]
//   ROSTER    = [2, 3, rosterSize u64, [member...]]   one chunk of the sender's view
//   GOSSIP    = [2, 4, [member...]]   membership updates, batched per link
//   IWANT     = [2, 5, [id u64...]]   broadcasts a heartbeat's ihave offered
//   member    = [id str, incarnation u64, state u8, flags u8, sig bin]
//
// A FLOOD's ttl and hops are always uint8 (0xcc xx) and its id always
// uint64 (0xcf + 8 bytes), so a relay reads the id for deduplication and
// rewrites ttl and hops in place at fixed offsets without decoding the rest
// (floodId, forwardFlood). Its sig is the origin's signature of
// floodDigest(kind, origin, to, id, body) (crypto.h): everything but ttl and
// hops. An id's top 40 bits are its origin's key's (floodIdFor), so nobody
// can take the id of another origin's broadcast first. kind 0 carries
// application bytes; other kinds are reserved and refused.
// Version 1 (no signatures) is refused as unsupported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/status.h"
#include "core/mesh/crypto.h"
#include "core/mesh/roster.h"

namespace cellgraph::mesh {

constexpr std::uint64_t kMeshVersion = 2;
constexpr std::size_t kMaxPeerIdBytes = 128;
// Members in one ROSTER or GOSSIP frame: a protocol constant, so what a
// sender chunks to is what every receiver accepts.
constexpr std::size_t kMaxMembersPerFrame = 1'024;

enum class FloodKind : std::uint8_t { kData = 0 };

struct Heartbeat {
  std::uint64_t rosterSize = 0;
  std::uint64_t rosterDigest = 0;   // Roster::digest()
  std::vector<std::uint64_t> ihave;  // broadcasts the sender got since its last beat
  std::uint32_t incarnation = 0;     // the sender's own entry (alive), signed, so
  std::uint8_t flags = 0;            // its neighbours can always place it and
  std::string sig;                   // pass it on
};

struct Flood {
  std::uint8_t ttl = 0;
  std::uint8_t hops = 0;
  std::uint64_t id = 0;
  FloodKind kind = FloodKind::kData;
  std::string origin;
  std::optional<std::string> to;  // nullopt: a broadcast
  Bytes body;
  std::string sig;  // the origin's signature of floodDigest(...)
};

struct RosterFrame {
  std::uint64_t rosterSize = 0;  // alive members in the sender's whole view
  std::vector<Member> members;   // keys are recomputed by the receiver
};

struct GossipFrame {
  std::vector<Member> members;
};

struct IwantFrame {
  std::vector<std::uint64_t> ids;
};

using Frame = std::variant<Heartbeat, Flood, RosterFrame, GossipFrame, IwantFrame>;

struct WireLimits {
  std::size_t maxPayloadBytes = 1u << 20;                // body of a FLOOD
  std::size_t maxRosterEntries = kMaxMembersPerFrame;    // members in a ROSTER or GOSSIP (at most the constant)
  std::size_t maxIds = 4'096;                            // ids in an ihave or IWANT
};

Bytes encodeFrame(const Frame& f);
Result<Frame> decodeFrame(ByteView bytes, const WireLimits& limits);

// The id of a FLOOD frame, read at its fixed offset; nullopt when the bytes
// do not start like a FLOOD.
std::optional<std::uint64_t> floodId(ByteView bytes);
// A copy of a FLOOD with ttl - 1 and hops + 1 (the caller checked ttl > 0).
Bytes forwardFlood(ByteView bytes);

// A FLOOD id of an origin: the top 40 bits of its key and a 24-bit counter.
constexpr std::uint64_t kFloodSeqMask = (std::uint64_t{1} << 24) - 1;
inline std::uint64_t floodIdFor(PeerKey origin, std::uint64_t seq) { return (origin & ~kFloodSeqMask) | (seq & kFloodSeqMask); }
inline bool floodIdOf(std::uint64_t id, PeerKey origin) { return (id & ~kFloodSeqMask) == (origin & ~kFloodSeqMask); }

// The digest a member entry's sig signs (its own claim).
inline Digest claimDigest(const Member& m) {
  return memberDigest(m.id, m.incarnation, static_cast<std::uint8_t>(m.state), m.flags & kOwnFlags);
}
inline Digest floodDigestOf(const Flood& f) {
  return floodDigest(static_cast<std::uint8_t>(f.kind), f.origin, f.to, f.id, f.body);
}

}  // namespace cellgraph::mesh
