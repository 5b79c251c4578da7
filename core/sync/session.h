// SyncSession: brings two replicas to the same state over any ordered,
// reliable byte channel, then keeps them there with live batches.
//
// Transport-agnostic: start() gives the first message, receive() gives the
// messages to send back (possibly none). Both sides start at once; the
// protocol is symmetric (PROTOCOL.md §4):
//   1. HELLO both ways: log epoch and window, record count, and the
//      watermark this side holds for the other's log.
//   2. Each direction catches up the cheapest way it can:
//      - delta: the other's log still covers my watermark -> only ops after it;
//      - state: I hold nothing -> the other's full state, chunked;
//      - reconciliation: otherwise, range-based set reconciliation over
//        (id, item hash), so bytes grow with the differences, not the size.
//   3. Live batches (encodeLiveBatch, queued with sendLive) flow whenever
//      either side writes.
// Every op from the peer goes to the OpSink (the engine's verification gate
// and store). A malformed or refused message returns an error and applies
// nothing; the caller then ends the session.
//
// Flow control: a side sends while the bytes it sent in this session, less
// what the peer acknowledged with FLOW, are under `windowBytes`; the peer
// acknowledges once it has processed `ackBytes` more. Catch-up (state,
// delta, repairs) is produced lazily, one chunk at a time as the window
// opens, so neither side ever holds a whole transfer in memory, and a
// receiver's unprocessed input is bounded by the window plus one message.
// Live batches waiting for the window are bounded by `maxQueuedBytes`:
// beyond, they are dropped and the session restarts (catch-up covers them).
//
// Restart: a HELLO in a session that already has the peer's HELLO starts
// the session over on both sides (a cleared store, an overflowed queue);
// the side that restarts ignores the old session's messages until the
// peer's new HELLO. At most `maxRestarts` per session.
//
// The watermark the session keeps belongs to the link it runs on (the
// caller's LinkWatermark), never to whichever replica a HELLO claims: a
// peer can only vouch for what it sent over its own link.
//
// Lifetime: the store, the sink and the watermark must outlive the session;
// the ReconIndex is shared with other sessions of the same store.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/graph/store.h"
#include "core/sync/messages.h"
#include "core/sync/recon_index.h"

namespace cellgraph::sync {

// Where a session's received ops go: the engine's gate and store.
class OpSink {
 public:
  virtual ~OpSink() = default;
  // An error refuses every envelope (the session then fails); envelopes the
  // gate defers count in report.deferred. `linkTag` is the link's
  // (LinkWatermark::tag), for the op log.
  virtual Result<graph::ApplyReport> apply(std::vector<crdt::Envelope> envelopes, std::uint32_t linkTag) = 0;
};

// What this replica holds of the log of the replica at the other end of one
// link: every op of `replica`'s log up to `seq`, in `epoch`.
struct LinkWatermark {
  hlc::PeerId replica = 0;
  std::uint64_t epoch = 0, seq = 0;
  std::uint32_t tag = 0;  // names the link in the op log (0: none)
};

struct SessionOptions {
  std::size_t branching = 16;              // sub-ranges per differing range
  std::size_t leafItems = 32;              // ranges this small travel as id lists
  std::size_t chunkBytes = 1u << 20;       // target size of one Ops message
  std::size_t windowBytes = 8u << 20;      // sent and not yet acknowledged
  std::size_t ackBytes = 2u << 20;         // acknowledge after processing this much
  std::size_t maxQueuedBytes = 16u << 20;  // live batches waiting for the window
  unsigned maxRestarts = 8;
};

struct SessionStats {
  std::uint64_t messagesSent = 0, messagesReceived = 0;
  std::uint64_t bytesSent = 0, bytesReceived = 0;
  std::uint64_t opsReceived = 0, opsApplied = 0, opsDeferred = 0, opsFiltered = 0;
  std::uint64_t reconMessages = 0;
  std::uint64_t restarts = 0;           // sessions started over
  std::uint64_t staleIgnored = 0;       // old-session messages after a restart
  std::uint64_t needsDeduplicated = 0;  // ids asked for twice (in a need list or again)
  std::uint64_t liveDropped = 0;        // live batches dropped for an overflowing queue
};

enum class CatchUp : std::uint8_t { kNone = 0, kDelta = 1, kState = 2, kRecon = 3 };

// Messages to send, in order. A live batch is one buffer shared by every
// session it goes to.
using Outgoing = std::vector<std::shared_ptr<const Bytes>>;

// Why the engine's calls go through virtual methods: a host that never
// opens a session (the wasm build of a local database, cellgraph-core) then
// never references the vtable, and link-time optimization drops the whole
// session with what only it uses.
class SyncSession {
 public:
  SyncSession(const graph::Store& store, OpSink& sink, LinkWatermark& watermark, ReconIndex& index,
              SessionOptions options = {});
  virtual ~SyncSession();

  // Our HELLO; empty if it was already sent.
  virtual Bytes start();
  // One message from the peer, decoded once by the caller; `wireBytes` is
  // its encoded size (what flow control counts). `keep`, when given, holds
  // one flag per envelope of an OPS message: false drops it as if it had
  // been applied (the application's middleware; the watermark still moves
  // past it, so it never stalls catch-up).
  virtual Result<Outgoing> receive(Message message, std::size_t wireBytes, const std::vector<bool>* keep = nullptr);
  // Decodes with the store's limits, then as above.
  Result<Outgoing> receive(ByteView bytes);
  // Queues live batches of local writes; returns what the window lets go.
  // When the queue would exceed maxQueuedBytes, everything queued live is
  // dropped and overflowed() turns true: the caller restarts the session.
  virtual Outgoing sendLive(const Outgoing& messages);
  bool overflowed() const { return overflowed_; }
  // Starts over (see above): returns the new HELLO, or an error past
  // maxRestarts. While the last restart's HELLO is unanswered it only drops
  // the queued live batches and returns nothing; with `stateChanged` (the
  // store was cleared, so that HELLO no longer describes it) the session
  // starts over once more when the answer comes.
  virtual Result<Bytes> restart(bool stateChanged = false);

  // Both directions caught up (the watermark saved unless an op was deferred).
  // Catch-up still being sent keeps a session from being synced.
  bool synced() const;
  hlc::PeerId peer() const { return theirs_ ? theirs_->replica : 0; }
  CatchUp incomingPlan() const { return incoming_; }
  CatchUp outgoingPlan() const { return outgoing_; }
  const SessionStats& stats() const { return stats_; }
  // Node ids the last receive() changed, for change notification.
  const std::vector<std::string>& changedIds() const { return changed_; }
  // What the last receive() applied and deferred.
  const graph::ApplyReport& lastReport() const { return report_; }
  // Bytes sent and not acknowledged; bytes of live batches waiting.
  std::uint64_t inFlight() const { return sent_ - acked_; }
  std::size_t queuedBytes() const { return queuedLive_; }

  // A catch-up stream that produces its messages lazily (state, delta, repairs).
  class Stream;

 private:
  Status onHello(const Hello& h, Outgoing& out);
  Status onOps(const Ops& o, const std::vector<bool>* keep);
  Status onRecon(const Recon& r, std::size_t wireBytes);
  Status onFlow(const Flow& f);
  void plan(const Hello& me, const Hello& them);
  Bytes initialRecon();
  void addRangeFor(Recon& out, const std::string& lower, const std::optional<std::string>& upper);
  void finishRecon();
  void serve(std::vector<std::string> ids);
  void reset();
  // Sends from the outbox while the window is open.
  void pump(Outgoing& out);
  void emit(std::shared_ptr<const Bytes> b, Outgoing& out);
  Bytes hello();

  struct Item;  // a ready message or a Stream

  const graph::Store& store_;
  OpSink& sink_;
  LinkWatermark& watermark_;
  ReconIndex& index_;
  SessionOptions options_;
  SessionStats stats_;
  std::optional<Hello> mine_, theirs_;
  bool awaitingHello_ = false;  // restarted: old-session messages are stale
  bool resendOnAnswer_ = false;  // our pending HELLO went stale
  CatchUp incoming_ = CatchUp::kNone, outgoing_ = CatchUp::kNone;
  bool incomingDone_ = false, outgoingDone_ = false, reconDone_ = false, reconStarted_ = false;
  bool deferredDuringCatchUp_ = false, deltaContiguous_ = true;
  std::uint64_t deltaNext_ = 0;
  std::vector<std::string> changed_;
  graph::ApplyReport report_;
  // Flow control, in bytes of this session's messages.
  std::uint64_t sent_ = 0, acked_ = 0, received_ = 0, ackSent_ = 0;
  std::deque<std::unique_ptr<Item>> outbox_;
  std::size_t queuedLive_ = 0;
  bool overflowed_ = false;
  std::unordered_set<std::string> served_;  // ids whose envelopes went out as repairs
  unsigned restarts_ = 0;
};

// Live batch of envelopes just written locally; `firstSeq` is their log seq
// (ApplyReport.firstSeq). The same bytes serve every peer.
std::vector<Bytes> encodeLiveBatch(const graph::Store& store, const std::vector<crdt::Envelope>& envelopes,
                                   std::uint64_t firstSeq, std::size_t chunkBytes = 1u << 20);

// The state of the given records (all of them when `ids` is null) as
// chunked OPS state messages: for snapshots of a store.
std::vector<Bytes> encodeStateMessages(const graph::Store& store, const std::vector<std::string>* ids,
                                       std::uint64_t watermark, std::size_t chunkBytes = 1u << 20);

}  // namespace cellgraph::sync
