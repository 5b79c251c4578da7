#include "core/sync/session.h"

#include <algorithm>
#include <unordered_map>

namespace cellgraph::sync {

namespace {
bool covers(const Hello& log, std::uint64_t seq) { return seq <= log.logHead && seq + 1 >= log.logFirst; }
bool hasOpenRange(const Recon& r) {
  return std::any_of(r.ranges.begin(), r.ranges.end(), [](const Range& x) { return x.mode != RangeMode::kSkip; });
}
void addSkip(Recon& out, const std::optional<std::string>& upper) {
  if (!out.ranges.empty() && out.ranges.back().mode == RangeMode::kSkip) {
    out.ranges.back().upper = upper;
  } else {
    out.ranges.push_back({upper, RangeMode::kSkip, {}, {}});
  }
}
}  // namespace

// ---- catch-up streams -------------------------------------------------------

class SyncSession::Stream {
 public:
  virtual ~Stream() = default;
  // The next message; nullopt when there is nothing more (done() is then true).
  virtual std::optional<Bytes> next() = 0;
  bool done() const { return done_; }

 protected:
  bool done_ = false;
};

namespace {

// Records' element envelopes, one record at a time, packed into chunks.
class RecordStream : public SyncSession::Stream {
 public:
  std::optional<Bytes> next() final {
    if (done_) return std::nullopt;
    for (;;) {
      for (; at_ < pending_.size(); ++at_) {
        if (auto full = chunker_.add(pending_[at_])) {
          ++at_;
          return full;
        }
      }
      pending_.clear();
      at_ = 0;
      if (!nextRecord(pending_)) {
        done_ = true;
        if (!lastAlways_ && chunker_.pendingOps() == 0) return std::nullopt;
        return chunker_.flush(true);
      }
    }
  }

 protected:
  RecordStream(const graph::Store& store, Ops header, std::size_t chunkBytes, bool lastAlways)
      : store_(store), chunker_(std::move(header), chunkBytes, store.options().limits.maxOpsPerMessage),
        lastAlways_(lastAlways) {}
  // Appends the next record's envelopes; false when there is none left.
  virtual bool nextRecord(std::vector<crdt::Envelope>& out) = 0;
  const graph::Store& store_;

 private:
  OpsChunker chunker_;
  bool lastAlways_;
  std::vector<crdt::Envelope> pending_;
  std::size_t at_ = 0;
};

// Records in id order from a cursor, so the store may change between chunks
// (a record changed behind the cursor reaches the peer as a live batch).
// The last chunk is final and claims the watermark of the HELLO.
class StateStream final : public RecordStream {
 public:
  StateStream(const graph::Store& store, Ops header, std::size_t chunkBytes)
      : RecordStream(store, std::move(header), chunkBytes, /*lastAlways=*/true) {}

 private:
  bool nextRecord(std::vector<crdt::Envelope>& out) override {
    const std::string* id = store_.nextInStateOrder(cursor_);
    if (!id) return false;
    cursor_ = *id;
    store_.elementEnvelopes(*id, *store_.find(*id), out);
    return true;
  }
  std::optional<std::string> cursor_;
};

// Ops of the log after the peer's watermark, taken when the plan was made
// (at most one log window of them).
class DeltaStream final : public SyncSession::Stream {
 public:
  DeltaStream(std::vector<crdt::Envelope> ops, std::vector<std::uint64_t> seqs, Ops header, std::size_t chunkBytes,
              std::size_t maxOps)
      : ops_(std::move(ops)), seqs_(std::move(seqs)), chunker_(std::move(header), chunkBytes, maxOps) {}

  std::optional<Bytes> next() override {
    if (done_) return std::nullopt;
    for (; at_ < ops_.size(); ++at_) {
      if (auto full = chunker_.add(ops_[at_], seqs_[at_])) {
        ++at_;
        return full;
      }
    }
    done_ = true;
    return chunker_.flush(true);
  }

 private:
  std::vector<crdt::Envelope> ops_;
  std::vector<std::uint64_t> seqs_;
  OpsChunker chunker_;
  std::size_t at_ = 0;
};

// The envelopes of the records a peer asked for (need) or lacks (id lists).
class RepairStream final : public RecordStream {
 public:
  RepairStream(const graph::Store& store, std::vector<std::string> ids, std::uint64_t epoch, std::size_t chunkBytes)
      : RecordStream(store, Ops{OpsMode::kRepair, epoch, 0, 0, false, {}}, chunkBytes, /*lastAlways=*/false),
        ids_(std::move(ids)) {
    std::stable_partition(ids_.begin(), ids_.end(), [](const std::string& id) { return graph::isAuthorityId(id); });
  }

 private:
  bool nextRecord(std::vector<crdt::Envelope>& out) override {
    while (nextId_ < ids_.size()) {
      const std::string& id = ids_[nextId_++];
      if (const graph::NodeRecord* n = store_.find(id)) {
        store_.elementEnvelopes(id, *n, out);
        return true;
      }
    }
    return false;
  }
  std::vector<std::string> ids_;
  std::size_t nextId_ = 0;
};

}  // namespace

struct SyncSession::Item {
  std::shared_ptr<const Bytes> ready;  // when there is no stream
  std::unique_ptr<Stream> stream;  // produces as the window opens
  bool live = false;               // counted in queuedLive_
};

// ---- session ----------------------------------------------------------------

SyncSession::SyncSession(const graph::Store& store, OpSink& sink, LinkWatermark& watermark, ReconIndex& index,
                         SessionOptions options)
    : store_(store), sink_(sink), watermark_(watermark), index_(index), options_(options) {
  options_.branching = std::max<std::size_t>(options_.branching, 2);
  options_.leafItems = std::max<std::size_t>(options_.leafItems, 1);
  options_.chunkBytes = std::min(options_.chunkBytes, store.options().limits.maxMessageBytes);
  options_.ackBytes = std::clamp<std::size_t>(options_.ackBytes, 1, options_.windowBytes);
}

SyncSession::~SyncSession() = default;

void SyncSession::emit(std::shared_ptr<const Bytes> b, Outgoing& out) {
  ++stats_.messagesSent;
  stats_.bytesSent += b->size();
  sent_ += b->size();
  out.push_back(std::move(b));
}

void SyncSession::pump(Outgoing& out) {
  while (!outbox_.empty() && inFlight() < options_.windowBytes) {
    Item& head = *outbox_.front();
    if (head.stream) {
      if (auto m = head.stream->next()) emit(std::make_shared<const Bytes>(std::move(*m)), out);
      if (head.stream->done()) outbox_.pop_front();
      continue;
    }
    if (head.live) queuedLive_ -= head.ready->size();
    emit(std::move(head.ready), out);
    outbox_.pop_front();
  }
}

bool SyncSession::synced() const {
  return theirs_.has_value() && incomingDone_ && outgoingDone_ &&
         std::none_of(outbox_.begin(), outbox_.end(), [](const std::unique_ptr<Item>& i) { return i->stream != nullptr; });
}

Bytes SyncSession::start() {
  if (mine_) return {};
  Bytes b = hello();
  ++stats_.messagesSent;
  stats_.bytesSent += b.size();
  sent_ += b.size();
  return b;
}

Bytes SyncSession::hello() {
  Hello h;
  h.replica = store_.options().replicaId;
  h.epoch = store_.log().epoch();
  h.logFirst = store_.log().firstSeq();
  h.logHead = store_.log().head();
  h.records = store_.recordCount();
  h.fingerprint = store_.fingerprint().sum;
  if (watermark_.replica != 0) {
    h.yourEpoch = watermark_.epoch;
    h.yourSeq = watermark_.seq;
  }
  mine_ = h;
  return encodeMessage(Message{h});
}

void SyncSession::reset() {
  mine_.reset();
  theirs_.reset();
  awaitingHello_ = false;
  incoming_ = outgoing_ = CatchUp::kNone;
  incomingDone_ = outgoingDone_ = reconDone_ = false;
  reconStarted_ = false;
  deferredDuringCatchUp_ = false;
  deltaContiguous_ = true;
  deltaNext_ = 0;
  sent_ = acked_ = received_ = ackSent_ = 0;
  outbox_.clear();
  queuedLive_ = 0;
  overflowed_ = false;
  served_.clear();
}

Result<Bytes> SyncSession::restart(bool stateChanged) {
  if (awaitingHello_) {
    resendOnAnswer_ |= stateChanged;
    // Our last HELLO is still unanswered: a second one could be answered
    // out of step with the first. Drop what waits and keep waiting; the
    // plan made on the peer's answer covers everything (catch-up reads the
    // store as it is then).
    std::erase_if(outbox_, [](const std::unique_ptr<Item>& i) { return i->live; });
    queuedLive_ = 0;
    overflowed_ = false;
    return Bytes{};
  }
  if (restarts_ >= options_.maxRestarts) {
    return Status::tooLarge("the session restarted " + std::to_string(restarts_) + " times; the limit is " +
                            std::to_string(options_.maxRestarts));
  }
  ++restarts_;
  ++stats_.restarts;
  reset();
  awaitingHello_ = true;
  return start();
}

Result<Outgoing> SyncSession::receive(ByteView bytes) {
  CG_ASSIGN_OR_RETURN(Message m, decodeMessage(bytes, store_.options().limits));
  return receive(std::move(m), bytes.size());
}

Result<Outgoing> SyncSession::receive(Message m, std::size_t wireBytes, const std::vector<bool>* keep) {
  changed_.clear();
  report_ = {};
  ++stats_.messagesReceived;
  stats_.bytesReceived += wireBytes;
  Outgoing out;
  if (auto* f = std::get_if<Flow>(&m)) {
    if (awaitingHello_ || !theirs_) {
      ++stats_.staleIgnored;
      return out;
    }
    CG_RETURN_IF_ERROR(onFlow(*f));
    pump(out);
    return out;
  }
  if (auto* h = std::get_if<Hello>(&m)) {
    CG_RETURN_IF_ERROR(onHello(*h, out));
  } else if (awaitingHello_) {
    ++stats_.staleIgnored;
    return out;
  } else if (!theirs_) {
    return Status::invalidArgument("sync message before HELLO");
  } else if (auto* o = std::get_if<Ops>(&m)) {
    CG_RETURN_IF_ERROR(onOps(*o, keep));
  } else {
    CG_RETURN_IF_ERROR(onRecon(std::get<Recon>(m), wireBytes));
  }
  received_ += wireBytes;
  if (received_ - ackSent_ >= options_.ackBytes) {
    ackSent_ = received_;
    auto flow = std::make_shared<const Bytes>(encodeMessage(Message{Flow{received_}}));
    ++stats_.messagesSent;
    stats_.bytesSent += flow->size();
    out.push_back(std::move(flow));
  }
  pump(out);
  return out;
}

Status SyncSession::onFlow(const Flow& f) {
  if (f.consumed > sent_) {
    return Status::invalidArgument("FLOW acknowledges " + std::to_string(f.consumed) + " bytes; " +
                                   std::to_string(sent_) + " were sent");
  }
  acked_ = std::max(acked_, f.consumed);
  return {};
}

Status SyncSession::onHello(const Hello& h, Outgoing& out) {
  if (h.replica == store_.options().replicaId) return Status::invalidArgument("HELLO from this replica's own id");
  if (theirs_) {
    // The peer started over: so do we, and our new HELLO answers its.
    if (restarts_ >= options_.maxRestarts) {
      return Status::tooLarge("the peer restarted the session more than " + std::to_string(options_.maxRestarts) +
                              " times");
    }
    ++restarts_;
    ++stats_.restarts;
    reset();
  }
  if (awaitingHello_ && resendOnAnswer_) {
    // The peer answered a HELLO that no longer describes us (the store was
    // cleared meanwhile): start over once more, now that none is pending.
    resendOnAnswer_ = false;
    if (restarts_ >= options_.maxRestarts) return Status::tooLarge("the session restarted too often");
    ++restarts_;
    ++stats_.restarts;
    reset();
    awaitingHello_ = true;
    emit(std::make_shared<const Bytes>(hello()), out);
    return {};
  }
  awaitingHello_ = false;
  if (!mine_) emit(std::make_shared<const Bytes>(hello()), out);
  theirs_ = h;
  // The link now speaks for this replica; what we held for another is void.
  if (watermark_.replica != h.replica) watermark_ = {h.replica, 0, 0, watermark_.tag};
  plan(*mine_, h);
  return {};
}

void SyncSession::plan(const Hello& me, const Hello& h) {
  bool meEmpty = me.records == 0, themEmpty = h.records == 0;
  // Watermarks only match the epoch of the log they were taken from, so one
  // sent to the wrong peer (or a reset database) can never match.
  bool canServeThem = h.yourEpoch != 0 && h.yourEpoch == me.epoch && covers(me, h.yourSeq);
  bool canServeMe = me.yourEpoch != 0 && me.yourEpoch == h.epoch && covers(h, me.yourSeq);
  bool sameSet = me.records == h.records && me.fingerprint == h.fingerprint;
  // Both sides compute the same plan from the same two HELLOs.
  if (sameSet || meEmpty || themEmpty) {
    incoming_ = (meEmpty && !themEmpty) ? CatchUp::kState : CatchUp::kNone;
    outgoing_ = (themEmpty && !meEmpty) ? CatchUp::kState : CatchUp::kNone;
  } else if (canServeThem && canServeMe) {
    incoming_ = outgoing_ = CatchUp::kDelta;
  } else {
    incoming_ = outgoing_ = CatchUp::kRecon;
  }
  incomingDone_ = incoming_ == CatchUp::kNone;
  // Nothing to receive means I already hold everything they held at HELLO.
  if (incomingDone_) watermark_ = {h.replica, h.epoch, h.logHead, watermark_.tag};
  deltaNext_ = me.yourSeq + 1;
  std::size_t maxOps = store_.options().limits.maxOpsPerMessage;
  auto sendState = [&] {
    auto item = std::make_unique<Item>();
    item->stream = std::make_unique<StateStream>(store_, Ops{OpsMode::kState, me.epoch, 0, me.logHead, true, {}},
                                                 options_.chunkBytes);
    outbox_.push_back(std::move(item));
    outgoingDone_ = true;
  };
  switch (outgoing_) {
    case CatchUp::kNone: outgoingDone_ = true; break;
    case CatchUp::kState: sendState(); break;
    case CatchUp::kDelta: {
      const crdt::OpLog& log = store_.log();
      if (!log.covers(h.yourSeq) || log.epoch() != me.epoch) {
        // The window moved on since our HELLO: the whole state instead (a
        // receiver that planned a delta takes a final state chunk as well).
        sendState();
        break;
      }
      // What came over this link is never sent back over it (the peer holds
      // it, or something newer). The link, not the op's claimed replica,
      // decides: an op forged in another replica's name still reaches it.
      std::vector<crdt::Envelope> ops;
      std::vector<std::uint64_t> seqs;
      for (std::uint64_t s = h.yourSeq + 1; s <= log.head(); ++s) {
        if (watermark_.tag != 0 && log.tagAt(s) == watermark_.tag) continue;
        ops.push_back(log.at(s));
        seqs.push_back(s);
      }
      auto item = std::make_unique<Item>();
      item->stream = std::make_unique<DeltaStream>(std::move(ops), std::move(seqs),
                                                   Ops{OpsMode::kDelta, log.epoch(), h.yourSeq + 1, log.head(), true, {}},
                                                   options_.chunkBytes, maxOps);
      outbox_.push_back(std::move(item));
      outgoingDone_ = true;
      break;
    }
    case CatchUp::kRecon:
      if (me.replica < h.replica) {
        auto item = std::make_unique<Item>();
        item->ready = std::make_shared<const Bytes>(initialRecon());
        outbox_.push_back(std::move(item));
      }
      break;
  }
}

Status SyncSession::onOps(const Ops& o, const std::vector<bool>* keep) {
  if (keep && keep->size() != o.envelopes.size()) return Status::internal("the keep mask does not match the batch");
  std::vector<crdt::Envelope> kept;
  kept.reserve(o.envelopes.size());
  for (std::size_t i = 0; i < o.envelopes.size(); ++i) {
    if (!keep || (*keep)[i]) kept.push_back(o.envelopes[i]);
    else ++stats_.opsFiltered;
  }
  CG_ASSIGN_OR_RETURN(report_, sink_.apply(std::move(kept), watermark_.tag));
  stats_.opsReceived += o.envelopes.size();
  stats_.opsApplied += report_.applied;
  stats_.opsDeferred += report_.deferred;
  changed_ = report_.changedIds;
  bool deferred = report_.deferred > 0;
  const std::uint64_t theirEpoch = theirs_->epoch;
  switch (o.mode) {
    case OpsMode::kLive: {
      if (incomingDone_ && !deferred && o.epoch == theirEpoch && watermark_.epoch == theirEpoch &&
          !o.envelopes.empty() && o.firstSeq == watermark_.seq + 1) {
        watermark_.seq = o.lastSeq;
      }
      break;
    }
    case OpsMode::kDelta:
      if (incoming_ != CatchUp::kDelta || incomingDone_) return {};  // stray chunk: applied, no bookkeeping
      deferredDuringCatchUp_ |= deferred;
      deltaContiguous_ &= o.epoch == theirEpoch && o.firstSeq == deltaNext_;
      deltaNext_ = o.lastSeq + 1;
      if (o.final) {
        incomingDone_ = true;
        if (deltaContiguous_ && !deferredDuringCatchUp_) watermark_ = {theirs_->replica, theirEpoch, deltaNext_ - 1, watermark_.tag};
      }
      break;
    case OpsMode::kState:
      deferredDuringCatchUp_ |= deferred;
      if (o.final && !incomingDone_) {
        incomingDone_ = true;
        if (!deferredDuringCatchUp_ && o.epoch == theirEpoch) watermark_ = {theirs_->replica, theirEpoch, o.lastSeq, watermark_.tag};
      }
      break;
    case OpsMode::kRepair:
      deferredDuringCatchUp_ |= deferred;
      break;
  }
  return {};
}

Bytes SyncSession::initialRecon() {
  index_.refresh(0, /*force=*/true);
  reconStarted_ = true;
  Recon r;
  addRangeFor(r, "", std::nullopt);
  ++stats_.reconMessages;
  return encodeMessage(Message{std::move(r)});
}

// Describes my items in [lower, upper): one fingerprint per sub-range, or the
// items themselves when few.
void SyncSession::addRangeFor(Recon& out, const std::string& lower, const std::optional<std::string>& upper) {
  ReconIndex::Span s = index_.span(lower, upper);
  if (s.size() <= options_.leafItems) {
    Range range{upper, RangeMode::kIdList, {}, {}};
    range.items.reserve(s.size());
    for (std::size_t i = s.begin; i < s.end; ++i) range.items.push_back({index_.id(i), index_.hash(i)});
    out.ranges.push_back(std::move(range));
    return;
  }
  std::size_t parts = options_.branching, from = s.begin;
  for (std::size_t k = 1; k <= parts; ++k) {
    std::size_t to = s.begin + s.size() * k / parts;
    if (to == from) continue;
    std::optional<std::string> sub = k == parts ? upper : std::optional<std::string>(index_.id(to));
    out.ranges.push_back({sub, RangeMode::kFingerprint, index_.fingerprint({from, to}), {}});
    from = to;
  }
}

// Each record's envelopes go out at most once per session, whatever the
// peer asks: a need list naming one id many times (or again later) costs
// one lookup per name, never another copy.
void SyncSession::serve(std::vector<std::string> ids) {
  std::vector<std::string> fresh;
  fresh.reserve(ids.size());
  for (auto& id : ids) {
    if (served_.insert(id).second) fresh.push_back(std::move(id));
    else ++stats_.needsDeduplicated;
  }
  if (fresh.empty()) return;
  auto item = std::make_unique<Item>();
  item->stream = std::make_unique<RepairStream>(store_, std::move(fresh), store_.log().epoch(), options_.chunkBytes);
  outbox_.push_back(std::move(item));
}

Status SyncSession::onRecon(const Recon& r, std::size_t wireBytes) {
  if (incoming_ != CatchUp::kRecon) return Status::invalidArgument("RECON in a session that planned no reconciliation");
  if (reconDone_) return Status::invalidArgument("RECON after reconciliation finished");
  // The first RECON of a session may rebuild the index; later ones pay for it.
  index_.refresh(wireBytes, !reconStarted_);
  reconStarted_ = true;
  ++stats_.reconMessages;
  std::vector<std::string> toSend(r.need.begin(), r.need.end());
  // A reply must stay within the receiver's limits. Ranges are answered in
  // order while a split (or an id list) still fits; the first open range that
  // does not fit and everything after it go back as one fingerprint of mine
  // over the rest of the id space, to be split again next round. Each round
  // therefore resolves a prefix, and reconciliation always ends.
  const Limits& limits = store_.options().limits;
  const std::size_t itemBudget = std::min<std::size_t>(limits.maxOpsPerMessage, 16 * 1024);
  std::size_t replyItems = 0;
  Recon reply;
  std::string lower;
  for (std::size_t ri = 0; ri < r.ranges.size(); ++ri) {
    const Range& range = r.ranges[ri];
    if (range.mode != RangeMode::kSkip &&
        (reply.ranges.size() + options_.branching + 1 > limits.maxRangesPerMessage ||
         replyItems + options_.leafItems > itemBudget || reply.need.size() + range.items.size() > itemBudget)) {
      reply.ranges.push_back({std::nullopt, RangeMode::kFingerprint, index_.fingerprint(index_.span(lower, std::nullopt)), {}});
      break;
    }
    switch (range.mode) {
      case RangeMode::kSkip: addSkip(reply, range.upper); break;
      case RangeMode::kFingerprint: {
        ReconIndex::Span s = index_.span(lower, range.upper);
        if (index_.fingerprint(s) == range.fingerprint) {
          addSkip(reply, range.upper);
        } else {
          addRangeFor(reply, lower, range.upper);
          replyItems += reply.ranges.back().items.size();
        }
        break;
      }
      case RangeMode::kIdList: {
        std::unordered_map<std::string_view, const Hash128*> theirs;
        theirs.reserve(range.items.size());
        for (const auto& item : range.items) theirs.emplace(item.id, &item.hash);
        // Mine that they lack, or hold differently: send them.
        ReconIndex::Span s = index_.span(lower, range.upper);
        for (std::size_t i = s.begin; i < s.end; ++i) {
          auto it = theirs.find(index_.id(i));
          bool same = it != theirs.end() && *it->second == index_.hash(i);
          if (!same) toSend.push_back(index_.id(i));
        }
        // Theirs that I lack, or hold differently: ask for them.
        for (const auto& [id, hash] : theirs) {
          const graph::NodeRecord* n = store_.find(id);
          if (!n || n->itemHash != *hash) reply.need.emplace_back(id);
        }
        addSkip(reply, range.upper);
        break;
      }
    }
    if (range.upper) lower = *range.upper;
  }
  std::sort(reply.need.begin(), reply.need.end());
  // Repairs go out before the reply: a side that finishes on our reply must
  // already hold them.
  serve(std::move(toSend));
  bool incomingHadWork = hasOpenRange(r) || !r.need.empty();
  if (!incomingHadWork) {
    finishRecon();
    return {};
  }
  bool replyHasWork = hasOpenRange(reply) || !reply.need.empty();
  if (!replyHasWork) reply.ranges.clear();
  ++stats_.reconMessages;
  auto item = std::make_unique<Item>();
  item->ready = std::make_shared<const Bytes>(encodeMessage(Message{std::move(reply)}));
  outbox_.push_back(std::move(item));
  if (!replyHasWork) finishRecon();
  return {};
}

void SyncSession::finishRecon() {
  if (reconDone_) return;
  reconDone_ = incomingDone_ = outgoingDone_ = true;
  if (!deferredDuringCatchUp_) watermark_ = {theirs_->replica, theirs_->epoch, theirs_->logHead, watermark_.tag};
}

Outgoing SyncSession::sendLive(const Outgoing& messages) {
  Outgoing out;
  if (!mine_) return out;
  std::size_t bytes = 0;
  for (const auto& m : messages) bytes += m->size();
  if (queuedLive_ + bytes > options_.maxQueuedBytes) {
    stats_.liveDropped += messages.size() + std::erase_if(outbox_, [](const std::unique_ptr<Item>& i) { return i->live; });
    queuedLive_ = 0;
    overflowed_ = true;
    return out;
  }
  for (const auto& m : messages) {
    auto item = std::make_unique<Item>();
    item->ready = m;
    item->live = true;
    queuedLive_ += m->size();
    outbox_.push_back(std::move(item));
  }
  pump(out);
  return out;
}

std::vector<Bytes> encodeLiveBatch(const graph::Store& store, const std::vector<crdt::Envelope>& envelopes,
                                   std::uint64_t firstSeq, std::size_t chunkBytes) {
  if (envelopes.empty()) return {};
  Ops header{OpsMode::kLive, store.log().epoch(), firstSeq, firstSeq + envelopes.size() - 1, false, {}};
  std::vector<std::uint64_t> seqs(envelopes.size());
  for (std::size_t i = 0; i < seqs.size(); ++i) seqs[i] = firstSeq + i;
  const Limits& limits = store.options().limits;
  return encodeOpsChunked(header, envelopes, std::min(chunkBytes, limits.maxMessageBytes), limits.maxOpsPerMessage,
                          &seqs);
}

std::vector<Bytes> encodeStateMessages(const graph::Store& store, const std::vector<std::string>* ids,
                                       std::uint64_t watermark, std::size_t chunkBytes) {
  std::vector<crdt::Envelope> envelopes;
  if (ids) {
    for (const auto& id : *ids) {
      if (const graph::NodeRecord* n = store.find(id)) store.elementEnvelopes(id, *n, envelopes);
    }
  } else {
    for (const std::string* id = store.nextInStateOrder(std::nullopt); id; id = store.nextInStateOrder(*id)) {
      store.elementEnvelopes(*id, *store.find(*id), envelopes);
    }
  }
  Ops header{OpsMode::kState, store.log().epoch(), 0, watermark, true, {}};
  const Limits& limits = store.options().limits;
  return encodeOpsChunked(header, envelopes, std::min(chunkBytes, limits.maxMessageBytes), limits.maxOpsPerMessage);
}

}  // namespace cellgraph::sync
