// One peer's mesh: membership, topology, failure detection and routing,
// as a state machine the host drives. Pure: no clock, no sockets, no
// randomness; every call takes `now` (ms, monotonic) and effects are
// collected for the host to take (takeFrames, takeDeliveries, takeDials,
// takeHangups). The browser (js/room) and the simulator (bench/mesh_sim)
// drive the same code.
//
// The host owns the links. It calls linkUp/linkDown as direct connections
// open and close, receive() with every frame a link delivers, heard() when
// signaling shows a peer announcing itself, and tick() regularly (at least
// every heartbeatMs). It dials what takeDials() names and closes what
// takeHangups() names.
//
// Membership (roster.h): a newcomer is alone until a sponsor, one of the
// `sponsors` members whose keys are closest to its own, dials it on its
// announce. The two exchange ROSTER frames; the sponsor floods the
// newcomer's entry and everyone places it. Peers that are all alone (a
// room starting at once) each dial the lowest announcer heard so far.
// Members heartbeat every link;
// a link silent for suspectMs gets its peer flooded as suspect (which
// demotes it from bridge duty at once), silent for evictMs as left. A live
// peer that hears a suspicion or eviction of itself refutes it with a new
// incarnation. Only a peer with no link, and the member with the lowest
// key (one beacon per partition, so partitions find each other), need to
// announce on the relays: shouldAnnounce().
//
// Routing (topology.h): a broadcast floods the origin's cell and every
// inter-cell link. A peer that got it from a member of its own cell only
// passes it over its inter-cell links; one that got it from outside passes
// it to its whole cell and its links. A directed frame goes straight to its
// target when linked, else to the link sharing the longest key prefix with
// the target, else to the bridge of the level where the prefixes part, else
// it floods. Every flood carries a TTL (Topology::ttl) and is relayed at
// most once per peer (a window of the last `dedupWindow` ids).
// Membership updates are content-addressed floods: detectors of the same
// crash produce the same id, and the network forwards it once.
//
// Not verified: mesh frames travel only over room links (every room member
// holds the room key), and a member could lie about others' membership.
// Graph data inside is signed and verified by the sync layer.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/status.h"
#include "core/mesh/roster.h"
#include "core/mesh/topology.h"
#include "core/mesh/wire.h"

namespace cellgraph::mesh {

struct MeshConfig {
  TopologyConfig topology;
  WireLimits limits;
  std::int64_t heartbeatMs = 1'000;
  std::int64_t suspectMs = 3'000;
  std::int64_t evictMs = 6'000;
  std::int64_t linkGraceMs = 5'000;    // an unneeded link stays this long
  std::int64_t dialRetryMs = 4'000;
  std::int64_t tombstoneMs = 60'000;
  std::size_t dedupWindow = 4'096;
  unsigned sponsors = 2;
};

struct OutFrame {
  std::string to;
  std::shared_ptr<const Bytes> bytes;  // shared by every copy of one relay
};

struct Delivery {
  std::uint64_t id = 0;
  std::string origin;
  Bytes payload;
  unsigned hops = 0;
  bool directed = false;
};

struct MeshStats {
  std::uint64_t framesSent = 0, bytesSent = 0, framesReceived = 0;
  std::uint64_t duplicates = 0, delivered = 0, expired = 0, refused = 0;
  std::uint64_t rostersSent = 0, memberFloods = 0, suspicions = 0, evictions = 0, refutations = 0;
};

// A bounded set of recent ids: the oldest leaves when a new one comes.
class DedupWindow {
 public:
  explicit DedupWindow(std::size_t capacity) : capacity_(capacity) { set_.reserve(capacity + 1); }
  // True when the id is new (and now remembered).
  bool insert(std::uint64_t id);
  bool contains(std::uint64_t id) const { return set_.count(id) != 0; }

 private:
  std::size_t capacity_;
  std::deque<std::uint64_t> order_;
  std::unordered_set<std::uint64_t> set_;
};

class Mesh {
 public:
  Mesh(std::string selfId, MeshConfig config, std::int64_t now);

  const std::string& self() const { return selfId_; }
  PeerKey selfKey() const { return selfKey_; }

  void linkUp(const std::string& peer, std::int64_t now);
  void linkDown(const std::string& peer, std::int64_t now);
  // A frame from a linked peer. Bad bytes are an error and change nothing.
  Status receive(const std::string& from, ByteView bytes, std::int64_t now);
  void heard(const std::string& peer, std::int64_t now);
  void tick(std::int64_t now);

  // Returns the message id. Fails on an oversized payload or after leave().
  Result<std::uint64_t> broadcast(ByteView payload, std::int64_t now);
  Result<std::uint64_t> send(const std::string& target, ByteView payload, std::int64_t now);
  // Floods this peer's departure; the mesh then refuses to send.
  void leave(std::int64_t now);
  // A degraded peer (e.g. a hidden tab) keeps its cell but no bridge duty.
  void setDegraded(bool degraded, std::int64_t now);
  // Starts from a known roster instead of alone: a saved view, or the
  // simulator's steady state. It is trusted like the peer's own memory.
  void adoptRoster(const Roster& roster, std::int64_t now);

  std::vector<OutFrame> takeFrames() { return std::exchange(frames_, {}); }
  std::vector<Delivery> takeDeliveries() { return std::exchange(deliveries_, {}); }
  std::vector<std::string> takeDials() { return std::exchange(dials_, {}); }
  std::vector<std::string> takeHangups() { return std::exchange(hangups_, {}); }
  bool shouldAnnounce() const;

  const Roster& roster() const { return roster_; }
  const MeshConfig& config() const { return config_; }
  Cell cell() const;
  std::vector<std::string> cellMembers() const;
  std::vector<std::string> bridges() const;
  bool isBridge() const;
  std::vector<std::string> links() const;
  std::vector<std::string> wanted() const { return {wanted_.begin(), wanted_.end()}; }
  unsigned ttl() const { return Topology(roster_, config_.topology).ttl(); }
  std::uint32_t incarnation() const { return incarnation_; }
  const MeshStats& stats() const { return stats_; }

 private:
  struct LinkState {
    PeerKey key = 0;
    std::int64_t up = 0, lastHeard = 0, lastSent = 0;
    std::uint32_t suspectedAt = UINT32_MAX;  // incarnation we flooded a suspicion for
    std::uint64_t theirDigest = 0, ourDigest = 0;  // at the previous heartbeat
    std::uint8_t stableMismatch = 0, sizeMismatch = 0;
    bool connected = false;
    bool heardHeartbeat = false;
    std::int64_t followUpAt = 0;  // a newcomer's second roster is due (0: none)
    bool keepChecked = false;  // theyWant is current for this topology
    bool theyWant = false;     // the peer's topology links it to us
  };

  void sendTo(const std::string& peer, std::shared_ptr<const Bytes> bytes);
  void sendHeartbeat(const std::string& peer, LinkState& link, std::int64_t now);
  void sendRoster(const std::string& peer);
  void onHeartbeat(const std::string& from, LinkState& link, const Heartbeat& h);
  void onRoster(const RosterFrame& r, std::int64_t now);
  void onFlood(const std::string& from, ByteView bytes, Flood f, std::int64_t now);
  void relay(const std::string& from, ByteView bytes, const Flood& f);
  void route(const std::string& from, std::shared_ptr<const Bytes> bytes, const std::string& target);
  Roster::Change applyMember(const Member& m, std::int64_t now);
  void floodMember(const Member& m);
  std::uint64_t originate(FloodKind kind, std::optional<std::string> to, Bytes body, std::uint64_t id);
  void refresh(std::int64_t now);
  void prune(std::int64_t now);
  bool inOwnCell(PeerKey key) const { return cell_.contains(key); }

  std::string selfId_;
  PeerKey selfKey_;
  MeshConfig config_;
  Roster roster_;
  std::uint32_t incarnation_ = 0;
  std::uint8_t flags_ = 0;
  bool left_ = false;
  std::uint64_t seq_ = 0;
  DedupWindow seen_;

  std::unordered_map<std::string, LinkState> links_;
  std::unordered_set<std::string> wanted_;
  std::unordered_map<std::string, std::int64_t> dialedAt_;
  std::unordered_map<std::string, std::int64_t> unneededSince_;
  Cell cell_;
  bool dirty_ = true;
  std::int64_t lastExpire_ = 0;
  PeerKey lowestHeard_ = ~PeerKey{0};  // while alone: the lowest announcer dialed

  std::vector<OutFrame> frames_;
  std::vector<Delivery> deliveries_;
  std::vector<std::string> dials_;
  std::vector<std::string> hangups_;
  MeshStats stats_;
};

}  // namespace cellgraph::mesh
