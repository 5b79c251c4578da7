// Store: the graph one replica holds, and the only place it changes.
//
// Nodes are {id, value (JSON object), edges, clock, author}. Every element is
// a last-writer-wins register ordered by its hybrid logical clock:
//   - the node's value register: put sets it, remove sets a tombstone;
//   - one register per edge (source, target): link sets present, unlink absent.
// So concurrent links from different peers all survive, and removal never
// forgets: a tombstone stays as long as the node's record, after its op has
// left the op log, so no stale peer can bring removed data back.
//
// Applying any set of envelopes in any order, with duplicates, yields the
// same state (tests/convergence). Writes are atomic: a batch is checked
// whole before any op applies. What comes from elsewhere is checked by the
// verification gate before it reaches apply() (core/api/gate.h); the store
// trusts its caller. Not thread-safe; one owner.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/clock.h"
#include "core/base/hash.h"
#include "core/base/limits.h"
#include "core/base/status.h"
#include "core/crdt/envelope.h"
#include "core/crdt/op_log.h"
#include "core/hlc/hlc.h"

namespace cellgraph::graph {

// Wall clocks before 2001-09-09 (1e12 ms) are a host that never set its
// clock: local writes refuse to stamp with them (a zero clock is refused by
// every peer).
inline constexpr std::uint64_t kSaneWallMs = 1'000'000'000'000ull;

// Records under this prefix authorize others (security's grants,
// api/trust.h). Whole-state and repair streams send them first, so a
// receiver meets the grants before the ops they permit.
inline constexpr std::string_view kAuthorityPrefix = "~grant/";
inline constexpr std::string_view kAuthorityPrefixEnd = "~grant0";  // the first id after every one with the prefix
inline bool isAuthorityId(std::string_view id) { return id.substr(0, kAuthorityPrefix.size()) == kAuthorityPrefix; }

using crdt::Envelope;
using crdt::Op;
using crdt::OpType;
using crdt::Value;

struct EdgeState {
  hlc::Timestamp clock;
  bool present = false;
  Bytes author, signature;
};

struct NodeRecord {
  hlc::Timestamp clock;  // of the value register; zero when only edges are known
  bool removed = false;
  Value value;           // null unless a put is the register's winner
  Bytes author, signature;
  std::map<std::string, EdgeState, std::less<>> edges;
  Hash128 itemHash;      // reconciliation item: sum of element hashes
  bool ghost = false;    // created by a remote remove/unlink; never held a value here
  bool exists() const { return value != nullptr; }
};

struct StoreOptions {
  hlc::PeerId replicaId = 0;           // must be non-zero and unique per replica
  std::uint64_t logEpoch = 0;          // non-zero; pick at random when a database is created
  std::uint64_t maxClockAheadMs = 60'000;
  std::size_t opLogWindow = 10'000;
  Limits limits;
  // Records that ops from elsewhere may create, in all; beyond, such ops are
  // skipped and counted (ApplyReport::overQuota). Local writes are not capped.
  std::size_t maxRecords = 4'000'000;
  // Records that hold only what a remove or unlink of a node never seen here
  // left (a "ghost"): the tombstone is kept so an older put cannot undo the
  // remove, but a peer could otherwise mint them without end. Beyond the
  // quota such ops are skipped and counted; reconciliation brings the remove
  // again once the node itself arrives.
  std::size_t maxGhostRecords = 10'000;
};

// Where envelopes being applied come from: this replica's own history
// (local writes, its own storage) or a peer; only peers are capped by the
// quotas.
enum class Source : std::uint8_t { kOwn, kPeer };

struct ApplyReport {
  std::size_t applied = 0;    // changed state (and were logged)
  std::size_t stale = 0;      // older than, or equal to, what we hold
  std::size_t deferred = 0;   // held back by the gate (clock skew); offered again later
  std::size_t overQuota = 0;  // skipped: maxRecords or maxGhostRecords reached
  std::uint64_t firstSeq = 0, lastSeq = 0;  // log range of the applied ops (0 if none)
  std::vector<std::string> changedIds;      // nodes whose state changed, in apply order, unique
};

class Store {
 public:
  // `clock` must outlive the store.
  Store(Clock& clock, StoreOptions options);

  // Local writes, in two steps so that a write can be made durable before
  // it is visible: stamp() checks a batch against the state it will meet
  // (link needs both nodes to exist, after earlier ops of the batch; put
  // values within the limits) and gives each op a fresh clock, changing
  // nothing but the clock; apply() then makes it visible.
  // `validate` false leaves the shape and limits to the caller's gate.
  Result<std::vector<Envelope>> stamp(std::vector<Op> ops, bool validate = true);
  // stamp() and apply() at once. Returns the envelopes, in order;
  // report.firstSeq..lastSeq is their log range.
  Result<std::vector<Envelope>> write(std::vector<Op> ops, ApplyReport* report = nullptr);
  Result<Envelope> put(std::string id, boost::json::object value);
  Result<Envelope> remove(std::string id);
  Result<Envelope> link(std::string source, std::string target);
  Result<Envelope> unlink(std::string source, std::string target);

  // Applies envelopes that passed the verification gate (core/api/gate.h):
  // nothing here checks them again. The clock moves past each one.
  // `applied`, when given, gets one flag per envelope: it changed state.
  // `linkTag` is logged with each applied op (crdt/op_log.h).
  ApplyReport apply(const std::vector<Envelope>& batch, Source source, std::vector<bool>* applied = nullptr,
                    std::uint32_t linkTag = 0);

  // Forgets registers whose winners the gate no longer accepts (a grant
  // that permitted them turned out invalid, or a revocation clocked before
  // them arrived): a value register or an edge goes back to unknown, as if
  // never received, and a record left with nothing is erased, so sync can
  // bring an older accepted winner from a peer that still holds one. Only
  // registers whose author `suspect` names are shown to `drop`. Returns the
  // ids that changed.
  std::vector<std::string> retract(const std::function<bool(const Bytes& author)>& suspect,
                                   const std::function<bool(const Envelope&)>& drop);

  // The envelope a register holds now: the value register of `id`, or its
  // edge to `target` when given; nullopt when there is none.
  std::optional<Envelope> registerEnvelope(const std::string& id, const std::string* target) const;
  // Replaces the signature of a register's winner when it is still the op
  // `e` names (same clock and author); state and fingerprints do not
  // change. For proofs made again (api/trust.h, compacting signatures).
  bool replaceSignature(const Envelope& e);

  // Reads.
  const NodeRecord* find(std::string_view id) const;
  bool exists(std::string_view id) const;
  // Present edges of a live node whose targets are live, in target order.
  std::vector<std::string> visibleEdges(const NodeRecord& node) const;
  std::size_t liveCount() const { return live_; }
  std::size_t recordCount() const { return nodes_.size(); }
  std::size_t ghostCount() const { return ghosts_; }
  const std::map<std::string, NodeRecord, std::less<>>& records() const { return nodes_; }

  // Record ids in the order whole-state streams send them: authority
  // records first, then the rest, each in id order. `after` continues from
  // a cursor this returned (nullopt: from the start); nullptr at the end.
  const std::string* nextInStateOrder(const std::optional<std::string>& after) const;

  // The envelopes that reproduce a record's state on another replica.
  void elementEnvelopes(const std::string& id, const NodeRecord& node, std::vector<Envelope>& out) const;
  // BLAKE2b-256 over every record (values included): equal on converged replicas.
  std::array<std::uint8_t, 32> digest() const;

  // Removes every record and restarts the op log under `newEpoch`, so peers'
  // watermarks for us stop matching. The HLC is kept: new ops still order
  // after everything this replica ever wrote. Peers repopulate the store.
  void clear(std::uint64_t newEpoch);

  // Sync support.
  const crdt::OpLog& log() const { return log_; }
  hlc::Hlc& clock() { return hlc_; }
  const hlc::Hlc& clock() const { return hlc_; }
  const StoreOptions& options() const { return options_; }
  std::uint64_t version() const { return version_; }  // bumps on every change
  std::uint64_t generation() const { return generation_; }  // bumps on every clear()
  // Sum of every record's item hash: the whole set's reconciliation fingerprint.
  Fingerprint fingerprint() const { return {total_, nodes_.size()}; }

 private:
  bool applyOne(const Envelope& e, Source source, std::uint32_t linkTag, ApplyReport& report);
  NodeRecord* newRecord(const std::string& id, bool ghost);
  Envelope valueEnvelope(const std::string& id, const NodeRecord& n) const;
  static Hash128 valueElementHash(const std::string& id, const NodeRecord& n);
  static Hash128 edgeElementHash(const std::string& id, const std::string& target, const EdgeState& e);

  StoreOptions options_;
  hlc::Hlc hlc_;
  crdt::OpLog log_;
  std::map<std::string, NodeRecord, std::less<>> nodes_;
  std::size_t live_ = 0;
  std::size_t ghosts_ = 0;
  Hash128 total_;
  std::uint64_t version_ = 0;
  std::uint64_t generation_ = 0;
};

}  // namespace cellgraph::graph
