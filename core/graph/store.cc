#include "core/graph/store.h"

#include <unordered_set>

namespace cellgraph::graph {
namespace json = boost::json;

Store::Store(Clock& clock, StoreOptions options)
    : options_(options),
      hlc_(clock, options.replicaId, options.maxClockAheadMs),
      log_(options.opLogWindow, options.logEpoch) {}

Hash128 Store::valueElementHash(const std::string& id, const NodeRecord& n) {
  if (n.clock.isZero()) return {};
  return Hasher().field(asBytes(id)).u64(n.clock.wall).u64(n.clock.counter).u64(n.clock.peer).u64(n.removed).finish128();
}

Hash128 Store::edgeElementHash(const std::string& id, const std::string& target, const EdgeState& e) {
  return Hasher().field(asBytes(id)).field(asBytes(target)).u64(e.clock.wall).u64(e.clock.counter).u64(e.clock.peer)
      .u64(e.present ? 2 : 3).finish128();
}

Envelope Store::valueEnvelope(const std::string& id, const NodeRecord& n) const {
  Envelope e;
  e.op.type = n.value ? OpType::kPut : OpType::kRemove;
  e.op.id = id;
  e.op.value = n.value;
  e.clock = n.clock;
  e.author = n.author;
  e.signature = n.signature;
  return e;
}

bool Store::applyOne(const Envelope& e, Source source, std::uint32_t linkTag, ApplyReport& report) {
  auto it = nodes_.find(e.op.id);
  NodeRecord* n = it == nodes_.end() ? nullptr : &it->second;
  bool changed = false;
  // A new record from elsewhere counts against the quotas; one that holds
  // no value (a remove or unlink of a node never seen) against both.
  bool newGhost = false;
  if (!n && source == Source::kPeer) {
    newGhost = e.op.type != OpType::kPut && e.op.type != OpType::kLink;
    if (nodes_.size() >= options_.maxRecords || (newGhost && ghosts_ >= options_.maxGhostRecords)) {
      ++report.overQuota;
      return false;
    }
  }
  if (e.op.type == OpType::kPut || e.op.type == OpType::kRemove) {
    hlc::Timestamp current = n ? n->clock : hlc::Timestamp{};
    bool wins = e.clock > current || (n && e.clock == current && !current.isZero() && winsTie(e, valueEnvelope(e.op.id, *n)));
    if (wins) {
      if (!n) n = newRecord(e.op.id, newGhost);
      bool wasLive = n->exists();
      total_ -= n->itemHash;
      n->itemHash -= valueElementHash(e.op.id, *n);
      n->clock = e.clock;
      n->removed = e.op.type == OpType::kRemove;
      n->value = n->removed ? nullptr : e.op.value;
      n->author = e.author;
      n->signature = e.signature;
      n->itemHash += valueElementHash(e.op.id, *n);
      total_ += n->itemHash;
      if (n->exists() != wasLive) n->exists() ? ++live_ : --live_;
      if (n->ghost && n->exists()) {
        n->ghost = false;
        --ghosts_;
      }
      changed = true;
    }
  } else {
    const EdgeState* edge = nullptr;
    if (n) {
      auto eit = n->edges.find(e.op.target);
      if (eit != n->edges.end()) edge = &eit->second;
    }
    bool present = e.op.type == OpType::kLink;
    bool wins = !edge || e.clock > edge->clock;
    if (edge && e.clock == edge->clock) {
      Envelope held{{edge->present ? OpType::kLink : OpType::kUnlink, e.op.id, e.op.target, nullptr}, edge->clock,
                    edge->author, edge->signature};
      wins = winsTie(e, held);
    }
    if (wins) {
      if (!n) n = newRecord(e.op.id, newGhost);
      EdgeState& s = n->edges[e.op.target];
      total_ -= n->itemHash;
      if (edge) n->itemHash -= edgeElementHash(e.op.id, e.op.target, s);
      s.clock = e.clock;
      s.present = present;
      s.author = e.author;
      s.signature = e.signature;
      n->itemHash += edgeElementHash(e.op.id, e.op.target, s);
      total_ += n->itemHash;
      changed = true;
    }
  }
  if (!changed) {
    ++report.stale;
    return false;
  }
  std::uint64_t seq = log_.append(e, linkTag);
  if (report.firstSeq == 0) report.firstSeq = seq;
  report.lastSeq = seq;
  ++report.applied;
  ++version_;
  return true;
}

NodeRecord* Store::newRecord(const std::string& id, bool ghost) {
  NodeRecord* n = &nodes_[id];
  n->ghost = ghost;
  ghosts_ += ghost;
  return n;
}

Result<std::vector<Envelope>> Store::stamp(std::vector<Op> ops, bool validate) {
  // Check the whole batch first, against the state it will meet.
  std::unordered_map<std::string_view, bool> pending;  // existence after earlier ops of the batch
  auto existsNow = [&](std::string_view id) {
    auto it = pending.find(id);
    return it != pending.end() ? it->second : exists(id);
  };
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    auto context = [i] { return "op " + std::to_string(i); };
    if (validate) {
      Status s = crdt::validateOp(op, options_.limits);
      if (s.ok() && op.type == OpType::kPut) s = crdt::validateObject(*op.value, options_.limits);
      if (!s.ok()) return s.withContext(context());
    }
    switch (op.type) {
      case OpType::kPut: pending[op.id] = true; break;
      case OpType::kRemove: pending[op.id] = false; break;
      case OpType::kLink:
        if (!existsNow(op.id)) return Status::notFound("cannot link from missing node '" + op.id + "'").withContext(context());
        if (!existsNow(op.target)) return Status::notFound("cannot link to missing node '" + op.target + "'").withContext(context());
        break;
      case OpType::kUnlink: break;
    }
  }
  std::uint64_t physical = hlc_.physicalMs();
  if (physical < kSaneWallMs) {
    return Status::internal("the host clock reads " + std::to_string(physical) +
                            " ms since 1970; local writes need a real wall clock");
  }
  std::vector<Envelope> out;
  out.reserve(ops.size());
  for (Op& op : ops) out.push_back({std::move(op), hlc_.now(), {}, {}});
  return out;
}

Result<std::vector<Envelope>> Store::write(std::vector<Op> ops, ApplyReport* reportOut) {
  CG_ASSIGN_OR_RETURN(std::vector<Envelope> envelopes, stamp(std::move(ops)));
  ApplyReport report = apply(envelopes, Source::kOwn);
  if (reportOut) *reportOut = std::move(report);
  return envelopes;
}

namespace {
Result<Envelope> single(Result<std::vector<Envelope>> r) {
  if (!r.ok()) return r.status();
  return std::move(r.value().front());
}
}  // namespace

Result<Envelope> Store::put(std::string id, json::object value) {
  std::vector<Op> ops(1);
  ops[0] = {OpType::kPut, std::move(id), {}, std::make_shared<const json::object>(std::move(value))};
  return single(write(std::move(ops)));
}

Result<Envelope> Store::remove(std::string id) {
  std::vector<Op> ops(1);
  ops[0] = {OpType::kRemove, std::move(id), {}, nullptr};
  return single(write(std::move(ops)));
}

Result<Envelope> Store::link(std::string source, std::string target) {
  std::vector<Op> ops(1);
  ops[0] = {OpType::kLink, std::move(source), std::move(target), nullptr};
  return single(write(std::move(ops)));
}

Result<Envelope> Store::unlink(std::string source, std::string target) {
  std::vector<Op> ops(1);
  ops[0] = {OpType::kUnlink, std::move(source), std::move(target), nullptr};
  return single(write(std::move(ops)));
}

ApplyReport Store::apply(const std::vector<Envelope>& batch, Source source, std::vector<bool>* applied,
                         std::uint32_t linkTag) {
  ApplyReport report;
  std::unordered_set<std::string_view> seen;
  if (applied) applied->assign(batch.size(), false);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Envelope& e = batch[i];
    hlc_.observe(e.clock);
    if (!applyOne(e, source, linkTag, report)) continue;
    if (applied) (*applied)[i] = true;
    if (seen.insert(e.op.id).second) report.changedIds.push_back(e.op.id);
  }
  return report;
}

std::vector<std::string> Store::retract(const std::function<bool(const Bytes&)>& suspect,
                                       const std::function<bool(const Envelope&)>& drop) {
  std::vector<std::string> changed;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    const std::string& id = it->first;
    NodeRecord& n = it->second;
    bool touched = false;
    total_ -= n.itemHash;
    if (!n.clock.isZero() && suspect(n.author) && drop(valueEnvelope(id, n))) {
      n.itemHash -= valueElementHash(id, n);
      if (n.exists()) --live_;
      n.clock = {};
      n.removed = false;
      n.value = nullptr;
      n.author.clear();
      n.signature.clear();
      touched = true;
    }
    for (auto e = n.edges.begin(); e != n.edges.end();) {
      auto edgeEnvelope = [&] {
        return Envelope{{e->second.present ? OpType::kLink : OpType::kUnlink, id, e->first, nullptr}, e->second.clock,
                        e->second.author, e->second.signature};
      };
      if (suspect(e->second.author) && drop(edgeEnvelope())) {
        n.itemHash -= edgeElementHash(id, e->first, e->second);
        e = n.edges.erase(e);
        touched = true;
      } else {
        ++e;
      }
    }
    total_ += n.itemHash;
    if (!touched) {
      ++it;
      continue;
    }
    ++version_;
    changed.push_back(id);
    if (n.clock.isZero() && n.edges.empty()) {
      total_ -= n.itemHash;  // zero by now
      ghosts_ -= n.ghost;
      it = nodes_.erase(it);
    } else {
      ++it;
    }
  }
  return changed;
}

std::optional<Envelope> Store::registerEnvelope(const std::string& id, const std::string* target) const {
  const NodeRecord* n = find(id);
  if (!n) return std::nullopt;
  if (!target) {
    if (n->clock.isZero()) return std::nullopt;
    return valueEnvelope(id, *n);
  }
  auto e = n->edges.find(*target);
  if (e == n->edges.end()) return std::nullopt;
  return Envelope{{e->second.present ? OpType::kLink : OpType::kUnlink, id, *target, nullptr}, e->second.clock,
                  e->second.author, e->second.signature};
}

bool Store::replaceSignature(const Envelope& e) {
  auto it = nodes_.find(e.op.id);
  if (it == nodes_.end()) return false;
  NodeRecord& n = it->second;
  if (e.op.type == OpType::kPut || e.op.type == OpType::kRemove) {
    if (n.clock != e.clock || n.author != e.author) return false;
    n.signature = e.signature;
    return true;
  }
  auto edge = n.edges.find(e.op.target);
  if (edge == n.edges.end() || edge->second.clock != e.clock || edge->second.author != e.author) return false;
  edge->second.signature = e.signature;
  return true;
}

const std::string* Store::nextInStateOrder(const std::optional<std::string>& after) const {
  auto authorityBegin = nodes_.lower_bound(kAuthorityPrefix);
  auto authorityEnd = nodes_.lower_bound(kAuthorityPrefixEnd);
  auto it = nodes_.begin();  // where the rest continues
  if (!after) {
    if (authorityBegin != authorityEnd) return &authorityBegin->first;
  } else if (isAuthorityId(*after)) {
    auto next = nodes_.upper_bound(*after);
    if (next != authorityEnd) return &next->first;
  } else {
    it = nodes_.upper_bound(*after);
  }
  if (it == authorityBegin) it = authorityEnd;
  return it == nodes_.end() ? nullptr : &it->first;
}

const NodeRecord* Store::find(std::string_view id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

bool Store::exists(std::string_view id) const {
  const NodeRecord* n = find(id);
  return n && n->exists();
}

std::vector<std::string> Store::visibleEdges(const NodeRecord& node) const {
  std::vector<std::string> out;
  if (!node.exists()) return out;
  for (const auto& [target, e] : node.edges) {
    if (e.present && exists(target)) out.push_back(target);
  }
  return out;
}

void Store::elementEnvelopes(const std::string& id, const NodeRecord& n, std::vector<Envelope>& out) const {
  if (!n.clock.isZero()) out.push_back(valueEnvelope(id, n));
  for (const auto& [target, e] : n.edges) {
    out.push_back({{e.present ? OpType::kLink : OpType::kUnlink, id, target, nullptr}, e.clock, e.author, e.signature});
  }
}

std::array<std::uint8_t, 32> Store::digest() const {
  Hasher h(32);
  h.u64(nodes_.size());
  for (const auto& [id, n] : nodes_) {
    h.field(asBytes(id)).u64(n.clock.wall).u64(n.clock.counter).u64(n.clock.peer).u64(n.removed);
    if (n.value) h.field(crdt::encodeObject(*n.value));
    h.u64(n.edges.size());
    for (const auto& [target, e] : n.edges) {
      h.field(asBytes(target)).u64(e.clock.wall).u64(e.clock.counter).u64(e.clock.peer).u64(e.present);
    }
  }
  return h.finish256();
}

void Store::clear(std::uint64_t newEpoch) {
  nodes_.clear();
  live_ = 0;
  ghosts_ = 0;
  total_ = {};
  log_.reset(newEpoch);
  options_.logEpoch = newEpoch;
  ++version_;
  ++generation_;
}

}  // namespace cellgraph::graph
