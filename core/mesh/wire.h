// Mesh frames: what peers send each other over a direct link
// (PROTOCOL.md §9). Every frame is MessagePack, [version = 1, type, ...]:
//
//   HEARTBEAT = [1, 1, rosterSize u64, rosterDigest u64, ihave [id u64...],
//                incarnation u64, flags u8]   the last two: the sender's own entry
//   FLOOD     = [1, 2, ttl, hops, id, kind u8, origin str, to str | nil, body bin]
//   ROSTER    = [1, 3, [member...]]   the sender's whole view
//   GOSSIP    = [1, 4, [member...]]   membership updates, batched per link
//   IWANT     = [1, 5, [id u64...]]   broadcasts a heartbeat's ihave offered
//   member    = [id str, incarnation u64, state u8, flags u8]
//
// A FLOOD's ttl and hops are always uint8 (0xcc xx) and its id always
// uint64 (0xcf + 8 bytes), so a relay reads the id for deduplication and
// rewrites ttl and hops in place at fixed offsets without decoding the rest
// (floodId, forwardFlood). kind 0 carries application bytes; other kinds
// are reserved and refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/status.h"
#include "core/mesh/roster.h"

namespace cellgraph::mesh {

constexpr std::uint64_t kMeshVersion = 1;
constexpr std::size_t kMaxPeerIdBytes = 128;

enum class FloodKind : std::uint8_t { kData = 0 };

struct Heartbeat {
  std::uint64_t rosterSize = 0;
  std::uint64_t rosterDigest = 0;   // Roster::digest()
  std::vector<std::uint64_t> ihave;  // broadcasts the sender got since its last beat
  std::uint32_t incarnation = 0;     // the sender's own entry: it is alive, so
  std::uint8_t flags = 0;            // its neighbours can always place it
};

struct Flood {
  std::uint8_t ttl = 0;
  std::uint8_t hops = 0;
  std::uint64_t id = 0;
  FloodKind kind = FloodKind::kData;
  std::string origin;
  std::optional<std::string> to;  // nullopt: a broadcast
  Bytes body;
};

struct RosterFrame {
  std::vector<Member> members;  // keys are recomputed by the receiver
};

struct GossipFrame {
  std::vector<Member> members;
};

struct IwantFrame {
  std::vector<std::uint64_t> ids;
};

using Frame = std::variant<Heartbeat, Flood, RosterFrame, GossipFrame, IwantFrame>;

struct WireLimits {
  std::size_t maxPayloadBytes = 1u << 20;  // body of a FLOOD
  std::size_t maxRosterEntries = 100'000;  // members in a ROSTER or GOSSIP
  std::size_t maxIds = 4'096;              // ids in an ihave or IWANT
};

Bytes encodeFrame(const Frame& f);
Result<Frame> decodeFrame(ByteView bytes, const WireLimits& limits);

// The id of a FLOOD frame, read at its fixed offset; nullopt when the bytes
// do not start like a FLOOD.
std::optional<std::uint64_t> floodId(ByteView bytes);
// A copy of a FLOOD with ttl - 1 and hops + 1 (the caller checked ttl > 0).
Bytes forwardFlood(ByteView bytes);

}  // namespace cellgraph::mesh
