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

SyncSession::SyncSession(graph::Store& store, crdt::Verifier& verifier, SessionOptions options)
    : store_(store), verifier_(verifier), options_(options), index_(store) {
  options_.branching = std::max<std::size_t>(options_.branching, 2);
  options_.leafItems = std::max<std::size_t>(options_.leafItems, 1);
  options_.chunkBytes = std::min(options_.chunkBytes, store.options().limits.maxMessageBytes);
}

Bytes SyncSession::count(Bytes b) {
  ++stats_.messagesSent;
  stats_.bytesSent += b.size();
  return b;
}

Bytes SyncSession::start() {
  if (mine_) return {};
  Hello h;
  h.replica = store_.options().replicaId;
  h.epoch = store_.log().epoch();
  h.logFirst = store_.log().firstSeq();
  h.logHead = store_.log().head();
  h.records = store_.recordCount();
  h.fingerprint = store_.fingerprint().sum;
  if (options_.expectedPeer) {
    graph::Watermark w = store_.watermark(options_.expectedPeer);
    h.yourEpoch = w.epoch;
    h.yourSeq = w.seq;
  }
  mine_ = h;
  return count(encodeMessage(Message{h}));
}

Result<std::vector<Bytes>> SyncSession::receive(ByteView bytes) {
  changed_.clear();
  ++stats_.messagesReceived;
  stats_.bytesReceived += bytes.size();
  CG_ASSIGN_OR_RETURN(Message m, decodeMessage(bytes, store_.options().limits));
  if (auto* h = std::get_if<Hello>(&m)) return onHello(*h);
  if (!theirs_) return Status::invalidArgument("sync message before HELLO");
  if (auto* o = std::get_if<Ops>(&m)) {
    CG_RETURN_IF_ERROR(onOps(*o));
    return std::vector<Bytes>{};
  }
  return onRecon(std::get<Recon>(m));
}

Result<std::vector<Bytes>> SyncSession::onHello(const Hello& h) {
  if (theirs_) return Status::invalidArgument("second HELLO in one session");
  if (h.replica == store_.options().replicaId) return Status::invalidArgument("HELLO from this replica's own id");
  std::vector<Bytes> out;
  if (!mine_) out.push_back(start());
  theirs_ = h;
  const Hello& me = *mine_;
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
  if (incomingDone_) store_.setWatermark(h.replica, {h.epoch, h.logHead});
  deltaNext_ = me.yourSeq + 1;
  switch (outgoing_) {
    case CatchUp::kNone: outgoingDone_ = true; break;
    case CatchUp::kState: for (auto& b : sendState()) out.push_back(std::move(b)); outgoingDone_ = true; break;
    case CatchUp::kDelta: for (auto& b : sendDelta(h.yourSeq)) out.push_back(std::move(b)); outgoingDone_ = true; break;
    case CatchUp::kRecon:
      if (me.replica < h.replica) out.push_back(initialRecon());
      break;
  }
  return out;
}

std::vector<Bytes> SyncSession::sendState() {
  std::vector<Bytes> out;
  for (auto& b : encodeStateMessages(store_, nullptr, mine_->logHead, options_.chunkBytes)) out.push_back(count(std::move(b)));
  return out;
}

std::vector<Bytes> SyncSession::sendDelta(std::uint64_t after) {
  const crdt::OpLog& log = store_.log();
  if (!log.covers(after)) return sendState();  // the window moved on since HELLO
  // Their own ops are never sent back: a replica holds every op it made, or
  // something newer (its epoch would differ had it been cleared).
  std::vector<crdt::Envelope> ops;
  std::vector<std::uint64_t> seqs;
  for (std::uint64_t s = after + 1; s <= log.head(); ++s) {
    if (log.at(s).clock.peer == theirs_->replica) continue;
    ops.push_back(log.at(s));
    seqs.push_back(s);
  }
  Ops header{OpsMode::kDelta, log.epoch(), after + 1, log.head(), true, {}};
  std::vector<Bytes> out;
  for (auto& b : encodeOpsChunked(header, ops, options_.chunkBytes, &seqs)) out.push_back(count(std::move(b)));
  return out;
}

Status SyncSession::onOps(const Ops& o) {
  std::vector<crdt::Envelope> kept;
  if (filter_) {
    for (const auto& e : o.envelopes) {
      if (filter_(e)) kept.push_back(e); else ++stats_.opsFiltered;
    }
  }
  CG_ASSIGN_OR_RETURN(graph::ApplyReport report, store_.applyRemote(filter_ ? kept : o.envelopes, verifier_));
  stats_.opsReceived += o.envelopes.size();
  stats_.opsApplied += report.applied;
  stats_.opsDeferred += report.deferred;
  changed_ = std::move(report.changedIds);
  bool deferred = report.deferred > 0;
  const std::uint64_t theirEpoch = theirs_->epoch;
  switch (o.mode) {
    case OpsMode::kLive: {
      graph::Watermark w = store_.watermark(theirs_->replica);
      if (incomingDone_ && !deferred && o.epoch == theirEpoch && w.epoch == theirEpoch && !o.envelopes.empty() &&
          o.firstSeq == w.seq + 1) {
        store_.setWatermark(theirs_->replica, {theirEpoch, o.lastSeq});
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
        if (deltaContiguous_ && !deferredDuringCatchUp_) store_.setWatermark(theirs_->replica, {theirEpoch, deltaNext_ - 1});
      }
      break;
    case OpsMode::kState:
      deferredDuringCatchUp_ |= deferred;
      if (o.final && !incomingDone_) {
        incomingDone_ = true;
        if (!deferredDuringCatchUp_ && o.epoch == theirEpoch) store_.setWatermark(theirs_->replica, {theirEpoch, o.lastSeq});
      }
      break;
    case OpsMode::kRepair:
      deferredDuringCatchUp_ |= deferred;
      break;
  }
  return {};
}

Bytes SyncSession::initialRecon() {
  Recon r;
  addRangeFor(r, "", std::nullopt);
  ++stats_.reconMessages;
  return count(encodeMessage(Message{std::move(r)}));
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

Result<std::vector<Bytes>> SyncSession::onRecon(const Recon& r) {
  if (incoming_ != CatchUp::kRecon) return Status::invalidArgument("RECON in a session that planned no reconciliation");
  ++stats_.reconMessages;
  std::vector<crdt::Envelope> repairs;
  for (const auto& id : r.need) {
    if (const graph::NodeRecord* n = store_.find(id)) store_.elementEnvelopes(id, *n, repairs);
  }
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
         replyItems + options_.leafItems > itemBudget)) {
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
        std::vector<std::string> mineToSend;
        for (std::size_t i = s.begin; i < s.end; ++i) {
          auto it = theirs.find(index_.id(i));
          bool same = it != theirs.end() && *it->second == index_.hash(i);
          if (!same) mineToSend.push_back(index_.id(i));
        }
        // Theirs that I lack, or hold differently: ask for them.
        for (const auto& item : range.items) {
          const graph::NodeRecord* n = store_.find(item.id);
          if (!n || n->itemHash != item.hash) reply.need.push_back(item.id);
        }
        for (const auto& id : mineToSend) store_.elementEnvelopes(id, *store_.find(id), repairs);
        addSkip(reply, range.upper);
        break;
      }
    }
    if (range.upper) lower = *range.upper;
  }
  std::vector<Bytes> out;
  if (!repairs.empty()) {
    Ops header{OpsMode::kRepair, store_.log().epoch(), 0, 0, false, {}};
    for (auto& b : encodeOpsChunked(header, repairs, options_.chunkBytes)) out.push_back(count(std::move(b)));
  }
  bool incomingHadWork = hasOpenRange(r) || !r.need.empty();
  if (!incomingHadWork) {
    finishRecon();
    return out;
  }
  bool replyHasWork = hasOpenRange(reply) || !reply.need.empty();
  if (!replyHasWork) reply.ranges.clear();
  ++stats_.reconMessages;
  out.push_back(count(encodeMessage(Message{std::move(reply)})));
  if (!replyHasWork) finishRecon();
  return out;
}

void SyncSession::finishRecon() {
  if (reconDone_) return;
  reconDone_ = incomingDone_ = outgoingDone_ = true;
  if (!deferredDuringCatchUp_) store_.setWatermark(theirs_->replica, {theirs_->epoch, theirs_->logHead});
}

std::vector<Bytes> encodeLiveBatch(const graph::Store& store, const std::vector<crdt::Envelope>& envelopes,
                                   std::uint64_t firstSeq, std::size_t chunkBytes) {
  if (envelopes.empty()) return {};
  Ops header{OpsMode::kLive, store.log().epoch(), firstSeq, firstSeq + envelopes.size() - 1, false, {}};
  std::vector<std::uint64_t> seqs(envelopes.size());
  for (std::size_t i = 0; i < seqs.size(); ++i) seqs[i] = firstSeq + i;
  return encodeOpsChunked(header, envelopes, std::min(chunkBytes, store.options().limits.maxMessageBytes), &seqs);
}

std::vector<Bytes> encodeStateMessages(const graph::Store& store, const std::vector<std::string>* ids,
                                       std::uint64_t watermark, std::size_t chunkBytes) {
  std::vector<crdt::Envelope> envelopes;
  if (ids) {
    for (const auto& id : *ids) {
      if (const graph::NodeRecord* n = store.find(id)) store.elementEnvelopes(id, *n, envelopes);
    }
  } else {
    for (const auto& [id, node] : store.records()) store.elementEnvelopes(id, node, envelopes);
  }
  Ops header{OpsMode::kState, store.log().epoch(), 0, watermark, true, {}};
  return encodeOpsChunked(header, envelopes, std::min(chunkBytes, store.options().limits.maxMessageBytes));
}

Result<graph::ApplyReport> loadOpsMessage(graph::Store& store, crdt::Verifier& verifier, ByteView message) {
  CG_ASSIGN_OR_RETURN(Message m, decodeMessage(message, store.options().limits));
  auto* ops = std::get_if<Ops>(&m);
  if (!ops) return Status::corrupt("a stored record is not an OPS message");
  return store.applyTrusted(ops->envelopes, verifier);
}

Result<graph::ApplyReport> applyOpsMessage(graph::Store& store, crdt::Verifier& verifier, ByteView message,
                                           const std::function<bool(const crdt::Envelope&)>& keep) {
  CG_ASSIGN_OR_RETURN(Message m, decodeMessage(message, store.options().limits));
  auto* ops = std::get_if<Ops>(&m);
  if (!ops) return Status::invalidArgument("expected an OPS message");
  if (keep) std::erase_if(ops->envelopes, [&](const crdt::Envelope& e) { return !keep(e); });
  return store.applyRemote(ops->envelopes, verifier);
}

}  // namespace cellgraph::sync
