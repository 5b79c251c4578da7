// Engine: the one object that turns inputs into effects (ARCHITECTURE.md
// "The engine"). It owns the Store, the QueryEngine and LiveQueries, the
// verification gate, one SyncSession per connected peer, the ops held back
// for clock skew, and the persistence policy. Hosts (the browser worker, a
// test, a superpeer) only carry bytes between it, storage and transports;
// they hold no sync or trust state.
//
// Every input enters through one call and passes the one gate (gate.h):
// a local write, a message from a peer (live batch, delta, state,
// reconciliation repairs), a mesh broadcast, a record reloaded from storage,
// and, through the host that runs the engine, other tabs' requests. Each
// call returns one Effects record, to be carried out in its order: persist
// the records, then send, then deliver the events.
//
// Durability: a local write is durable before it is visible. prepare()
// stamps the ops and returns the records to persist, changing nothing a
// reader can see; the host persists them and then commit()s (apply, events,
// live batches) or abort()s (no trace anywhere). Ops from elsewhere are
// applied when they arrive and their verified wire bytes persisted after
// (they were acknowledged to no one; sync brings them again if that fails).
// A host runs prepare-persist-commit of one write before the next prepare.
//
// Bounds, each counted when it refuses (EngineStats): sessions
// (maxPeers), remembered link watermarks (maxWatermarks, least recently
// used first), ops held for clock skew (maxDeferredOps / maxDeferredBytes,
// oldest dropped first: sync offers them again), records and ghost records
// created from elsewhere (StoreOptions), one message per peer waiting for
// the middleware, and per session the flow window and the live queue
// (SessionOptions). Messages are bounded by Limits before they are decoded.
//
// Not thread-safe; one owner. `clock` must outlive the engine.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/base/clock.h"
#include "core/api/held_pool.h"
#include "core/api/trust.h"
#include "core/base/status.h"
#include "core/crdt/verifier.h"
#include "core/graph/store.h"
#include "core/query/engine.h"
#include "core/query/live.h"
#include "core/sync/session.h"

namespace cellgraph::api {

struct EngineOptions {
  graph::StoreOptions store;            // replicaId and logEpoch are required (non-zero)
  sync::SessionOptions session;
  std::size_t maxPeers = 256;           // sync sessions at once
  std::size_t maxWatermarks = 4'096;    // links whose watermark is remembered
  std::size_t maxDeferredOps = 10'000;  // held back for clock skew
  std::size_t maxDeferredBytes = 16u << 20;
  std::size_t compactAfterRecords = 2'000;  // persisted records before a snapshot is due
  // A database opened with security: every op signed, and authorized by
  // its author's role at its clock (trust.h). Without it, ops carry no
  // author and anyone in the room may write anything.
  std::optional<TrustOptions> trust;
  std::size_t maxUnauthorizedOps = 10'000;  // held until a grant permits them
  std::size_t maxUnauthorizedBytes = 16u << 20;
  bool middleware = false;      // OPS from peers wait for resume() (the app's db.use())
  bool liveOverMesh = false;    // local writes go out as broadcasts (cells), not per session
};

// An OPS message waiting for the application's middleware: its ops, decoded
// once, offered to the host; resume() applies the ones it keeps.
struct Inspection {
  std::uint64_t ticket = 0;
  std::string peer;      // the link it came on, or the mesh origin when relayed
  bool relayed = false;
  std::vector<crdt::Envelope> ops;
};

struct Effects {
  Status status;  // of the call; when not ok, nothing was applied
  std::vector<Bytes> persist;  // records to append to storage, in order
  struct Send {
    std::string peer;
    std::shared_ptr<const Bytes> bytes;  // one buffer shared by every peer it goes to
  };
  std::vector<Send> sends;                      // sync messages, in order per peer
  std::vector<std::shared_ptr<const Bytes>> broadcast;  // live batches for the mesh
  std::vector<query::ChangeEvent> events;       // for live subscriptions
  std::vector<std::string> synced;              // sessions that just caught up both ways
  struct Failure {
    std::string peer;
    Status status;
  };
  std::vector<Failure> failed;  // sessions the engine ended: the host drops those links
  std::optional<Inspection> inspect;
  bool compact = false;  // persisted records reached compactAfterRecords: snapshot() is due
};

struct EngineStats {
  std::uint64_t writes = 0, writesAborted = 0;
  std::uint64_t messagesReceived = 0, messagesRefused = 0;  // refused: decode, gate or protocol
  std::uint64_t opsApplied = 0, opsStale = 0;
  std::uint64_t opsDeferred = 0, deferredApplied = 0, deferredDropped = 0;
  std::uint64_t opsOverQuota = 0, opsFiltered = 0;
  std::uint64_t relayedReceived = 0, relayedRefused = 0;
  std::uint64_t recordsLoaded = 0, recordsRefused = 0;  // from storage
  std::uint64_t recordsPersisted = 0;
  std::uint64_t peersRefused = 0;  // openPeer beyond maxPeers
  std::uint64_t sessionsRestarted = 0, sessionsFailed = 0;
  std::uint64_t liveDropped = 0;   // live batches a slow peer's queue had to drop
  // Security (EngineOptions::trust), ops refused or held by reason:
  std::uint64_t opsForged = 0;        // no valid signature by their author for this database
  std::uint64_t opsMalformed = 0;     // a reserved id used against its rules (grants, profiles, '~')
  std::uint64_t opsUnauthorized = 0;  // their author's role did not permit them (held; see below)
  std::uint64_t unauthorizedReleased = 0, unauthorizedDropped = 0;  // held ones a grant later permitted / forgotten
  std::uint64_t opsRetracted = 0;     // applied ops a later-arriving grant or revocation took back
  std::uint64_t grantsRefused = 0;    // beyond TrustOptions::maxGrants
  std::uint64_t opsImpersonated = 0;  // in a live batch from a link whose verified identity is not their author
  std::uint64_t signaturesChecked = 0;
};

class Engine {
 public:
  static constexpr std::size_t kMaxRelayedInspections = 64;
  // `makeTrust` builds the Trust of a database opened with `trust`; a host
  // built without security passes null, and such a database is refused.
  using TrustMaker = Result<std::unique_ptr<Trust>> (*)(TrustOptions);
  static Result<std::unique_ptr<Engine>> open(Clock& clock, EngineOptions options,
                                              TrustMaker makeTrust = &Trust::make);
  ~Engine();

  // ---- storage --------------------------------------------------------------
  // One stored record (an OPS message). A record the gate refuses is
  // skipped, counted and reported; ops too far ahead wait in the deferred
  // pool. `fromLog`: the record was appended after the last snapshot.
  Status load(ByteView record, bool fromLog);
  // Every record and every deferred op, as OPS messages: a new snapshot.
  std::vector<Bytes> snapshot() const;
  // The host replaced its storage with snapshot(): the count starts over.
  void compacted() { recordsSinceSnapshot_ = 0; }
  std::size_t recordsSinceSnapshot() const { return recordsSinceSnapshot_; }

  // ---- local writes ---------------------------------------------------------
  struct Prepared {
    std::uint64_t ticket = 0;
    std::vector<Bytes> records;  // to persist before commit()
  };
  // Decodes an op batch (boundary.h) and stamps it; nothing becomes visible.
  Result<Prepared> prepare(ByteView opBatch);
  Effects commit(std::uint64_t ticket);
  void abort(std::uint64_t ticket);

  // ---- peers ----------------------------------------------------------------
  // A link to `peer` opened: a session, and our HELLO to send. `identity`
  // (32 bytes, or empty) is who the host verified the link speaks for (the
  // handshake's signature over the link, README "Identities and roles"):
  // its live batches are its own writes, so in a database with security
  // every op of them must be authored by that identity, or the message is
  // refused (opsImpersonated) and the session ends.
  Effects openPeer(const std::string& peer, ByteView identity = {});
  void closePeer(const std::string& peer);
  // A sync message from a peer's link.
  Effects receive(const std::string& peer, ByteView message);
  // A live batch relayed by the mesh from `origin` (cells): no session.
  Effects receiveRelayed(const std::string& origin, ByteView message);
  // The middleware kept `keep[i]` of the inspected ops.
  Effects resume(std::uint64_t ticket, const std::vector<bool>& keep);
  // Starts every session over (the host had to drop relayed batches).
  Effects resyncAll();
  // Retries ops held for clock skew whose time has come. Call every second or so.
  Effects tick();
  void setMiddleware(bool on) { options_.middleware = on; }
  void setLiveOverMesh(bool on) { options_.liveOverMesh = on; }

  // ---- reads ----------------------------------------------------------------
  const graph::Store& store() const { return *store_; }
  query::QueryEngine& queries() { return *queries_; }
  Result<std::vector<std::string>> query(const query::QueryOptions& options) { return queries_->run(options); }
  Result<std::uint32_t> subscribe(query::QueryOptions options, std::vector<std::string>* initial) {
    return live_->subscribe(std::move(options), initial);
  }
  bool unsubscribe(std::uint32_t id) { return live_->unsubscribe(id); }

  // Drops every record on this device (the host emptied its storage first):
  // live subscriptions see every node removed, every session starts over.
  Effects clear(std::uint64_t newEpoch);

  const EngineStats& stats() const { return stats_; }
  std::size_t peerCount() const { return peers_.size(); }
  std::size_t deferredCount() const { return deferred_.size(); }
  std::size_t unauthorizedCount() const { return unauthorized_.size(); }
  // Grants known that the grant rule does not make valid (a self-grant, a
  // grant above the grantor's role, by a grantor who lost `assign`...):
  // never applied, kept to be judged again when the grants before them change.
  std::size_t grantsInvalid() const;
  const Trust* trust() const { return trust_.get(); }
  // The role `identity` (32 bytes) holds now, by the grants known here.
  Result<std::string> roleOf(ByteView identity) const;
  const sync::SyncSession* session(const std::string& peer) const;

 private:
  class Sink;
  struct Peer;
  struct Pending {
    std::string peer;
    bool relayed = false;
    sync::Message message;
    std::size_t wireBytes = 0;
    Bytes raw;  // persisted as is when every op is kept
  };

  Engine(Clock& clock, EngineOptions options);
  // The gate and the store for ops from elsewhere (`trusted`: this
  // engine's own storage or pools, whose signatures were checked); ops that
  // cannot apply yet are held. Sets admitDropped_/admitKept_.
  Result<graph::ApplyReport> admit(std::vector<crdt::Envelope> envelopes, std::uint32_t linkTag = 0,
                                   graph::Source source = graph::Source::kPeer, bool trusted = false);
  // Security: applies or holds what passed the gate and the screen
  // (`kinds`, one per envelope; refused ones are skipped).
  void authorize(std::vector<crdt::Envelope>& accepted, const std::vector<Screen>& kinds, graph::ApplyReport& report,
                 graph::Source source, std::uint32_t linkTag);
  // After grants were added: validity, retractions, and held ops released,
  // until nothing changes. Adds to `report`.
  void settle(graph::ApplyReport& report);
  void applyInto(graph::ApplyReport& report, const std::vector<crdt::Envelope>& envelopes, graph::Source source,
                 std::uint32_t linkTag);
  void changed(const std::vector<std::string>& ids, Effects& fx);
  void send(const std::string& peer, sync::Outgoing messages, Effects& fx);
  void fail(const std::string& peer, const Status& status, Effects& fx);
  void restartSession(const std::string& peer, Effects& fx, bool stateChanged = false);
  Bytes recordOf(const sync::Ops& ops, const std::vector<bool>* keep, Bytes raw) const;
  void persist(Bytes record, Effects& fx);
  void persistAdmitted(Bytes record, Effects& fx);
  void counted(std::size_t records, Effects& fx);
  Effects inspect(Pending pending, ByteView raw);
  Effects deliver(Pending pending, const std::vector<bool>* keep);
  void holdDeferred(std::vector<crdt::Envelope> envelopes);
  sync::LinkWatermark& watermarkFor(const std::string& peer);

  EngineOptions options_;
  std::unique_ptr<graph::Store> store_;
  std::unique_ptr<query::QueryEngine> queries_;
  std::unique_ptr<query::LiveQueries> live_;
  crdt::StructuralVerifier verifier_;
  std::unique_ptr<Trust> trust_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<sync::ReconIndex> index_;
  std::map<std::string, std::unique_ptr<Peer>> peers_;
  // Link watermarks, most recently used last; a peer's entry outlives its session.
  std::unordered_map<std::string, sync::LinkWatermark> watermarks_;
  std::deque<std::string> watermarkOrder_;
  struct PreparedWrite {
    std::vector<crdt::Envelope> envelopes;
    std::vector<sync::OpsChunk> chunks;  // packed once: the records, and the live batch if all apply
  };
  std::map<std::uint64_t, PreparedWrite> prepared_;
  std::map<std::uint64_t, Pending> pending_;
  std::unordered_set<std::string> inspecting_;  // peers with a message at the middleware
  HeldPool deferred_;      // clocks too far ahead
  HeldPool unauthorized_;  // waiting for a grant
  // This identity's ops written alone or in small writes, whose proofs
  // tick() makes again in groups of 64 (one signature check per group for
  // whoever catches up on them later). Ids and edge targets, at most 65,536.
  struct OwnRegister {
    std::string id, target;
    bool edge = false;
  };
  std::vector<OwnRegister> reprove_;
  void compactProofs();
  bool admitDropped_ = false;              // the last admit() refused some ops: persist admitKept_
  std::vector<crdt::Envelope> admitKept_;  // what it did not refuse
  std::uint64_t nextTicket_ = 1;
  std::uint32_t nextLinkTag_ = 0;
  std::size_t recordsSinceSnapshot_ = 0;
  EngineStats stats_;
};

}  // namespace cellgraph::api
