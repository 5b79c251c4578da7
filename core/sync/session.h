// SyncSession: brings two replicas to the same state over any ordered,
// reliable byte channel, then keeps them there with live batches.
//
// Transport-agnostic: start() gives the first message, receive(bytes) gives
// the replies to send back (possibly none). Both sides start at once; the
// protocol is symmetric (PROTOCOL.md §4):
//   1. HELLO both ways: log epoch and window, record count, and the
//      watermark this side holds for the other's log.
//   2. Each direction catches up the cheapest way it can:
//      - delta: the other's log still covers my watermark -> only ops after it;
//      - state: I hold nothing -> the other's full state, chunked;
//      - reconciliation: otherwise, range-based set reconciliation over
//        (id, item hash), so bytes grow with the differences, not the size.
//   3. Live batches (encodeLiveBatch) flow whenever either side writes.
// Every op from the peer passes the Verifier before the Store applies it.
// A malformed or refused message returns an error and applies nothing.
//
// Lifetime: store and verifier must outlive the session. One session per
// connection; a reconnect starts a new one (watermarks live in the Store).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/crdt/verifier.h"
#include "core/graph/store.h"
#include "core/sync/messages.h"
#include "core/sync/recon_index.h"

namespace cellgraph::sync {

struct SessionOptions {
  std::size_t branching = 16;            // sub-ranges per differing range
  std::size_t leafItems = 32;            // ranges this small travel as id lists
  std::size_t chunkBytes = 1u << 20;     // target size of one Ops message
  hlc::PeerId expectedPeer = 0;          // the peer's replica id, if known from an
                                         // earlier session: lets HELLO carry the
                                         // watermark, so a delta needs one round trip
};

struct SessionStats {
  std::uint64_t messagesSent = 0, messagesReceived = 0;
  std::uint64_t bytesSent = 0, bytesReceived = 0;
  std::uint64_t opsReceived = 0, opsApplied = 0, opsDeferred = 0, opsFiltered = 0;
  std::uint64_t reconMessages = 0;
};

enum class CatchUp : std::uint8_t { kNone = 0, kDelta = 1, kState = 2, kRecon = 3 };

class SyncSession {
 public:
  SyncSession(graph::Store& store, crdt::Verifier& verifier, SessionOptions options = {});

  Bytes start();
  Result<std::vector<Bytes>> receive(ByteView message);

  // Both directions caught up (watermarks saved unless an op was deferred).
  bool synced() const { return theirs_.has_value() && incomingDone_ && outgoingDone_; }
  hlc::PeerId peer() const { return theirs_ ? theirs_->replica : 0; }
  CatchUp incomingPlan() const { return incoming_; }
  CatchUp outgoingPlan() const { return outgoing_; }
  const SessionStats& stats() const { return stats_; }
  // Node ids the last receive() changed, for change notification.
  const std::vector<std::string>& changedIds() const { return changed_; }

  // The application's say over incoming ops (JS `db.use()`): returns false
  // for an op to drop. A dropped op is skipped as if it had been applied:
  // watermarks still advance past it, so it never stalls catch-up, and it
  // is offered again only by a later reconciliation. Unset: keep all.
  using OpFilter = std::function<bool(const crdt::Envelope&)>;
  void setOpFilter(OpFilter filter) { filter_ = std::move(filter); }

 private:
  Result<std::vector<Bytes>> onHello(const Hello& h);
  Status onOps(const Ops& o);
  Result<std::vector<Bytes>> onRecon(const Recon& r);
  std::vector<Bytes> sendState();
  std::vector<Bytes> sendDelta(std::uint64_t after);
  Bytes initialRecon();
  void addRangeFor(Recon& out, const std::string& lower, const std::optional<std::string>& upper);
  void finishRecon();
  Bytes count(Bytes b);

  graph::Store& store_;
  crdt::Verifier& verifier_;
  SessionOptions options_;
  ReconIndex index_;
  SessionStats stats_;
  std::optional<Hello> mine_, theirs_;
  CatchUp incoming_ = CatchUp::kNone, outgoing_ = CatchUp::kNone;
  bool incomingDone_ = false, outgoingDone_ = false, reconDone_ = false;
  bool deferredDuringCatchUp_ = false, deltaContiguous_ = true;
  std::uint64_t deltaNext_ = 0;
  std::vector<std::string> changed_;
  OpFilter filter_;
};

// Live batch of envelopes just written locally; `firstSeq` is their log seq
// (ApplyReport.firstSeq). The same bytes serve every peer.
std::vector<Bytes> encodeLiveBatch(const graph::Store& store, const std::vector<crdt::Envelope>& envelopes,
                                   std::uint64_t firstSeq, std::size_t chunkBytes = 1u << 20);

// The state of the given records (all of them when `ids` is null) as
// chunked OPS state messages: for full-state sync and for persistence.
std::vector<Bytes> encodeStateMessages(const graph::Store& store, const std::vector<std::string>* ids,
                                       std::uint64_t watermark, std::size_t chunkBytes = 1u << 20);

// Reloads state this replica persisted itself (an OPS message of any mode):
// gated by `verifier`, but never deferred for clock skew (Store::applyTrusted).
Result<graph::ApplyReport> loadOpsMessage(graph::Store& store, crdt::Verifier& verifier, ByteView message);

// Applies an Ops message that arrived outside a session (a live batch
// relayed over the mesh): decoded with the store's limits, gated by
// `verifier`, no watermark bookkeeping. Other message types are an error.
// Ops for which `keep` (when given) returns false are skipped.
Result<graph::ApplyReport> applyOpsMessage(graph::Store& store, crdt::Verifier& verifier, ByteView message,
                                           const std::function<bool(const crdt::Envelope&)>& keep = nullptr);

}  // namespace cellgraph::sync
