#include "core/mesh/mesh.h"

#include <algorithm>
#include <bit>

namespace cellgraph::mesh {

bool DedupWindow::insert(std::uint64_t id) {
  if (!set_.insert(id).second) return false;
  order_.push_back(id);
  if (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

bool Mesh::Bucket::take(std::size_t cost, std::size_t rate, std::size_t burst, std::int64_t now) {
  const auto full = static_cast<std::int64_t>(burst) * 1000;
  if (level < 0) {
    level = full;
  } else if (now > at) {
    level = std::min(full, level + (now - at) * static_cast<std::int64_t>(rate));
  }
  at = std::max(at, now);
  const auto price = static_cast<std::int64_t>(cost) * 1000;
  if (level < price && level < full) return false;
  level = std::max<std::int64_t>(0, level - price);
  return true;
}

Mesh::Mesh(std::string selfId, MeshConfig config, std::int64_t now, std::unique_ptr<MeshCrypto> crypto)
    : selfId_(std::move(selfId)),
      selfKey_(keyOf(selfId_)),
      config_(config),
      crypto_(std::move(crypto)),
      roster_(config.tombstoneMs),
      seen_(config.dedupWindow) {
  config_.limits.maxRosterEntries = std::min(config_.limits.maxRosterEntries, kMaxMembersPerFrame);
  signOwn();
  roster_.apply(own_, now);
  refresh(now);
}

void Mesh::signOwn() {
  own_ = Member{selfKey_, selfId_, incarnation_, left_ ? MemberState::kLeft : MemberState::kAlive, flags_, {}};
  Bytes sig = crypto_->sign(claimDigest(own_));
  own_.sig.assign(sig.begin(), sig.end());
}

// ---- links --------------------------------------------------------------

bool Mesh::banned(const std::string& peer, std::int64_t now) const {
  auto it = banned_.find(peer);
  return it != banned_.end() && now < it->second;
}

void Mesh::linkUp(const std::string& peer, std::int64_t now) {
  if (peer == selfId_ || left_) return;
  inFlight_.erase(peer);
  std::size_t connected = static_cast<std::size_t>(
      std::count_if(links_.begin(), links_.end(), [&](const auto& e) { return e.second.connected && e.first != peer; }));
  if (banned(peer, now) || (connected >= config_.maxLinks && !wanted_.count(peer))) {
    stats_.linksRefused++;
    hangups_.push_back(peer);  // a wanted peer's old link state keeps its silence clock
    return;
  }
  LinkState& link = links_[peer];
  link = LinkState{};
  link.key = keyOf(peer);
  link.up = link.lastHeard = now;
  link.connected = true;
  // A new link's roster budget starts at one second's worth, not a burst:
  // a peer that hangs up and links again gains nothing by it.
  link.rosterBudget.level = static_cast<std::int64_t>(config_.rosterRate) * 1000;
  link.rosterBudget.at = now;
  link.gossipCursor = gossipSeq_;  // what came before is in the roster it gets
  link.ihaveCursor = recentSeq_;   // and broadcasts from before it are not its business
  dialedAt_.erase(peer);
  sendHeartbeat(peer, link, now);
}

void Mesh::linkDown(const std::string& peer, std::int64_t) {
  auto it = links_.find(peer);
  if (it == links_.end()) return;
  // A peer we still want keeps its silence clock: if it does not come back,
  // it is suspected and evicted like a silent link.
  if (wanted_.count(peer) && roster_.findId(peer)) {
    it->second.connected = false;
    dialedAt_.erase(peer);
  } else {
    links_.erase(it);
  }
  unneededSince_.erase(peer);
}

void Mesh::hangUp(const std::string& peer, std::int64_t now) {
  stats_.hungUpRefusing++;
  if (banned_.size() >= config_.maxBanned) {
    std::erase_if(banned_, [&](const auto& e) { return now >= e.second; });
  }
  if (banned_.size() < config_.maxBanned) banned_[peer] = now + config_.banMs;
  hangups_.push_back(peer);
  linkDown(peer, now);
}

void Mesh::sendTo(const std::string& peer, std::shared_ptr<const Bytes> bytes) {
  stats_.framesSent++;
  stats_.bytesSent += bytes->size();
  frames_.push_back({peer, std::move(bytes)});
}

void Mesh::sendHeartbeat(const std::string& peer, LinkState& link, std::int64_t now) {
  link.lastSent = now;
  Heartbeat h{roster_.size(), roster_.digest(), {}, incarnation_, flags_, own_.sig};
  // Only broadcasts whose flood has had time to finish, or a neighbour
  // would ask for what is still on its way. Newest first, so a capped list
  // keeps what is most likely missing.
  std::uint64_t first = std::max(link.ihaveCursor, recentBase_) + 1, last = first - 1;
  while (last < recentSeq_ && now - recent_[last - recentBase_].at >= config_.repairDelayMs) last++;
  for (std::uint64_t seq = last; seq >= first && h.ihave.size() < config_.limits.maxIds; --seq) {
    const Recent& r = recent_[seq - recentBase_ - 1];
    if (r.from != link.key && cache_.count(r.id)) h.ihave.push_back(r.id);
  }
  link.ihaveCursor = last;
  sendTo(peer, std::make_shared<const Bytes>(encodeFrame(h)));
}

// The whole view in frames of at most kMaxMembersPerFrame entries, so it
// fits what the receiver decodes whatever the room's size; at most one
// whole roster per link per rosterEveryMs, however often its heartbeats ask.
void Mesh::sendRoster(const std::string& peer, LinkState& link, std::int64_t now) {
  if (now - link.lastRoster < config_.rosterEveryMs) {
    stats_.rostersDeferred++;
    return;
  }
  link.lastRoster = now;
  stats_.rostersSent++;
  RosterFrame frame{roster_.size(), {}};
  auto flush = [&] {
    sendTo(peer, std::make_shared<const Bytes>(encodeFrame(frame)));
    frame.members.clear();
  };
  roster_.forEach([&](const Member& m) {
    frame.members.push_back(m);
    if (frame.members.size() == config_.limits.maxRosterEntries) flush();
  });
  roster_.forEachTombstone([&](const Member& m) {
    frame.members.push_back(m);
    if (frame.members.size() == config_.limits.maxRosterEntries) flush();
  });
  if (!frame.members.empty()) flush();
}

// ---- incoming -----------------------------------------------------------

Status Mesh::refuse(LinkState& link, const std::string& from, std::uint64_t& reason, Status why, std::int64_t now) {
  stats_.refused++;
  reason++;
  if (now - link.refusalsSince >= config_.refusalWindowMs) {
    link.refusals = 0;
    link.refusalsSince = now;
  }
  if (++link.refusals >= config_.refusalLimit) hangUp(from, now);
  return why;
}

Status Mesh::receive(const std::string& from, ByteView bytes, std::int64_t now) {
  auto it = links_.find(from);
  if (it == links_.end() || !it->second.connected) {
    stats_.refused++;
    stats_.refusedUnlinked++;
    return Status::invalidArgument("mesh frame from a peer without a link");
  }
  LinkState& link = it->second;
  stats_.framesReceived++;
  if (auto id = floodId(bytes); id && seen_.contains(*id)) {
    // Not checked, so not "heard": a valid frame of its id was, already.
    stats_.duplicates++;
    return {};
  }
  auto frame = decodeFrame(bytes, config_.limits);
  if (!frame.ok()) return refuse(link, from, stats_.refusedMalformed, frame.status(), now);
  if (left_) return {};
  Status st;
  if (auto* h = std::get_if<Heartbeat>(&frame.value())) {
    st = onHeartbeat(from, link, *h, now);
  } else if (auto* w = std::get_if<IwantFrame>(&frame.value())) {
    onIwant(from, link, *w, now);
  } else if (auto* r = std::get_if<RosterFrame>(&frame.value())) {
    st = onRoster(from, link, *r, now);
  } else if (auto* g = std::get_if<GossipFrame>(&frame.value())) {
    st = onGossip(from, link, *g, now);
  } else {
    Flood& f = std::get<Flood>(frame.value());
    if (!floodIdOf(f.id, keyOf(f.origin))) {
      return refuse(link, from, stats_.refusedForeignId, Status::badSignature("flood id is not its origin's"), now);
    }
    stats_.signaturesVerified++;
    if (!crypto_->verify(f.origin, floodDigestOf(f), asBytes(f.sig))) {
      return refuse(link, from, stats_.refusedSignature, Status::badSignature("flood signature is not its origin's"), now);
    }
    link.lastHeard = now;
    onFlood(from, link, bytes, std::move(f), now);
  }
  if (!st.ok()) return refuse(link, from, stats_.refusedSignature, st, now);
  // The handlers may have dropped the link (an eviction); `link` is then gone.
  if (auto again = links_.find(from); again != links_.end()) again->second.lastHeard = now;
  flushGossip(now);
  return {};
}

Mesh::Verdict Mesh::check(const Member& m, LinkState& link, bool exempt, std::int64_t now) {
  if (m.id == selfId_) {
    // Only we sign our entry: a claim above our incarnation, or another at
    // ours, is forged; an older one is stale.
    if (m.incarnation < incarnation_) return Verdict::kNoChange;
    if (m.incarnation > incarnation_ || !m.sameClaim(own_)) return Verdict::kForged;
    return (m.flags & kAccusations) ? Verdict::kApply : Verdict::kNoChange;
  }
  const Member* current = roster_.entry(m.key, m.id);
  if (current) {
    if (mergeMembers(*current, m) == *current) return Verdict::kNoChange;
    if (current->sameClaim(m)) return Verdict::kApply;  // only accusations added: the signature is held
  }
  if (!exempt && !link.rosterBudget.take(1, config_.rosterRate, config_.rosterBurst, now)) {
    stats_.membersDeferred++;
    return Verdict::kDeferred;
  }
  stats_.signaturesVerified++;
  return crypto_->verify(m.id, claimDigest(m), asBytes(m.sig)) ? Verdict::kApply : Verdict::kForged;
}

bool Mesh::checkAll(const std::vector<Member>& members, LinkState& link, bool exempt, std::int64_t now,
                    std::vector<const Member*>& apply) {
  for (const Member& m : members) {
    switch (check(m, link, exempt, now)) {
      case Verdict::kForged: return false;
      case Verdict::kApply: apply.push_back(&m); break;
      default: break;
    }
  }
  return true;
}

Status Mesh::onHeartbeat(const std::string& from, LinkState& link, const Heartbeat& h, std::int64_t now) {
  // The sender vouches for itself, signed. Its neighbours pass on what that
  // changes, so a newcomer is placed even if its sponsor crashed before
  // gossiping it.
  Member self{link.key, from, h.incarnation, MemberState::kAlive, h.flags, h.sig};
  Verdict v = check(self, link, false, now);
  if (v == Verdict::kForged) return Status::badSignature("heartbeat entry not signed by its sender");
  if (v == Verdict::kApply && applyMember(self, now) != Roster::Change::kNone) {
    if (const Member* current = roster_.find(link.key, from)) gossip(*current, from);
  }
  if (links_.find(from) == links_.end()) return {};  // that update evicted it
  // And it hears at once what we hold against it (a suspicion, or an
  // eviction it outlived), so an accusation it never got by gossip does
  // not demote it for good: it refutes. Once a beat.
  if (const Member* current = roster_.entry(link.key, from);
      current && (current->flags & kAccusations) && now - link.lastSuspicionReply >= config_.heartbeatMs) {
    link.lastSuspicionReply = now;
    sendTo(from, std::make_shared<const Bytes>(encodeFrame(GossipFrame{{*current}})));
  }
  IwantFrame want;
  for (std::uint64_t id : h.ihave) {
    if (seen_.contains(id) || asked_.count(id)) continue;
    if (asked_.size() >= config_.maxAsked || link.asked >= config_.maxAskedPerLink) {
      stats_.asksDeclined++;
      continue;
    }
    asked_.emplace(id, Asked{now, from});
    link.asked++;
    want.ids.push_back(id);
  }
  if (!want.ids.empty()) {
    stats_.repairsAsked += want.ids.size();
    sendTo(from, std::make_shared<const Bytes>(encodeFrame(want)));
  }

  // Views that differ are reconciled by swapping rosters, but floods in
  // flight make neighbours differ for a moment all the time. So a swap
  // happens only when the difference cannot be in flight: one side is a
  // newcomer (a roster of one), or neither digest moved between two beats,
  // or the sizes stay far apart (two partitions meeting).
  std::uint64_t ours = roster_.digest();
  bool first = !link.heardHeartbeat;
  link.heardHeartbeat = true;
  if (h.rosterDigest == ours) {
    link.stableMismatch = link.sizeMismatch = 0;
    return {};
  }
  bool stable = !first && h.rosterDigest == link.theirDigest && ours == link.ourDigest;
  link.stableMismatch = stable ? static_cast<std::uint8_t>(std::min(link.stableMismatch + 1, 255)) : 0;
  std::uint64_t size = roster_.size();
  std::uint64_t gap = h.rosterSize > size ? h.rosterSize - size : size - h.rosterSize;
  link.sizeMismatch = gap > std::max<std::uint64_t>(2, size / 64) ? static_cast<std::uint8_t>(std::min(link.sizeMismatch + 1, 255)) : 0;
  link.theirDigest = h.rosterDigest;
  link.ourDigest = ours;
  // A newcomer's first roster misses what was in flight while it was
  // sent: a second one follows after a few heartbeats.
  if (first && h.rosterSize == 1 && size > 1) link.followUpAt = now + 3 * config_.heartbeatMs;
  if ((first && (h.rosterSize == 1 || size == 1)) || link.stableMismatch >= 2 || link.sizeMismatch >= 3) {
    std::uint64_t sent = stats_.rostersSent;
    sendRoster(from, link, now);
    if (stats_.rostersSent != sent) link.stableMismatch = link.sizeMismatch = 0;
  }
  return {};
}

Status Mesh::onRoster(const std::string& from, LinkState& link, const RosterFrame& r, std::int64_t now) {
  // A newcomer takes its sponsors' views whole: the ROSTERs it gets within
  // sponsorMs of the first (the chunks of one roster, a second sponsor's,
  // the follow-up). maxMembers still holds.
  if (sponsoredUntil_ == INT64_MIN) sponsoredUntil_ = now + config_.sponsorMs;
  std::vector<const Member*> apply;
  if (!checkAll(r.members, link, now < sponsoredUntil_, now, apply)) {
    return Status::badSignature("roster entry not signed by its member");
  }
  // When views meet, the larger side gossips what it learned from the
  // smaller (a newcomer, a small partition) into itself; the smaller side
  // gossips nothing and learns the rest from its own roster swaps, which
  // the size gap triggers. So a merge costs updates in the size of the
  // smaller view, never of the larger.
  bool larger = roster_.size() >= r.rosterSize;
  for (const Member* m : apply) {
    bool wasAlive = roster_.find(m->key, m->id) != nullptr;
    Roster::Change change = applyMember(*m, now);
    // A tombstone of someone this peer never saw alive is not news. The
    // sender's own entry always is: it may be a newcomer that nobody else
    // has heard of, whatever the sizes of the views.
    if (change == Roster::Change::kNone || (change == Roster::Change::kUpdated && !wasAlive)) continue;
    if (!larger && m->id != from) continue;
    if (const Member* current = roster_.entry(m->key, m->id)) gossip(*current, from, false);
  }
  return {};
}

// Each IWANT gets at most maxRepliesPerIwant frames, each cached broadcast
// goes to a link at most once per repair window (so ids repeated in one
// IWANT, or asked again, cost nothing), and a link's replies stay within
// its repair budget. A link can pull no more than the flood sends it.
void Mesh::onIwant(const std::string& from, LinkState& link, const IwantFrame& w, std::int64_t now) {
  std::size_t replies = 0;
  for (std::uint64_t id : w.ids) {
    auto it = cache_.find(id);
    if (it == cache_.end()) continue;  // expired here too
    const auto& bytes = it->second.bytes;
    if (replies >= config_.maxRepliesPerIwant || link.served.count(id) ||
        !link.repairFrames.take(1, config_.repairFramesPerSecond, config_.repairFramesPerSecond, now) ||
        !link.repairBytes.take(bytes->size(), config_.repairBytesPerSecond, config_.repairBytesPerSecond, now)) {
      stats_.repliesDeclined++;
      continue;
    }
    link.served.insert(id);
    link.servedOrder.emplace_back(now, id);
    replies++;
    stats_.repairsServed++;
    sendTo(from, bytes);
  }
}

void Mesh::remember(std::uint64_t id, std::shared_ptr<const Bytes> bytes, PeerKey from, std::int64_t now) {
  recent_.push_back({now, id, from});
  recentSeq_++;
  auto [it, fresh] = cache_.try_emplace(id);
  if (!fresh) cachedBytes_ -= it->second.bytes->size();
  cachedBytes_ += bytes->size();
  it->second = Cached{std::move(bytes), recentSeq_};
  while (!recent_.empty() && (cache_.size() > config_.maxCached || cachedBytes_ > config_.maxCachedBytes)) {
    stats_.cacheDropped++;
    dropCached();
  }
}

// Drops the oldest entry of recent_ and its cached frame.
void Mesh::dropCached() {
  const Recent& r = recent_.front();
  if (auto it = cache_.find(r.id); it != cache_.end() && it->second.seq == recentBase_ + 1) {
    cachedBytes_ -= it->second.bytes->size();
    cache_.erase(it);
  }
  recent_.pop_front();
  recentBase_++;
}

Status Mesh::onGossip(const std::string& from, LinkState& link, const GossipFrame& g, std::int64_t now) {
  std::vector<const Member*> apply;
  if (!checkAll(g.members, link, false, now, apply)) return Status::badSignature("gossip entry not signed by its member");
  // A cell mate that passes news on passes it to the whole cell.
  bool cellCovered = inOwnCell(link.key);
  for (const Member* m : apply) {
    if (applyMember(*m, now) == Roster::Change::kNone) continue;
    if (const Member* current = roster_.entry(m->key, m->id)) gossip(*current, from, cellCovered);
  }
  return {};
}

// REQUIRES: m passed check() (or comes from this peer's own view).
Roster::Change Mesh::applyMember(const Member& m, std::int64_t now) {
  if (m.id == selfId_) {
    // An accusation at our incarnation (check() made sure it is ours):
    // refute with the next one, which only we can sign.
    bool accused = m.state == MemberState::kLeft || (m.flags & kAccusations);
    if (accused && m.incarnation == incarnation_ && !left_ && incarnation_ < UINT32_MAX) {
      incarnation_++;
      signOwn();
      roster_.apply(own_, now);
      stats_.refutations++;
      gossip(own_);
      dirty_ = true;
    }
    return Roster::Change::kNone;
  }
  const Member* current = roster_.entry(m.key, m.id);
  bool joins = m.alive() && (!current || !current->alive());
  if ((joins && roster_.size() >= config_.maxMembers) ||
      (!current && !m.alive() && roster_.tombstones() >= config_.maxMembers)) {
    stats_.membersOverCap++;
    return Roster::Change::kNone;
  }
  Roster::Change change = roster_.apply(m, now);
  if (change == Roster::Change::kNone) return change;
  dirty_ = true;
  if (change == Roster::Change::kLeft) {
    if (links_.erase(m.id)) hangups_.push_back(m.id);
    dialedAt_.erase(m.id);
  }
  return change;
}

void Mesh::onFlood(const std::string& from, const LinkState& source, ByteView bytes, Flood f, std::int64_t now) {
  if (!seen_.insert(f.id)) return;
  bool mine = !f.to || *f.to == selfId_;
  bool repaired = false;
  if (auto a = asked_.find(f.id); a != asked_.end() && !f.to) {
    if (auto l = links_.find(a->second.from); l != links_.end() && l->second.asked > 0) l->second.asked--;
    asked_.erase(a);
    repaired = true;
  }
  if (mine && f.origin != selfId_) {
    stats_.delivered++;
    stats_.repaired += repaired;
    deliveries_.push_back({f.id, f.origin, std::move(f.body), f.hops + 1u, f.to.has_value(), repaired});
  }
  if (!f.to) {
    if (f.ttl == 0) {
      stats_.expired++;
      remember(f.id, std::make_shared<const Bytes>(bytes.begin(), bytes.end()), source.key, now);
      return;
    }
    auto forwarded = std::make_shared<const Bytes>(forwardFlood(bytes));
    remember(f.id, forwarded, source.key, now);
    relay(from, source, forwarded, f);
  } else if (*f.to != selfId_) {
    if (f.ttl == 0) {
      stats_.expired++;
      return;
    }
    route(from, std::make_shared<const Bytes>(forwardFlood(bytes)), *f.to, now);
  }
}

void Mesh::relay(const std::string& from, const LinkState& source, const std::shared_ptr<const Bytes>& forwarded,
                 const Flood& f) {
  bool fromOwnCell = inOwnCell(source.key);
  for (const auto& [peer, link] : links_) {
    if (!link.connected || peer == from || peer == f.origin) continue;
    if (fromOwnCell && inOwnCell(link.key)) continue;  // the sender covered our cell
    sendTo(peer, forwarded);
  }
}

void Mesh::route(const std::string& from, std::shared_ptr<const Bytes> bytes, const std::string& target,
                 std::int64_t now) {
  if (auto it = links_.find(target); it != links_.end() && it->second.connected) {
    sendTo(target, std::move(bytes));
    return;
  }
  PeerKey targetKey = keyOf(target);
  if (!inOwnCell(targetKey)) {
    // The first key bit where our cell and the target's part: any link on
    // the target's side of it is progress; the longest shared prefix is
    // best. Keys are compared where they sit, so a guest counts as in its host.
    Topology topology(roster_, config_.topology);
    PeerKey targetPlace = topology.placeOf(targetKey);
    auto level = static_cast<unsigned>(std::countl_zero(topology.placeOf(selfKey_) ^ targetPlace));
    const std::string* best = nullptr;
    unsigned bestScore = level;
    for (const auto& [peer, link] : links_) {
      if (!live(link, now) || peer == from) continue;
      auto score = static_cast<unsigned>(std::countl_zero(topology.placeOf(link.key) ^ targetPlace));
      if (score > bestScore) {
        bestScore = score;
        best = &peer;
      }
    }
    if (best) {
      handOver(*best, from, std::move(bytes), target, now);
      return;
    }
    for (unsigned r = 0; r < config_.topology.linkReplicas; ++r) {
      const Member* bridge = topology.slotHolder(cell_, level, r);
      if (!bridge || bridge->id == selfId_ || bridge->id == from) continue;
      if (auto it = links_.find(bridge->id); it != links_.end() && live(it->second, now)) {
        handOver(bridge->id, from, std::move(bytes), target, now);
        return;
      }
    }
  }
  // No better hop known: flood it; the target delivers, the TTL ends it.
  for (const auto& [peer, link] : links_) {
    if (link.connected && peer != from) sendTo(peer, bytes);
  }
}

void Mesh::handOver(const std::string& hop, const std::string& from, std::shared_ptr<const Bytes> bytes,
                    const std::string& target, std::int64_t now) {
  sendTo(hop, bytes);
  custodyBytes_ += bytes->size();
  custody_.push_back({now, hop, from, target, std::move(bytes)});
  while (custody_.size() > config_.maxCustody || custodyBytes_ > config_.maxCustodyBytes) {
    stats_.custodyDropped++;
    custodyBytes_ -= custody_.front().bytes->size();
    custody_.pop_front();
  }
}

void Mesh::reroute(std::int64_t now) {
  while (!custody_.empty() && now - custody_.front().at >= config_.custodyMs) {
    custodyBytes_ -= custody_.front().bytes->size();
    custody_.pop_front();
  }
  // A hop that went silent since may have died holding the frame. If it
  // had passed the frame on, the target drops the second copy as seen.
  std::vector<Custody> again;
  std::erase_if(custody_, [&](Custody& c) {
    auto link = links_.find(c.hop);
    if (link != links_.end() && live(link->second, now)) return false;
    custodyBytes_ -= c.bytes->size();
    again.push_back(std::move(c));
    return true;
  });
  for (Custody& c : again) {
    stats_.rerouted++;
    route(c.from, std::move(c.bytes), c.target, now);
  }
}

// ---- membership ---------------------------------------------------------

void Mesh::gossip(const Member& m, const std::string& from, bool cellCovered) {
  stats_.memberUpdates++;
  gossip_.push_back({m, from, cellCovered});
  gossipSeq_++;
}

void Mesh::flushGossip(std::int64_t now, bool force) {
  if (gossipBase_ == gossipSeq_) return;  // nothing queued: most calls
  std::uint64_t done = gossipSeq_;
  for (auto& [peer, link] : links_) {
    if (!link.connected) continue;
    if (link.gossipCursor < gossipSeq_ && (force || now - link.lastGossip >= config_.gossipMs)) {
      GossipFrame frame;
      for (std::uint64_t seq = link.gossipCursor + 1; seq <= gossipSeq_; ++seq) {
        const Gossip& g = gossip_[seq - gossipBase_ - 1];
        if (g.from == peer || (g.cellCovered && inOwnCell(link.key))) continue;
        frame.members.push_back(g.member);
        if (frame.members.size() == config_.limits.maxRosterEntries) {
          sendTo(peer, std::make_shared<const Bytes>(encodeFrame(frame)));
          stats_.gossipSent++;
          frame.members.clear();
        }
      }
      if (!frame.members.empty()) {
        sendTo(peer, std::make_shared<const Bytes>(encodeFrame(frame)));
        stats_.gossipSent++;
      }
      link.gossipCursor = gossipSeq_;
      link.lastGossip = now;
    }
    done = std::min(done, link.gossipCursor);
  }
  while (gossipBase_ < done) {
    gossip_.pop_front();
    gossipBase_++;
  }
}

std::uint64_t Mesh::originate(std::optional<std::string> to, Bytes body, std::uint64_t id, std::int64_t now) {
  if (!seen_.insert(id)) return id;
  Flood f;
  f.ttl = static_cast<std::uint8_t>(std::min(127u, ttl()));
  f.id = id;
  f.origin = selfId_;
  f.to = std::move(to);
  f.body = std::move(body);
  Bytes sig = crypto_->sign(floodDigestOf(f));
  f.sig.assign(sig.begin(), sig.end());
  auto bytes = std::make_shared<const Bytes>(encodeFrame(f));
  if (f.to) {
    route(selfId_, std::move(bytes), *f.to, now);
  } else {
    for (const auto& [peer, link] : links_) {
      if (link.connected) sendTo(peer, bytes);
    }
    remember(id, std::move(bytes), selfKey_, now);
  }
  return id;
}

std::size_t Mesh::dialsInFlight(std::int64_t now) {
  std::erase_if(inFlight_, [&](const auto& e) { return now - e.second >= config_.dialRetryMs; });
  return inFlight_.size();
}

// Every dial goes through here: at most maxDialsInFlight unanswered, at
// most maxDialsPerTick per gossipMs, none to a banned peer.
bool Mesh::dial(const std::string& peer, std::int64_t now) {
  if (banned(peer, now) || inFlight_.count(peer)) return false;
  std::size_t perSecond = config_.maxDialsPerTick * 1000 / static_cast<std::size_t>(std::max<std::int64_t>(1, config_.gossipMs));
  if (dialsInFlight(now) >= config_.maxDialsInFlight ||
      !dialBudget_.take(1, perSecond, config_.maxDialsPerTick, now)) {
    stats_.dialsDeferred++;
    return false;
  }
  inFlight_[peer] = now;
  dials_.push_back(peer);
  return true;
}

void Mesh::heard(const std::string& peer, std::int64_t now) {
  if (peer == selfId_ || left_ || banned(peer, now)) return;
  if (auto it = links_.find(peer); it != links_.end() && it->second.connected) return;
  if (roster_.findId(peer)) {
    // A member announcing has lost its links; its neighbours call it back.
    if (wanted_.count(peer) && dial(peer, now)) dialedAt_[peer] = now;
    return;
  }
  PeerKey key = keyOf(peer);
  if (roster_.size() == 1) {
    // Alone, like the announcer: rooms starting at once would dial in a
    // full mesh. Each lone peer dials only announcers with a key below its
    // own and below every one it heard before: about ln N dials each, and
    // the lowest peer gathers the room, whose topology then takes over.
    if (key < std::min(selfKey_, lowestHeard_) && dial(peer, now)) {
      lowestHeard_ = key;
      dialedAt_[peer] = now;
    }
    return;
  }
  // A newcomer: its sponsors are the members closest to its key (XOR).
  std::size_t n = roster_.size(), s = config_.sponsors, r = roster_.rank(key);
  std::vector<const Member*> near;
  for (std::size_t i = r > s ? r - s : 0; i < std::min(n, r + s); ++i) near.push_back(&roster_.at(i));
  std::sort(near.begin(), near.end(), [&](const Member* a, const Member* b) { return (a->key ^ key) < (b->key ^ key); });
  for (std::size_t i = 0; i < std::min(s, near.size()); ++i) {
    if (near[i]->id == selfId_) {
      if (dial(peer, now)) dialedAt_[peer] = now;
      return;
    }
  }
}

// ---- time ---------------------------------------------------------------

void Mesh::tick(std::int64_t now) {
  if (left_) return;
  if (now - lastExpire_ >= config_.tombstoneMs / 4) {
    roster_.expire(now);
    std::erase_if(banned_, [&](const auto& e) { return now >= e.second; });
    lastExpire_ = now;
  }
  while (!recent_.empty() && now - recent_.front().at >= config_.repairMs) dropCached();
  // An IWANT unanswered for two beats may be asked again of the next offer.
  std::erase_if(asked_, [&](const auto& e) {
    if (now - e.second.at < 2 * config_.heartbeatMs) return false;
    if (auto l = links_.find(e.second.from); l != links_.end() && l->second.asked > 0) l->second.asked--;
    return true;
  });
  if (!custody_.empty()) reroute(now);
  // The topology follows the roster at most once a heartbeat: under churn
  // the roster changes far more often than links could follow.
  if (dirty_ && now - lastRefresh_ >= config_.heartbeatMs) refresh(now);

  std::vector<Member> suspects, evictees;
  std::vector<std::string> dropped;
  for (auto& [peer, link] : links_) {
    if (link.connected && now - link.lastSent >= config_.heartbeatMs) sendHeartbeat(peer, link, now);
    if (link.connected && link.followUpAt && now >= link.followUpAt) {
      link.followUpAt = 0;
      sendRoster(peer, link, now);
    }
    // A broadcast may be served to the link again once its window passed.
    while (!link.servedOrder.empty() && now - link.servedOrder.front().first >= config_.repairMs) {
      link.served.erase(link.servedOrder.front().second);
      link.servedOrder.pop_front();
    }
    std::int64_t silence = now - link.lastHeard;
    const Member* m = roster_.find(link.key, peer);
    if (!m) {
      if (silence >= config_.evictMs || (!link.connected)) dropped.push_back(peer);
      continue;
    }
    if (silence >= config_.evictMs) {
      Member gone = *m;
      gone.flags |= kEvicted;
      evictees.push_back(gone);
    } else if (silence >= config_.suspectMs && !(m->flags & kSuspect) && link.suspectedAt != m->incarnation) {
      link.suspectedAt = m->incarnation;
      Member suspect = *m;
      suspect.flags |= kSuspect;
      suspects.push_back(suspect);
    }
  }
  for (const auto& peer : dropped) {
    if (links_.erase(peer)) hangups_.push_back(peer);
  }
  for (const Member& m : suspects) {
    stats_.suspicions++;
    applyMember(m, now);
    gossip(m);
  }
  for (const Member& m : evictees) {
    stats_.evictions++;
    applyMember(m, now);  // drops the link
    gossip(m);
  }
  flushGossip(now);
  if (dirty_ && now - lastRefresh_ >= config_.heartbeatMs) refresh(now);

  for (const std::string& peer : wanted_) {
    if (auto it = links_.find(peer); it != links_.end() && it->second.connected) continue;
    auto d = dialedAt_.find(peer);
    if (d == dialedAt_.end()) {
      // Both ends want the link: the lower id dials; the other dials only
      // if nothing came after a retry period. A dial held back by its
      // bounds is tried again on the next tick.
      if (selfId_ > peer || dial(peer, now)) dialedAt_[peer] = now;
    } else if (now - d->second >= config_.dialRetryMs && dial(peer, now)) {
      d->second = now;
    }
  }
  prune(now);
}

void Mesh::refresh(std::int64_t now) {
  dirty_ = false;
  lastRefresh_ = now;
  wanted_.clear();
  Topology topology(roster_, config_.topology);
  cell_ = topology.cellOf(selfKey_);
  guests_.clear();
  for (const Member* m : topology.members(cell_)) {
    if (!cell_.contains(m->key)) guests_.push_back(m->key);
  }
  if (const Member* me = roster_.find(selfKey_, selfId_)) {
    for (const Member* n : topology.neighbours(*me)) wanted_.insert(n->id);
  }
  std::erase_if(dialedAt_, [&](const auto& e) { return !wanted_.count(e.first); });
  for (auto& [peer, link] : links_) link.keepChecked = false;
}

void Mesh::prune(std::int64_t now) {
  // A link neither end's topology wants lives linkGraceMs more, so paths
  // move to the new links before the old ones go.
  std::optional<Topology> topology;
  const Member* me = nullptr;
  std::vector<std::string> drop;
  for (auto& [peer, link] : links_) {
    if (!link.connected || wanted_.count(peer)) {
      unneededSince_.erase(peer);
      continue;
    }
    if (!link.keepChecked) {
      link.keepChecked = true;
      const Member* other = roster_.find(link.key, peer);
      if (!topology) {
        topology.emplace(roster_, config_.topology);
        me = roster_.find(selfKey_, selfId_);
      }
      link.theyWant = other && me && topology->targets(*other, *me);
    }
    if (link.theyWant) {
      unneededSince_.erase(peer);
      continue;
    }
    auto [it, fresh] = unneededSince_.try_emplace(peer, now);
    if (!fresh && now - it->second >= config_.linkGraceMs) drop.push_back(peer);
  }
  for (const auto& peer : drop) {
    links_.erase(peer);
    unneededSince_.erase(peer);
    hangups_.push_back(peer);
  }
}

// ---- application ----------------------------------------------------------

Result<std::uint64_t> Mesh::broadcast(ByteView payload, std::int64_t now) {
  return send("", payload, now);
}

Result<std::uint64_t> Mesh::send(const std::string& target, ByteView payload, std::int64_t now) {
  if (left_) return Status::closed("this peer left the mesh");
  if (payload.size() > config_.limits.maxPayloadBytes) return Status::tooLarge("payload over the mesh limit");
  if (target == selfId_) return Status::invalidArgument("a mesh message to oneself");
  std::optional<std::string> to;
  if (!target.empty()) to = target;
  std::uint64_t id = floodIdFor(selfKey_, ++seq_);
  return originate(std::move(to), Bytes(payload.begin(), payload.end()), id, now);
}

void Mesh::leave(std::int64_t now) {
  if (left_) return;
  left_ = true;
  signOwn();  // the goodbye, at the same incarnation: left beats alive
  gossip(own_);
  flushGossip(now, true);
}

void Mesh::setDegraded(bool degraded, std::int64_t now) {
  std::uint8_t flags = degraded ? kDegraded : 0;
  if (left_ || flags == flags_ || incarnation_ == UINT32_MAX) return;
  flags_ = flags;
  incarnation_++;
  signOwn();
  roster_.apply(own_, now);
  gossip(own_);
  dirty_ = true;
}

void Mesh::adoptRoster(const Roster& roster, std::int64_t now) {
  roster_ = roster;
  roster_.apply(own_, now);
  sponsoredUntil_ = INT64_MIN / 2;  // a view already: no newcomer's exemption
  refresh(now);
}

bool Mesh::shouldAnnounce() const {
  if (left_) return false;
  bool linked = std::any_of(links_.begin(), links_.end(), [](const auto& e) { return e.second.connected; });
  return !linked || roster_.lowest()->id == selfId_;
}

// ---- introspection ----------------------------------------------------------

Mesh::Sizes Mesh::sizes() const {
  std::size_t inFlight = inFlight_.size();
  return {links_.size(), gossip_.size(), cache_.size(), cachedBytes_, asked_.size(), custody_.size(), custodyBytes_,
          inFlight, banned_.size(), seen_.size()};
}

Cell Mesh::cell() const { return cell_; }

std::vector<std::string> Mesh::cellMembers() const {
  std::vector<std::string> out;
  for (const Member* m : Topology(roster_, config_.topology).members(cell_)) out.push_back(m->id);
  return out;
}

std::vector<std::string> Mesh::bridges() const {
  std::vector<std::string> out;
  for (const Member* m : Topology(roster_, config_.topology).bridges(cell_)) out.push_back(m->id);
  return out;
}

bool Mesh::isBridge() const {
  auto b = bridges();
  return std::find(b.begin(), b.end(), selfId_) != b.end();
}

std::vector<std::string> Mesh::links() const {
  std::vector<std::string> out;
  for (const auto& [peer, link] : links_) {
    if (link.connected) out.push_back(peer);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cellgraph::mesh
