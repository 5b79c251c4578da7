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
// every gossipMs: queued gossip leaves on the first call that may send it).
// It dials what takeDials() names and closes what
// takeHangups() names.
//
// Membership (roster.h): a newcomer is alone until a sponsor, one of the
// `sponsors` members whose keys are closest to its own, dials it on its
// announce. The two exchange ROSTER frames; the sponsor gossips the
// newcomer's entry and everyone places it. Peers that are all alone (a
// room starting at once) each dial the lowest announcer heard so far.
// Members heartbeat every link;
// a link silent for suspectMs gets its peer gossiped as suspect (which
// demotes it from bridge duty at once), silent for evictMs as left. A live
// peer that hears a suspicion or eviction of itself refutes it with a new
// incarnation. Only a peer with no link, and the member with the lowest
// key (one beacon per partition, so partitions find each other), need to
// announce on the relays: shouldAnnounce().
//
// Gossip: a membership update travels the same links as a broadcast, but
// batched: each link gets at most one GOSSIP frame per gossipMs carrying
// every update queued for it, and a peer passes on only the updates that
// changed its view. The roster is a lattice, so every peer passes each
// update at most once and the epidemic ends by itself, with no id or TTL.
// A room's churn then costs each link a few frames a second whatever the
// room's size; the bytes still grow with the churn, as in any protocol in
// which every peer knows every member.
//
// Routing (topology.h): a broadcast floods the origin's cell and every
// inter-cell link. A peer that got it from a member of its own cell only
// passes it over its inter-cell links; one that got it from outside passes
// it to its whole cell and its links. A directed frame goes straight to its
// target when linked, else to the link sharing the longest key prefix with
// the target, else to the bridge of the level where the prefixes part, else
// it floods. Every flood carries a TTL (Topology::ttl) and is relayed at
// most once per peer (a window of the last `dedupWindow` ids). A peer that
// hands a directed frame to a next hop keeps it for custodyMs and routes it
// again if that hop falls silent: a crashed relay is detected in two beats,
// and the target drops the copy it may already hold as seen.
//
// Lazy repair: a flood misses peers when a relay crashes mid-flight or a
// link is still being replaced. So every HEARTBEAT also lists the ids of
// the broadcasts its sender got since its previous one, once their flood
// has had repairDelayMs to finish (ihave); a neighbour that lacks one asks
// for it (IWANT) and gets the cached frame, which it delivers and relays
// like any other. Holes close within a beat or
// two, and a room pays a few ids per link per second, not a second flood.
// Broadcasts stay cached for `repairMs`; the dedup window must hold more
// ids than a peer sees in that time.
//
// Not verified: mesh frames travel only over room links (every room member
// holds the room key), and a member could lie about others' membership.
// Graph data inside is signed and verified by the sync layer.
#pragma once

#include <algorithm>
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
  std::int64_t gossipMs = 200;         // a link gets at most one GOSSIP this often
  std::int64_t suspectMs = 3'000;
  std::int64_t evictMs = 6'000;
  std::int64_t linkGraceMs = 5'000;    // an unneeded link stays this long
  std::int64_t dialRetryMs = 4'000;
  std::int64_t tombstoneMs = 60'000;
  std::int64_t repairDelayMs = 1'000;  // a broadcast is offered (ihave) once this old
  std::int64_t repairMs = 6'000;       // and cached for IWANT this long
  std::int64_t custodyMs = 3'000;      // a relayed directed frame is re-routed if its hop dies this soon
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
  bool repaired = false;  // the flood missed us; a neighbour's ihave filled it in
};

struct MeshStats {
  std::uint64_t framesSent = 0, bytesSent = 0, framesReceived = 0;
  std::uint64_t duplicates = 0, delivered = 0, expired = 0, refused = 0;
  std::uint64_t rostersSent = 0, gossipSent = 0, memberUpdates = 0;  // frames, updates passed on
  std::uint64_t suspicions = 0, evictions = 0, refutations = 0;
  std::uint64_t repairsAsked = 0, repairsServed = 0, repaired = 0;  // broadcast ids
  std::uint64_t rerouted = 0;  // directed frames sent again after their next hop fell silent
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
    std::uint64_t gossipCursor = 0;  // gossip_ entries up to this seq are done
    std::uint64_t ihaveCursor = 0;   // recent_ entries up to this seq were offered
    std::int64_t lastGossip = INT64_MIN / 2;
  };

  // One queued update. `from` (empty when this peer originated it) gets no
  // copy; when a cell mate passed it on, it covered the cell, so only links
  // outside the cell get one.
  struct Gossip {
    Member member;
    std::string from;
    bool cellCovered = false;
  };

  // A directed frame handed to a next hop that may crash before passing it
  // on: while custodyMs runs, a hop that falls silent gets it re-routed.
  struct Custody {
    std::int64_t at;
    std::string hop, from, target;
    std::shared_ptr<const Bytes> bytes;
  };

  // A broadcast this peer holds, for ihave and IWANT.
  struct Recent {
    std::int64_t at;
    std::uint64_t id;
    PeerKey from;  // not offered back to where it came from
  };

  void sendTo(const std::string& peer, std::shared_ptr<const Bytes> bytes);
  void sendHeartbeat(const std::string& peer, LinkState& link, std::int64_t now);
  void sendRoster(const std::string& peer);
  void onHeartbeat(const std::string& from, LinkState& link, const Heartbeat& h, std::int64_t now);
  void onRoster(const std::string& from, const RosterFrame& r, std::int64_t now);
  void onGossip(const std::string& from, const GossipFrame& g, std::int64_t now);
  void onIwant(const std::string& from, const IwantFrame& w);
  void remember(std::uint64_t id, std::shared_ptr<const Bytes> bytes, PeerKey from, std::int64_t now);
  void onFlood(const std::string& from, const LinkState& source, ByteView bytes, Flood f, std::int64_t now);
  void relay(const std::string& from, const LinkState& source, const std::shared_ptr<const Bytes>& forwarded,
             const Flood& f);
  void route(const std::string& from, std::shared_ptr<const Bytes> bytes, const std::string& target, std::int64_t now);
  void handOver(const std::string& hop, const std::string& from, std::shared_ptr<const Bytes> bytes,
                const std::string& target, std::int64_t now);
  void reroute(std::int64_t now);
  // A next hop silent for two beats has probably crashed: a frame given to
  // it is lost until it is evicted, so routing passes it over.
  bool live(const LinkState& link, std::int64_t now) const {
    return link.connected && now - link.lastHeard <= 2 * config_.heartbeatMs;
  }
  Roster::Change applyMember(const Member& m, std::int64_t now);
  void gossip(const Member& m, const std::string& from = {}, bool cellCovered = false);
  void flushGossip(std::int64_t now, bool force = false);
  std::uint64_t originate(std::optional<std::string> to, Bytes body, std::uint64_t id, std::int64_t now);
  void refresh(std::int64_t now);
  void prune(std::int64_t now);
  bool inOwnCell(PeerKey key) const {
    return cell_.contains(key) || std::find(guests_.begin(), guests_.end(), key) != guests_.end();
  }

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
  std::deque<Gossip> gossip_;  // entries gossipBase_ + 1 .. gossipSeq_
  std::uint64_t gossipBase_ = 0, gossipSeq_ = 0;
  std::deque<Recent> recent_;  // entries recentBase_ + 1 .. recentSeq_
  std::uint64_t recentBase_ = 0, recentSeq_ = 0;
  std::unordered_map<std::uint64_t, std::shared_ptr<const Bytes>> cache_;
  std::unordered_map<std::uint64_t, std::int64_t> asked_;  // id -> when we sent IWANT
  std::deque<Custody> custody_;  // oldest first
  std::unordered_set<std::string> wanted_;
  std::unordered_map<std::string, std::int64_t> dialedAt_;
  std::unordered_map<std::string, std::int64_t> unneededSince_;
  Cell cell_;
  std::vector<PeerKey> guests_;  // keys of cell_'s guests (see topology.h)
  bool dirty_ = true;
  std::int64_t lastRefresh_ = INT64_MIN / 2;
  std::int64_t lastExpire_ = 0;
  PeerKey lowestHeard_ = ~PeerKey{0};  // while alone: the lowest announcer dialed

  std::vector<OutFrame> frames_;
  std::vector<Delivery> deliveries_;
  std::vector<std::string> dials_;
  std::vector<std::string> hangups_;
  MeshStats stats_;
};

}  // namespace cellgraph::mesh
