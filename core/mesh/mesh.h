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
// demotes it from bridge duty at once), silent for evictMs as evicted. A live
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
// Hostile links. Every frame is hostile until checked: any room member can
// send anything. Signatures (crypto.h, roster.h) make two claims
// unforgeable: a member's own entry, and who sent a FLOOD. Every frame is
// decoded within WireLimits before anything is allocated; a FLOOD is
// delivered and relayed only with its origin's signature, a membership
// update applied only with its member's (verified once per member and
// incarnation: a copy that carries the claim already held needs no check).
// What a link can make this peer hold or do is bounded before it is
// allocated or iterated (MeshConfig, "bounds"), and every refusal is counted
// by reason (MeshStats). Only a valid frame counts as hearing from a link;
// a link whose frames keep being refused is hung up.
//
// What signatures cannot stop: a member can still accuse another of silence
// at its current incarnation (the accused refutes with the next one, so
// each accusation costs it one incarnation: 2^32 of them are needed to
// exhaust it, one round trip each), create fake members of its own (their
// signatures are valid; the bounds cap them), and refuse to relay. Graph
// data inside is signed and verified by the sync layer.
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
#include "core/mesh/crypto.h"
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

  // Bounds: what links can make this peer hold or do (PROTOCOL §9, Bounds).
  // Roster: alive members at most maxMembers, tombstones as many again.
  std::size_t maxMembers = 20'000;
  // Per link, updates that need a signature check (a new member, a new
  // incarnation): rosterRate a second, bursts of rosterBurst (a new link
  // starts with one second's worth). Entries over it wait for a later
  // gossip or roster swap. A newcomer's ROSTERs (its sponsors' views) are
  // exempt for sponsorMs after the first one arrives.
  std::size_t rosterRate = 256, rosterBurst = 2'048;
  std::int64_t sponsorMs = 10'000;
  std::int64_t rosterEveryMs = 3'000;  // at most one whole ROSTER per link this often
  // Repair: an IWANT gets at most maxRepliesPerIwant frames; a link at most
  // repairFramesPerSecond and repairBytesPerSecond (plus one frame) of
  // replies; and each cached broadcast at most once per repair window.
  std::size_t maxRepliesPerIwant = 64;
  std::size_t repairFramesPerSecond = 64, repairBytesPerSecond = 8u << 20;
  std::size_t maxCached = 4'096, maxCachedBytes = 64u << 20;  // the repair cache
  std::size_t maxAsked = 4'096, maxAskedPerLink = 1'024;      // IWANT ids awaiting an answer
  std::size_t maxCustody = 1'024, maxCustodyBytes = 32u << 20;
  std::size_t maxLinks = 64;           // more (and not wanted) are hung up at once
  std::size_t maxDialsInFlight = 16;   // dialed in the last dialRetryMs without a link yet
  std::size_t maxDialsPerTick = 8;     // dials per gossipMs
  // A link with refusalLimit refused frames within refusalWindowMs is hung
  // up, and not linked again for banMs (at most maxBanned peers remembered).
  std::size_t refusalLimit = 16;
  std::int64_t refusalWindowMs = 10'000, banMs = 60'000;
  std::size_t maxBanned = 1'024;
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
  std::uint64_t duplicates = 0, delivered = 0, expired = 0;
  std::uint64_t rostersSent = 0, gossipSent = 0, memberUpdates = 0;  // whole rosters, frames, updates passed on
  std::uint64_t suspicions = 0, evictions = 0, refutations = 0;
  std::uint64_t repairsAsked = 0, repairsServed = 0, repaired = 0;  // broadcast ids
  std::uint64_t rerouted = 0;  // directed frames sent again after their next hop fell silent
  std::uint64_t signaturesVerified = 0;  // checks made (a copy of a claim already held needs none)

  // Frames refused, by reason; `refused` is their sum.
  std::uint64_t refused = 0;
  std::uint64_t refusedUnlinked = 0;      // from a peer with no link (or a banned one)
  std::uint64_t refusedMalformed = 0;     // undecodable, over a wire limit, or another version
  std::uint64_t refusedSignature = 0;     // a FLOOD or member entry whose signature fails, or a claim about us we never signed
  std::uint64_t refusedForeignId = 0;     // a FLOOD whose id is not its origin's (floodIdOf)

  // Work declined under a bound (the frame itself was fine).
  std::uint64_t membersDeferred = 0;  // entries over a link's roster budget
  std::uint64_t membersOverCap = 0;   // new members (or tombstones) over maxMembers
  std::uint64_t repliesDeclined = 0;  // IWANT ids not served: repeated, served this window, or over budget
  std::uint64_t asksDeclined = 0;     // ihave ids not asked for: too many awaiting an answer
  std::uint64_t cacheDropped = 0;     // broadcasts dropped from the repair cache over its bound
  std::uint64_t custodyDropped = 0;   // custody entries dropped over their bound
  std::uint64_t dialsDeferred = 0;    // dials held back by the in-flight or per-tick bound
  std::uint64_t rostersDeferred = 0;  // whole rosters not sent: one went to that link within rosterEveryMs
  std::uint64_t linksRefused = 0;     // links hung up at once: over maxLinks, or banned
  std::uint64_t hungUpRefusing = 0;   // links hung up because their frames kept being refused
};

// A bounded set of recent ids: the oldest leaves when a new one comes.
class DedupWindow {
 public:
  explicit DedupWindow(std::size_t capacity) : capacity_(capacity) { set_.reserve(capacity + 1); }
  // True when the id is new (and now remembered).
  bool insert(std::uint64_t id);
  bool contains(std::uint64_t id) const { return set_.count(id) != 0; }
  std::size_t size() const { return order_.size(); }

 private:
  std::size_t capacity_;
  std::deque<std::uint64_t> order_;
  std::unordered_set<std::uint64_t> set_;
};

class Mesh {
 public:
  // `crypto` signs as selfId (a public key, or a FakeCrypto name) and
  // verifies everyone; it must not be null.
  Mesh(std::string selfId, MeshConfig config, std::int64_t now, std::unique_ptr<MeshCrypto> crypto);

  const std::string& self() const { return selfId_; }
  PeerKey selfKey() const { return selfKey_; }

  void linkUp(const std::string& peer, std::int64_t now);
  void linkDown(const std::string& peer, std::int64_t now);
  // A frame from a linked peer. A refused frame is an error, changes
  // nothing and is counted (MeshStats, by reason).
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
  // simulator's steady state. It is trusted like the peer's own memory
  // (its signatures are not checked, but peers check them when it is sent).
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
  // This peer's own signed entry, as it sends it.
  const Member& ownEntry() const { return own_; }
  const MeshStats& stats() const { return stats_; }
  // Sizes of what hostile links could grow, for tests and the fuzzer.
  struct Sizes {
    std::size_t links, gossip, cached, cachedBytes, asked, custody, custodyBytes, dialsInFlight, banned, seen;
  };
  Sizes sizes() const;

 private:
  // A token bucket in thousandths of a unit: `rate` units a second, at most
  // `burst` held; take() spends `cost` when it is held, or when the bucket
  // is full (so one item larger than the burst passes, once per refill).
  struct Bucket {
    std::int64_t level = -1;  // -1: full on first use
    std::int64_t at = 0;
    bool take(std::size_t cost, std::size_t rate, std::size_t burst, std::int64_t now);  // -1: full
  };

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
    // Bounds (MeshConfig).
    Bucket rosterBudget, repairFrames, repairBytes;
    std::int64_t lastRoster = INT64_MIN / 2;    // a whole ROSTER went to it
    std::int64_t lastSuspicionReply = INT64_MIN / 2;
    std::deque<std::pair<std::int64_t, std::uint64_t>> servedOrder;  // broadcasts served to it, oldest first
    std::unordered_set<std::uint64_t> served;
    std::size_t asked = 0;  // asked_ entries awaiting its answer
    std::size_t refusals = 0;
    std::int64_t refusalsSince = 0;
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
  struct Cached {
    std::shared_ptr<const Bytes> bytes;
    std::uint64_t seq;  // its recent_ entry
  };
  struct Asked {
    std::int64_t at;
    std::string from;
  };
  // What an update needs before it may be applied.
  enum class Verdict : std::uint8_t { kNoChange, kApply, kDeferred, kForged };

  void sendTo(const std::string& peer, std::shared_ptr<const Bytes> bytes);
  void sendHeartbeat(const std::string& peer, LinkState& link, std::int64_t now);
  void sendRoster(const std::string& peer, LinkState& link, std::int64_t now);
  Status refuse(LinkState& link, const std::string& from, std::uint64_t& reason, Status why, std::int64_t now);
  void hangUp(const std::string& peer, std::int64_t now);
  void signOwn();
  Verdict check(const Member& m, LinkState& link, bool exempt, std::int64_t now);
  // Checks a batch of entries: false when one is forged (nothing is applied
  // then); `apply` gets the ones that may be applied.
  bool checkAll(const std::vector<Member>& members, LinkState& link, bool exempt, std::int64_t now,
                std::vector<const Member*>& apply);
  Status onHeartbeat(const std::string& from, LinkState& link, const Heartbeat& h, std::int64_t now);
  Status onRoster(const std::string& from, LinkState& link, const RosterFrame& r, std::int64_t now);
  Status onGossip(const std::string& from, LinkState& link, const GossipFrame& g, std::int64_t now);
  void onIwant(const std::string& from, LinkState& link, const IwantFrame& w, std::int64_t now);
  bool dial(const std::string& peer, std::int64_t now);
  std::size_t dialsInFlight(std::int64_t now);
  bool banned(const std::string& peer, std::int64_t now) const;
  void dropCached();
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
  std::unique_ptr<MeshCrypto> crypto_;
  Roster roster_;
  std::uint32_t incarnation_ = 0;
  std::uint8_t flags_ = 0;
  Member own_;  // this peer's entry with its signature
  bool left_ = false;
  std::uint64_t seq_ = 0;
  DedupWindow seen_;

  std::unordered_map<std::string, LinkState> links_;
  std::deque<Gossip> gossip_;  // entries gossipBase_ + 1 .. gossipSeq_
  std::uint64_t gossipBase_ = 0, gossipSeq_ = 0;
  std::deque<Recent> recent_;  // entries recentBase_ + 1 .. recentSeq_
  std::uint64_t recentBase_ = 0, recentSeq_ = 0;
  std::unordered_map<std::uint64_t, Cached> cache_;
  std::size_t cachedBytes_ = 0;
  std::unordered_map<std::uint64_t, Asked> asked_;  // id -> when and whom we sent IWANT
  std::deque<Custody> custody_;  // oldest first
  std::size_t custodyBytes_ = 0;
  std::unordered_map<std::string, std::int64_t> inFlight_;  // peer -> when dialed, until linked or dialRetryMs
  Bucket dialBudget_;
  std::unordered_map<std::string, std::int64_t> banned_;  // peer -> until
  std::unordered_set<std::string> wanted_;
  std::unordered_map<std::string, std::int64_t> dialedAt_;
  std::unordered_map<std::string, std::int64_t> unneededSince_;
  Cell cell_;
  std::vector<PeerKey> guests_;  // keys of cell_'s guests (see topology.h)
  bool dirty_ = true;
  // A newcomer takes the ROSTERs it gets until then whole (its sponsors').
  // Unset (INT64_MIN) until the first ROSTER; adoptRoster ends it.
  std::int64_t sponsoredUntil_ = INT64_MIN;
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
