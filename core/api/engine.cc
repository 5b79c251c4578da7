#include "core/api/engine.h"

#include <algorithm>

#include "core/api/boundary.h"
#include "core/api/gate.h"

namespace cellgraph::api {

class Engine::Sink final : public sync::OpSink {
 public:
  explicit Sink(Engine& engine) : engine_(engine) {}
  Result<graph::ApplyReport> apply(std::vector<crdt::Envelope> envelopes, std::uint32_t linkTag) override {
    return engine_.admit(std::move(envelopes), linkTag);
  }

 private:
  Engine& engine_;
};

struct Engine::Peer {
  std::unique_ptr<sync::SyncSession> session;
  Bytes identity;  // verified by the host; empty when unknown
  bool wasSynced = false;
};

namespace {

Status checkOptions(const EngineOptions& o) {
  const graph::StoreOptions& s = o.store;
  if (s.replicaId == 0) return Status::invalidArgument("engine options: replicaId must not be zero");
  if (s.logEpoch == 0) return Status::invalidArgument("engine options: epoch must not be zero");
  if (s.opLogWindow < 1 || s.opLogWindow > 1'000'000) {
    return Status::invalidArgument("engine options: opLogWindow must be 1..1000000");
  }
  if (s.maxClockAheadMs < 1 || s.maxClockAheadMs > 86'400'000) {
    return Status::invalidArgument("engine options: maxClockAheadMs must be 1..86400000 (a day)");
  }
  if (o.maxPeers < 1 || o.maxDeferredOps < 1 || o.maxUnauthorizedOps < 1 || o.compactAfterRecords < 1) {
    return Status::invalidArgument(
        "engine options: maxPeers, maxDeferredOps, maxUnauthorizedOps and compactAfterRecords must be positive");
  }
  return {};
}

// Appends the ids not listed yet (events fire once per node and batch).
void addChanged(std::vector<std::string>& into, std::vector<std::string> ids) {
  if (into.empty()) {
    into = std::move(ids);
    return;
  }
  std::unordered_set<std::string> seen(into.begin(), into.end());
  for (std::string& id : ids) {
    if (seen.insert(id).second) into.push_back(std::move(id));
  }
}

}  // namespace

Engine::Engine(Clock& clock, EngineOptions options)
    : options_(std::move(options)),
      store_(std::make_unique<graph::Store>(clock, options_.store)),
      queries_(std::make_unique<query::QueryEngine>(*store_)),
      live_(std::make_unique<query::LiveQueries>(*queries_)),
      verifier_(options_.store.limits),
      sink_(std::make_unique<Sink>(*this)),
      index_(std::make_unique<sync::ReconIndex>(*store_)),
      deferred_(options_.maxDeferredOps, options_.maxDeferredBytes),
      unauthorized_(options_.maxUnauthorizedOps, options_.maxUnauthorizedBytes) {}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::open(Clock& clock, EngineOptions options, TrustMaker makeTrust) {
  CG_RETURN_IF_ERROR(checkOptions(options));
  std::unique_ptr<Trust> trust;
  if (options.trust) {
    if (!makeTrust) return Status::invalidArgument("this engine is built without security: a secured database runs cellgraph-rtc");
    CG_ASSIGN_OR_RETURN(trust, makeTrust(std::move(*options.trust)));
    options.trust.reset();  // the secret key lives in Trust only
  }
  std::unique_ptr<Engine> engine(new Engine(clock, std::move(options)));
  engine->trust_ = std::move(trust);
  return engine;
}

Result<std::string> Engine::roleOf(ByteView identity) const {
  if (!trust_) return Status::invalidArgument("this database was opened without security: it has no roles");
  if (identity.size() != security::kPublicKeyBytes) return Status::invalidArgument("an identity is a 32-byte public key");
  const hlc::Hlc& h = store_->clock();
  hlc::Timestamp now{std::max(h.physicalMs(), h.last().wall), UINT32_MAX, UINT64_MAX};
  const auto& a = trust_->authority();
  return a.table().role(a.roleAt(security::Identity(identity.begin(), identity.end()), now)).name;
}

const sync::SyncSession* Engine::session(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : it->second->session.get();
}

// ---- the gate and what goes through it --------------------------------------

Result<graph::ApplyReport> Engine::admit(std::vector<crdt::Envelope> envelopes, std::uint32_t linkTag,
                                         graph::Source source, bool trusted) {
  CG_ASSIGN_OR_RETURN(GateDecision d, gate(std::move(envelopes), verifier_, store_->clock()));
  admitDropped_ = false;
  admitKept_.clear();
  graph::ApplyReport report;
  if (trust_) {
    // Signatures and reserved ids, far-future ops included, so no forged
    // one waits in the pool; what is refused is counted and left out.
    auto refused = [&](const crdt::Envelope& e, Screen& kind) {
      kind = trust_->screen(e, trusted);
      if (kind == Screen::kForged) ++stats_.opsForged;
      if (kind == Screen::kMalformed) ++stats_.opsMalformed;
      return kind == Screen::kForged || kind == Screen::kMalformed;
    };
    std::vector<Screen> kinds(d.accepted.size());
    for (std::size_t i = 0; i < d.accepted.size(); ++i) admitDropped_ |= refused(d.accepted[i], kinds[i]);
    std::vector<crdt::Envelope> later;
    for (crdt::Envelope& e : d.deferred) {
      Screen kind;
      if (refused(e, kind)) admitDropped_ = true;
      else later.push_back(std::move(e));
    }
    d.deferred = std::move(later);
    if (admitDropped_) {
      for (std::size_t i = 0; i < d.accepted.size(); ++i) {
        if (kinds[i] == Screen::kGrant || kinds[i] == Screen::kData) admitKept_.push_back(d.accepted[i]);
      }
      admitKept_.insert(admitKept_.end(), d.deferred.begin(), d.deferred.end());
    }
    authorize(d.accepted, kinds, report, source, linkTag);
    stats_.signaturesChecked = trust_->signaturesChecked();
  } else {
    applyInto(report, d.accepted, source, linkTag);
  }
  report.deferred += d.deferred.size();
  stats_.opsDeferred += d.deferred.size();
  holdDeferred(std::move(d.deferred));
  if (source == graph::Source::kPeer) {
    stats_.opsApplied += report.applied;
    stats_.opsStale += report.stale;
    stats_.opsOverQuota += report.overQuota;
  }
  return report;
}

void Engine::applyInto(graph::ApplyReport& report, const std::vector<crdt::Envelope>& envelopes, graph::Source source,
                       std::uint32_t linkTag) {
  if (envelopes.empty()) return;
  graph::ApplyReport r = store_->apply(envelopes, source, nullptr, linkTag);
  report.applied += r.applied;
  report.stale += r.stale;
  report.overQuota += r.overQuota;
  if (r.firstSeq && !report.firstSeq) report.firstSeq = r.firstSeq;
  if (r.lastSeq) report.lastSeq = r.lastSeq;
  addChanged(report.changedIds, std::move(r.changedIds));
}

void Engine::authorize(std::vector<crdt::Envelope>& accepted, const std::vector<Screen>& kinds,
                       graph::ApplyReport& report, graph::Source source, std::uint32_t linkTag) {
  auto holdUnauthorized = [&](crdt::Envelope e) {
    ++stats_.opsUnauthorized;
    ++report.deferred;
    unauthorized_.add(std::move(e));
    stats_.unauthorizedDropped = unauthorized_.dropped();
  };
  // Grants first: the batch's other ops are judged by what they establish.
  bool added = false;
  std::vector<crdt::Envelope> data;
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    crdt::Envelope& e = accepted[i];
    if (kinds[i] == Screen::kData) {
      data.push_back(std::move(e));
      continue;
    }
    if (kinds[i] != Screen::kGrant) continue;
    if (trust_->authority().holds(e.op.id, e.clock)) {
      ++report.stale;  // known already; the store holds it when it is valid
      continue;
    }
    if (!trust_->admissible(trust_->grantOf(e))) {
      holdUnauthorized(std::move(e));
      continue;
    }
    auto r = trust_->addCandidate(e);
    if (!r.ok()) {
      ++stats_.grantsRefused;
      continue;
    }
    added |= *r;
  }
  if (added) settle(report);
  std::vector<crdt::Envelope> now;
  now.reserve(data.size());
  for (crdt::Envelope& e : data) {
    if (trust_->permits(e)) now.push_back(std::move(e));
    else holdUnauthorized(std::move(e));
  }
  applyInto(report, now, source, linkTag);
}

void Engine::settle(graph::ApplyReport& report) {
  for (;;) {
    security::Authority::Recomputed r = trust_->authority().recompute();
    if (!r.nowInvalid.empty() || !r.changes.empty()) {
      std::unordered_map<std::string, hlc::Timestamp> from;
      for (const auto& c : r.changes) from[c.who] = c.from;
      std::unordered_set<std::string> invalid(r.nowInvalid.begin(), r.nowInvalid.end());
      auto asKey = [](const Bytes& b) { return std::string(b.begin(), b.end()); };
      std::vector<std::string> ids = store_->retract(
          [&](const Bytes& author) { return !invalid.empty() || from.count(asKey(author)); },
          [&](const crdt::Envelope& e) {
            if (graph::isAuthorityId(e.op.id)) return invalid.count(e.op.id) > 0;
            auto it = from.find(asKey(e.author));
            return it != from.end() && e.clock > it->second && !trust_->permits(e);
          });
      stats_.opsRetracted += ids.size();
      addChanged(report.changedIds, std::move(ids));
    }
    std::vector<crdt::Envelope> grants;
    for (const std::string& id : r.nowValid) {
      if (const crdt::Envelope* c = trust_->candidate(id)) grants.push_back(*c);
    }
    applyInto(report, grants, graph::Source::kOwn, 0);
    if (r.changes.empty()) return;
    // Held ops a changed timeline may permit now.
    std::vector<crdt::Envelope> ready = unauthorized_.take([&](const crdt::Envelope& e) {
      return graph::isAuthorityId(e.op.id) ? trust_->admissible(trust_->grantOf(e)) : trust_->permits(e);
    });
    bool added = false;
    std::vector<crdt::Envelope> data;
    for (crdt::Envelope& e : ready) {
      if (!graph::isAuthorityId(e.op.id)) {
        data.push_back(std::move(e));
        continue;
      }
      auto a = trust_->addCandidate(e);
      if (!a.ok()) ++stats_.grantsRefused;
      else added |= *a;
    }
    stats_.unauthorizedReleased += ready.size();
    applyInto(report, data, graph::Source::kPeer, 0);
    if (!added) return;
  }
}

std::size_t Engine::grantsInvalid() const {
  if (!trust_) return 0;
  const security::Authority& a = trust_->authority();
  return a.candidateCount() - a.validCount();
}

void Engine::holdDeferred(std::vector<crdt::Envelope> envelopes) {
  for (crdt::Envelope& e : envelopes) deferred_.add(std::move(e));
  stats_.deferredDropped = deferred_.dropped();
}

// Proofs of this identity's recent small writes, made again in full groups:
// a peer that catches up later checks one signature per 64 of them, not one
// each. The ops are unchanged (same bytes, clock and author), so nothing a
// reader sees or a fingerprint covers changes.
void Engine::compactProofs() {
  if (!trust_ || !trust_->self() || reprove_.size() < 2) return;
  std::vector<crdt::Envelope> group;
  auto flush = [&] {
    if (group.size() >= 2 && trust_->sign(group).ok()) {
      for (const crdt::Envelope& e : group) store_->replaceSignature(e);
    }
    group.clear();
  };
  const Bytes self(trust_->self()->begin(), trust_->self()->end());
  for (const OwnRegister& r : reprove_) {
    auto e = store_->registerEnvelope(r.id, r.edge ? &r.target : nullptr);
    if (!e || e->author != self) continue;  // overwritten since
    group.push_back(std::move(*e));
    if (group.size() == security::kMaxGroup) flush();
  }
  flush();
  reprove_.clear();
}

Effects Engine::tick() {
  Effects fx;
  compactProofs();
  if (deferred_.empty()) return fx;
  std::vector<crdt::Envelope> due =
      deferred_.take([&](const crdt::Envelope& e) { return !store_->clock().tooFarAhead(e.clock); });
  if (due.empty()) return fx;
  // They passed the signature check when they arrived; only their time had not come.
  auto report = admit(std::move(due), 0, graph::Source::kPeer, /*trusted=*/true);
  if (!report.ok()) return fx;
  stats_.deferredApplied += report->applied;
  changed(report->changedIds, fx);
  return fx;
}

void Engine::changed(const std::vector<std::string>& ids, Effects& fx) {
  if (ids.empty()) return;
  queries_->onChanged(ids);
  auto events = live_->apply(ids);
  fx.events.insert(fx.events.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
}

// A received record as it came, or, when the gate refused some of its ops,
// only the others.
void Engine::persistAdmitted(Bytes record, Effects& fx) {
  if (!admitDropped_) {
    persist(std::move(record), fx);
    return;
  }
  if (admitKept_.empty()) return;
  for (Bytes& b : sync::encodeOpsChunked(sync::Ops{sync::OpsMode::kState, store_->log().epoch(), 0, 0, false, {}},
                                         admitKept_, options_.session.chunkBytes, options_.store.limits.maxOpsPerMessage)) {
    persist(std::move(b), fx);
  }
}

void Engine::persist(Bytes record, Effects& fx) {
  fx.persist.push_back(std::move(record));
  counted(1, fx);
}

// Records the host appended (ours or a prepared write's): a snapshot is due
// every compactAfterRecords of them until the host says it wrote one.
void Engine::counted(std::size_t records, Effects& fx) {
  stats_.recordsPersisted += records;
  std::size_t before = recordsSinceSnapshot_;
  recordsSinceSnapshot_ += records;
  if (recordsSinceSnapshot_ / options_.compactAfterRecords > before / options_.compactAfterRecords) fx.compact = true;
}

void Engine::send(const std::string& peer, sync::Outgoing messages, Effects& fx) {
  for (auto& m : messages) fx.sends.push_back({peer, std::move(m)});
}

void Engine::fail(const std::string& peer, const Status& status, Effects& fx) {
  fx.failed.push_back({peer, status});
  ++stats_.sessionsFailed;
  peers_.erase(peer);
  inspecting_.erase(peer);
  std::erase_if(pending_, [&](const auto& p) { return !p.second.relayed && p.second.peer == peer; });
}

sync::LinkWatermark& Engine::watermarkFor(const std::string& peer) {
  auto it = watermarks_.find(peer);
  if (it != watermarks_.end()) return it->second;
  // Forget the least recently opened link that has no session now.
  while (watermarks_.size() >= options_.maxWatermarks && !watermarkOrder_.empty()) {
    auto victim = std::find_if(watermarkOrder_.begin(), watermarkOrder_.end(),
                               [&](const std::string& p) { return !peers_.count(p); });
    if (victim == watermarkOrder_.end()) break;
    watermarks_.erase(*victim);
    watermarkOrder_.erase(victim);
  }
  watermarkOrder_.push_back(peer);
  sync::LinkWatermark& w = watermarks_[peer];
  w.tag = ++nextLinkTag_;
  return w;
}

// ---- storage ------------------------------------------------------------------

Status Engine::load(ByteView record, bool fromLog) {
  auto m = sync::decodeMessage(record, options_.store.limits);
  auto* ops = m.ok() ? std::get_if<sync::Ops>(&m.value()) : nullptr;
  if (!ops) {
    ++stats_.recordsRefused;
    return m.ok() ? Status::corrupt("a stored record is not an OPS message") : m.status();
  }
  // This engine's own storage: signatures were checked before it was
  // written (PROTOCOL.md §10), roles and clocks are judged again.
  auto report = admit(std::move(ops->envelopes), 0, graph::Source::kOwn, /*trusted=*/true);
  if (!report.ok()) {
    ++stats_.recordsRefused;
    return report.status().withContext("stored record");
  }
  ++stats_.recordsLoaded;
  if (fromLog) ++recordsSinceSnapshot_;
  queries_->onChanged(report->changedIds);
  return {};
}

std::vector<Bytes> Engine::snapshot() const {
  std::vector<Bytes> out;
  auto add = [&](const std::vector<crdt::Envelope>& envelopes) {
    if (envelopes.empty()) return;
    for (Bytes& b : sync::encodeOpsChunked(sync::Ops{sync::OpsMode::kState, store_->log().epoch(), 0, 0, false, {}},
                                           envelopes, options_.session.chunkBytes,
                                           options_.store.limits.maxOpsPerMessage)) {
      out.push_back(std::move(b));
    }
  };
  // Every grant known, valid or not yet, first: a reload meets them before the ops they permit.
  if (trust_) add(trust_->candidates());
  for (Bytes& b : sync::encodeStateMessages(*store_, nullptr, 0, options_.session.chunkBytes)) out.push_back(std::move(b));
  add({deferred_.ops().begin(), deferred_.ops().end()});
  add({unauthorized_.ops().begin(), unauthorized_.ops().end()});
  return out;
}

// ---- local writes -----------------------------------------------------------------

Result<Engine::Prepared> Engine::prepare(ByteView opBatch) {
  if (prepared_.size() >= 16) return Status::internal("16 writes are prepared and not committed; commit or abort first");
  CG_ASSIGN_OR_RETURN(std::vector<crdt::Op> ops, decodeOpBatch(opBatch, options_.store.limits));
  if (ops.empty()) return Status::invalidArgument("an empty write");
  CG_ASSIGN_OR_RETURN(std::vector<crdt::Envelope> envelopes, store_->stamp(std::move(ops), /*validate=*/false));
  // Local ops pass the same gate (their clocks are fresh: none is deferred).
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    Status s = verifier_.verify(envelopes[i]);
    if (!s.ok()) return s.withContext("op " + std::to_string(i));
  }
  if (trust_) {
    CG_RETURN_IF_ERROR(trust_->sign(envelopes));
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
      Status s = trust_->authorizeLocal(envelopes[i]);
      if (!s.ok()) return s.withContext("op " + std::to_string(i));
    }
  }
  Prepared p;
  p.ticket = nextTicket_++;
  PreparedWrite w;
  w.chunks = sync::packOpsChunks(envelopes, options_.session.chunkBytes, options_.store.limits.maxOpsPerMessage);
  sync::Ops stored{sync::OpsMode::kState, store_->log().epoch(), 0, 0, false, {}};
  for (const auto& c : w.chunks) p.records.push_back(sync::frameOps(stored, c));
  w.envelopes = std::move(envelopes);
  prepared_[p.ticket] = std::move(w);
  return p;
}

void Engine::abort(std::uint64_t ticket) {
  if (prepared_.erase(ticket)) ++stats_.writesAborted;
}

Effects Engine::commit(std::uint64_t ticket) {
  Effects fx;
  auto it = prepared_.find(ticket);
  if (it == prepared_.end()) {
    fx.status = Status::invalidArgument("no prepared write " + std::to_string(ticket));
    return fx;
  }
  std::vector<crdt::Envelope> envelopes = std::move(it->second.envelopes);
  std::vector<sync::OpsChunk> chunks = std::move(it->second.chunks);
  prepared_.erase(it);
  if (trust_) {
    // A revocation may have arrived since prepare(): the stored records are
    // refused again on reload, the same way.
    for (const crdt::Envelope& e : envelopes) {
      if (graph::isAuthorityId(e.op.id) || trust_->permits(e)) continue;
      ++stats_.writesAborted;
      fx.status = trust_->authorizeLocal(e);
      if (fx.status.ok()) fx.status = Status::unauthorized("this identity's role changed since the write was prepared");
      return fx;
    }
  }
  counted(chunks.size(), fx);  // the host persisted them before committing
  std::vector<bool> applied;
  graph::ApplyReport report = store_->apply(envelopes, graph::Source::kOwn, &applied);
  ++stats_.writes;
  if (trust_ && envelopes.size() < security::kMaxGroup) {
    for (const crdt::Envelope& e : envelopes) {
      if (reprove_.size() >= 65'536) break;
      bool edge = e.op.type == crdt::OpType::kLink || e.op.type == crdt::OpType::kUnlink;
      reprove_.push_back({e.op.id, edge ? e.op.target : std::string(), edge});
    }
  }
  if (trust_) {
    bool added = false;
    for (const crdt::Envelope& e : envelopes) {
      if (!graph::isAuthorityId(e.op.id)) continue;
      auto a = trust_->addCandidate(e);
      if (!a.ok()) ++stats_.grantsRefused;
      else added |= *a;
    }
    if (added) {
      graph::ApplyReport more;
      settle(more);
      addChanged(report.changedIds, std::move(more.changedIds));
    }
  }
  changed(report.changedIds, fx);
  // An op that lost to something applied since prepare() was not logged:
  // a live batch claims exactly the seqs of the ops it carries.
  const bool allApplied = report.applied == envelopes.size();
  if (!allApplied) {
    std::vector<crdt::Envelope> logged;
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
      if (applied[i]) logged.push_back(std::move(envelopes[i]));
    }
    envelopes = std::move(logged);
  }
  sync::Outgoing live;
  if (report.applied == 0 || (peers_.empty() && !options_.liveOverMesh)) {
    // nobody to send it to
  } else if (allApplied) {
    // Every op applied: the bodies packed for the records are the live batch's.
    std::uint64_t seq = report.firstSeq;
    for (const auto& c : chunks) {
      sync::Ops header{sync::OpsMode::kLive, store_->log().epoch(), seq, seq + c.count - 1, false, {}};
      live.push_back(std::make_shared<const Bytes>(sync::frameOps(header, c)));
      seq += c.count;
    }
  } else {
    for (Bytes& m : sync::encodeLiveBatch(*store_, envelopes, report.firstSeq, options_.session.chunkBytes)) {
      live.push_back(std::make_shared<const Bytes>(std::move(m)));
    }
  }
  if (live.empty()) return fx;
  if (options_.liveOverMesh) {
    fx.broadcast = std::move(live);
    return fx;
  }
  std::vector<std::string> overflowed;
  for (auto& [peer, p] : peers_) {
    std::uint64_t dropped = p->session->stats().liveDropped;
    send(peer, p->session->sendLive(live), fx);
    stats_.liveDropped += p->session->stats().liveDropped - dropped;
    if (p->session->overflowed()) overflowed.push_back(peer);
  }
  for (const std::string& peer : overflowed) restartSession(peer, fx);
  return fx;
}

void Engine::restartSession(const std::string& peer, Effects& fx, bool stateChanged) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  auto hello = it->second->session->restart(stateChanged);
  if (!hello.ok()) {
    fail(peer, hello.status(), fx);
    return;
  }
  it->second->wasSynced = false;
  if (hello->empty()) return;  // still waiting for the answer to the last restart
  ++stats_.sessionsRestarted;
  fx.sends.push_back({peer, std::make_shared<const Bytes>(std::move(hello).value())});
}

// ---- peers ----------------------------------------------------------------------

Effects Engine::openPeer(const std::string& peer, ByteView identity) {
  Effects fx;
  if (peer.empty() || peer.size() > 256) {
    fx.status = Status::invalidArgument("a peer id is 1 to 256 bytes");
    return fx;
  }
  if (!identity.empty() && identity.size() != security::kPublicKeyBytes) {
    fx.status = Status::invalidArgument("a link's identity is a 32-byte public key");
    return fx;
  }
  if (!peers_.count(peer) && peers_.size() >= options_.maxPeers) {
    ++stats_.peersRefused;
    fx.status = Status::tooLarge("this engine already syncs with " + std::to_string(peers_.size()) + " peers");
    return fx;
  }
  closePeer(peer);
  auto p = std::make_unique<Peer>();
  p->session = std::make_unique<sync::SyncSession>(*store_, *sink_, watermarkFor(peer), *index_, options_.session);
  p->identity.assign(identity.begin(), identity.end());
  fx.sends.push_back({peer, std::make_shared<const Bytes>(p->session->start())});
  peers_[peer] = std::move(p);
  return fx;
}

void Engine::closePeer(const std::string& peer) {
  peers_.erase(peer);
  inspecting_.erase(peer);
  std::erase_if(pending_, [&](const auto& e) { return !e.second.relayed && e.second.peer == peer; });
}

Effects Engine::receive(const std::string& peer, ByteView message) {
  Effects fx;
  ++stats_.messagesReceived;
  if (!peers_.count(peer)) {
    fx.status = Status::closed("no sync session with " + peer);
    return fx;
  }
  if (inspecting_.count(peer)) {
    // The host sends a peer's next message only after resume(): a breach
    // is a host bug, and the session cannot go on out of order.
    fx.status = Status::internal("a message from " + peer + " arrived while its previous one waits for the middleware");
    fail(peer, fx.status, fx);
    return fx;
  }
  auto m = sync::decodeMessage(message, options_.store.limits);
  if (!m.ok()) {
    ++stats_.messagesRefused;
    fx.status = m.status();
    fail(peer, m.status(), fx);
    return fx;
  }
  Pending p{peer, false, std::move(m).value(), message.size(), {}};
  auto* ops = std::get_if<sync::Ops>(&p.message);
  const Bytes& linkIdentity = peers_.at(peer)->identity;
  if (trust_ && ops && ops->mode == sync::OpsMode::kLive && !linkIdentity.empty()) {
    auto impostors = std::count_if(ops->envelopes.begin(), ops->envelopes.end(),
                                   [&](const crdt::Envelope& e) { return e.author != linkIdentity; });
    if (impostors > 0) {
      stats_.opsImpersonated += static_cast<std::uint64_t>(impostors);
      ++stats_.messagesRefused;
      fx.status = Status::unauthorized("a live batch from " + peer + " carries ops its link's identity did not write");
      fail(peer, fx.status, fx);
      return fx;
    }
  }
  if (ops && !ops->envelopes.empty() && options_.middleware) return inspect(std::move(p), message);
  if (ops) p.raw.assign(message.begin(), message.end());
  return deliver(std::move(p), nullptr);
}

Effects Engine::receiveRelayed(const std::string& origin, ByteView message) {
  Effects fx;
  ++stats_.relayedReceived;
  auto m = sync::decodeMessage(message, options_.store.limits);
  auto* ops = m.ok() ? std::get_if<sync::Ops>(&m.value()) : nullptr;
  if (!ops || ops->mode != sync::OpsMode::kLive) {
    ++stats_.relayedRefused;
    fx.status = m.ok() ? Status::invalidArgument("a relayed message is a live OPS batch") : m.status();
    return fx;
  }
  Pending p{origin, true, std::move(m).value(), message.size(), Bytes(message.begin(), message.end())};
  if (options_.middleware && !std::get<sync::Ops>(p.message).envelopes.empty()) return inspect(std::move(p), {});
  return deliver(std::move(p), nullptr);
}

Effects Engine::inspect(Pending p, ByteView raw) {
  Effects fx;
  std::size_t relayedWaiting = std::count_if(pending_.begin(), pending_.end(), [](const auto& e) { return e.second.relayed; });
  if (p.relayed && relayedWaiting >= kMaxRelayedInspections) {
    ++stats_.relayedRefused;
    fx.status = Status::tooLarge("too many relayed batches wait for the middleware");
    return fx;
  }
  if (!raw.empty()) p.raw.assign(raw.begin(), raw.end());
  Inspection in;
  in.ticket = nextTicket_++;
  in.peer = p.peer;
  in.relayed = p.relayed;
  in.ops = std::get<sync::Ops>(p.message).envelopes;
  if (!p.relayed) inspecting_.insert(p.peer);
  pending_.emplace(in.ticket, std::move(p));
  fx.inspect = std::move(in);
  return fx;
}

Effects Engine::resume(std::uint64_t ticket, const std::vector<bool>& keep) {
  auto it = pending_.find(ticket);
  if (it == pending_.end()) {
    Effects fx;
    fx.status = Status::invalidArgument("no message waits for the middleware under ticket " + std::to_string(ticket));
    return fx;
  }
  Pending p = std::move(it->second);
  pending_.erase(it);
  if (!p.relayed) inspecting_.erase(p.peer);
  if (keep.size() != std::get<sync::Ops>(p.message).envelopes.size()) {
    Effects fx;
    fx.status = Status::invalidArgument("the middleware's answer has " + std::to_string(keep.size()) + " flags for " +
                                        std::to_string(std::get<sync::Ops>(p.message).envelopes.size()) + " ops");
    if (!p.relayed) fail(p.peer, fx.status, fx);
    return fx;
  }
  stats_.opsFiltered += static_cast<std::uint64_t>(std::count(keep.begin(), keep.end(), false));
  return deliver(std::move(p), &keep);
}

// What a received OPS message leaves in storage: its verified bytes as they
// came, or, when the middleware dropped some ops, only the kept ones.
Bytes Engine::recordOf(const sync::Ops& ops, const std::vector<bool>* keep, Bytes raw) const {
  if (!keep || std::all_of(keep->begin(), keep->end(), [](bool k) { return k; })) return raw;
  std::vector<crdt::Envelope> kept;
  for (std::size_t i = 0; i < ops.envelopes.size(); ++i) {
    if ((*keep)[i]) kept.push_back(ops.envelopes[i]);
  }
  sync::Ops header{sync::OpsMode::kState, ops.epoch, 0, 0, false, {}};
  // One record: a message of at most maxMessageBytes keeps fewer ops than it had.
  return sync::encodeOpsChunked(header, kept, options_.store.limits.maxMessageBytes,
                                options_.store.limits.maxOpsPerMessage).front();
}

Effects Engine::deliver(Pending p, const std::vector<bool>* keep) {
  Effects fx;
  auto* ops = std::get_if<sync::Ops>(&p.message);
  Bytes record = ops ? recordOf(*ops, keep, std::move(p.raw)) : Bytes{};
  if (p.relayed) {
    std::vector<crdt::Envelope> kept;
    for (std::size_t i = 0; i < ops->envelopes.size(); ++i) {
      if (!keep || (*keep)[i]) kept.push_back(std::move(ops->envelopes[i]));
    }
    auto report = admit(std::move(kept));
    if (!report.ok()) {
      ++stats_.relayedRefused;
      fx.status = report.status();
      return fx;
    }
    if (report->applied + report->deferred > 0) persistAdmitted(std::move(record), fx);
    changed(report->changedIds, fx);
    return fx;
  }
  auto it = peers_.find(p.peer);
  if (it == peers_.end()) {
    fx.status = Status::closed("no sync session with " + p.peer);
    return fx;
  }
  sync::SyncSession& session = *it->second->session;
  admitDropped_ = false;
  auto out = session.receive(std::move(p.message), p.wireBytes, keep);
  if (!out.ok()) {
    ++stats_.messagesRefused;
    fx.status = out.status();
    fail(p.peer, out.status(), fx);
    return fx;
  }
  const graph::ApplyReport& report = session.lastReport();
  if (!record.empty() && report.applied + report.deferred > 0) persistAdmitted(std::move(record), fx);
  changed(session.changedIds(), fx);
  send(p.peer, std::move(out).value(), fx);
  if (session.synced() && !it->second->wasSynced) {
    it->second->wasSynced = true;
    fx.synced.push_back(p.peer);
  }
  return fx;
}

Effects Engine::resyncAll() {
  Effects fx;
  std::vector<std::string> all;
  for (const auto& [peer, p] : peers_) all.push_back(peer);
  for (const std::string& peer : all) restartSession(peer, fx);
  return fx;
}

Effects Engine::clear(std::uint64_t newEpoch) {
  Effects fx;
  if (newEpoch == 0 || newEpoch == store_->log().epoch()) {
    fx.status = Status::invalidArgument("clear() needs a new non-zero epoch");
    return fx;
  }
  std::vector<std::string> ids;
  ids.reserve(store_->recordCount());
  for (const auto& [id, n] : store_->records()) ids.push_back(id);
  store_->clear(newEpoch);
  changed(ids, fx);
  // We no longer hold what the watermarks vouched for.
  for (auto& [peer, w] : watermarks_) w.epoch = w.seq = 0;  // tags stay: they name links
  deferred_.clear();
  unauthorized_.clear();
  reprove_.clear();
  if (trust_) trust_->clear();
  prepared_.clear();
  pending_.clear();
  inspecting_.clear();
  recordsSinceSnapshot_ = 0;
  std::vector<std::string> all;
  for (const auto& [peer, p] : peers_) all.push_back(peer);
  for (const std::string& peer : all) restartSession(peer, fx, true);
  return fx;
}

}  // namespace cellgraph::api
