#include "core/mesh/mesh.h"

#include <algorithm>
#include <bit>

namespace cellgraph::mesh {
namespace {

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}


}  // namespace

bool DedupWindow::insert(std::uint64_t id) {
  if (!set_.insert(id).second) return false;
  order_.push_back(id);
  if (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

Mesh::Mesh(std::string selfId, MeshConfig config, std::int64_t now)
    : selfId_(std::move(selfId)),
      selfKey_(keyOf(selfId_)),
      config_(config),
      roster_(config.tombstoneMs),
      seen_(config.dedupWindow) {
  roster_.apply(Member{selfKey_, selfId_, 0, MemberState::kAlive, 0}, now);
  refresh(now);
}

// ---- links --------------------------------------------------------------

void Mesh::linkUp(const std::string& peer, std::int64_t now) {
  if (peer == selfId_ || left_) return;
  LinkState& link = links_[peer];
  link = LinkState{};
  link.key = keyOf(peer);
  link.up = link.lastHeard = now;
  link.connected = true;
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

void Mesh::sendTo(const std::string& peer, std::shared_ptr<const Bytes> bytes) {
  stats_.framesSent++;
  stats_.bytesSent += bytes->size();
  frames_.push_back({peer, std::move(bytes)});
}

void Mesh::sendHeartbeat(const std::string& peer, LinkState& link, std::int64_t now) {
  link.lastSent = now;
  Heartbeat h{roster_.size(), roster_.digest(), {}, incarnation_, flags_};
  // Only broadcasts whose flood has had time to finish, or a neighbour
  // would ask for what is still on its way. Newest first, so a capped list
  // keeps what is most likely missing.
  std::uint64_t first = std::max(link.ihaveCursor, recentBase_) + 1, last = first - 1;
  while (last < recentSeq_ && now - recent_[last - recentBase_].at >= config_.repairDelayMs) last++;
  for (std::uint64_t seq = last; seq >= first && h.ihave.size() < config_.limits.maxIds; --seq) {
    const Recent& r = recent_[seq - recentBase_ - 1];
    if (r.from != link.key) h.ihave.push_back(r.id);
  }
  link.ihaveCursor = last;
  sendTo(peer, std::make_shared<const Bytes>(encodeFrame(h)));
}

void Mesh::sendRoster(const std::string& peer) {
  stats_.rostersSent++;
  sendTo(peer, std::make_shared<const Bytes>(encodeFrame(RosterFrame{roster_.snapshot()})));
}

// ---- incoming -----------------------------------------------------------

Status Mesh::receive(const std::string& from, ByteView bytes, std::int64_t now) {
  auto it = links_.find(from);
  if (it == links_.end() || !it->second.connected) {
    stats_.refused++;
    return Status::invalidArgument("mesh frame from a peer without a link");
  }
  stats_.framesReceived++;
  it->second.lastHeard = now;
  if (auto id = floodId(bytes); id && seen_.contains(*id)) {
    stats_.duplicates++;
    return {};
  }
  auto frame = decodeFrame(bytes, config_.limits);
  if (!frame.ok()) {
    stats_.refused++;
    return frame.status();
  }
  if (left_) return {};
  if (auto* h = std::get_if<Heartbeat>(&frame.value())) {
    onHeartbeat(from, it->second, *h, now);
  } else if (auto* w = std::get_if<IwantFrame>(&frame.value())) {
    onIwant(from, *w);
  } else if (auto* r = std::get_if<RosterFrame>(&frame.value())) {
    onRoster(from, *r, now);
  } else if (auto* g = std::get_if<GossipFrame>(&frame.value())) {
    onGossip(from, *g, now);
  } else {
    onFlood(from, it->second, bytes, std::move(std::get<Flood>(frame.value())), now);
  }
  flushGossip(now);
  return {};
}

void Mesh::onHeartbeat(const std::string& from, LinkState& link, const Heartbeat& h, std::int64_t now) {
  // The sender vouches for itself. Its neighbours pass on what that changes,
  // so a newcomer is placed even if its sponsor crashed before gossiping it.
  Member self{link.key, from, h.incarnation, MemberState::kAlive, h.flags};
  if (applyMember(self, now) != Roster::Change::kNone) {
    if (const Member* current = roster_.find(link.key, from)) gossip(*current, from);
  }
  // And it hears at once what we hold against it, so a suspicion it never
  // got by gossip does not demote it for good: it refutes.
  if (const Member* current = roster_.find(link.key, from); current && (current->flags & kSuspect)) {
    sendTo(from, std::make_shared<const Bytes>(encodeFrame(GossipFrame{{*current}})));
  }
  IwantFrame want;
  for (std::uint64_t id : h.ihave) {
    if (!seen_.contains(id) && asked_.try_emplace(id, now).second) want.ids.push_back(id);
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
    return;
  }
  bool stable = !first && h.rosterDigest == link.theirDigest && ours == link.ourDigest;
  link.stableMismatch = stable ? link.stableMismatch + 1 : 0;
  std::uint64_t size = roster_.size();
  std::uint64_t gap = h.rosterSize > size ? h.rosterSize - size : size - h.rosterSize;
  link.sizeMismatch = gap > std::max<std::uint64_t>(2, size / 64) ? link.sizeMismatch + 1 : 0;
  link.theirDigest = h.rosterDigest;
  link.ourDigest = ours;
  // A newcomer's first roster misses what was in flight while it was
  // sent: a second one follows after a few heartbeats.
  if (first && h.rosterSize == 1 && size > 1) link.followUpAt = link.lastHeard + 3 * config_.heartbeatMs;
  if ((first && (h.rosterSize == 1 || size == 1)) || link.stableMismatch >= 2 || link.sizeMismatch >= 3) {
    sendRoster(from);
    link.stableMismatch = link.sizeMismatch = 0;
  }
}

void Mesh::onRoster(const std::string& from, const RosterFrame& r, std::int64_t now) {
  // When views meet, the larger side gossips what it learned from the
  // smaller (a newcomer, a small partition) into itself; the smaller side
  // gossips nothing and learns the rest from its own roster swaps, which
  // the size gap triggers. So a merge costs updates in the size of the
  // smaller view, never of the larger.
  std::size_t theirs = static_cast<std::size_t>(
      std::count_if(r.members.begin(), r.members.end(), [](const Member& m) { return m.alive(); }));
  bool larger = roster_.size() >= theirs;
  for (const Member& m : r.members) {
    bool wasAlive = roster_.find(m.key, m.id) != nullptr;
    Roster::Change change = applyMember(m, now);
    // A tombstone of someone this peer never saw alive is not news. The
    // sender's own entry always is: it may be a newcomer that nobody else
    // has heard of, whatever the sizes of the views.
    if (change == Roster::Change::kNone || (change == Roster::Change::kUpdated && !wasAlive)) continue;
    if (!larger && m.id != from) continue;
    const Member* current = roster_.find(m.key, m.id);
    gossip(current ? *current : *roster_.tombstone(m.id), from, false);
  }
}

void Mesh::onIwant(const std::string& from, const IwantFrame& w) {
  for (std::uint64_t id : w.ids) {
    auto it = cache_.find(id);
    if (it == cache_.end()) continue;  // expired here too
    stats_.repairsServed++;
    sendTo(from, it->second);
  }
}

void Mesh::remember(std::uint64_t id, std::shared_ptr<const Bytes> bytes, PeerKey from, std::int64_t now) {
  recent_.push_back({now, id, from});
  recentSeq_++;
  cache_[id] = std::move(bytes);
}

void Mesh::onGossip(const std::string& from, const GossipFrame& g, std::int64_t now) {
  // A cell mate that passes news on passes it to the whole cell.
  auto link = links_.find(from);
  bool cellCovered = link != links_.end() && inOwnCell(link->second.key);
  for (const Member& m : g.members) {
    if (applyMember(m, now) == Roster::Change::kNone) continue;
    const Member* current = roster_.find(m.key, m.id);
    gossip(current ? *current : *roster_.tombstone(m.id), from, cellCovered);
  }
}

Roster::Change Mesh::applyMember(const Member& m, std::int64_t now) {
  if (m.id == selfId_) {
    bool accused = m.state == MemberState::kLeft || (m.flags & kSuspect);
    if (accused && m.incarnation >= incarnation_ && !left_) {
      incarnation_ = m.incarnation + 1;
      Member me{selfKey_, selfId_, incarnation_, MemberState::kAlive, flags_};
      roster_.apply(me, now);
      stats_.refutations++;
      gossip(me);
      dirty_ = true;
    }
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
  bool repaired = !f.to && asked_.erase(f.id) != 0;
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
  custody_.push_back({now, hop, from, target, std::move(bytes)});
}

void Mesh::reroute(std::int64_t now) {
  while (!custody_.empty() && now - custody_.front().at >= config_.custodyMs) custody_.pop_front();
  // A hop that went silent since may have died holding the frame. If it
  // had passed the frame on, the target drops the second copy as seen.
  std::vector<Custody> again;
  std::erase_if(custody_, [&](Custody& c) {
    auto link = links_.find(c.hop);
    if (link != links_.end() && live(link->second, now)) return false;
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

void Mesh::heard(const std::string& peer, std::int64_t now) {
  if (peer == selfId_ || left_) return;
  if (auto it = links_.find(peer); it != links_.end() && it->second.connected) return;
  if (roster_.findId(peer)) {
    // A member announcing has lost its links; its neighbours call it back.
    if (wanted_.count(peer)) {
      dialedAt_[peer] = now;
      dials_.push_back(peer);
    }
    return;
  }
  PeerKey key = keyOf(peer);
  if (roster_.size() == 1) {
    // Alone, like the announcer: rooms starting at once would dial in a
    // full mesh. Each lone peer dials only announcers with a key below its
    // own and below every one it heard before: about ln N dials each, and
    // the lowest peer gathers the room, whose topology then takes over.
    if (key < std::min(selfKey_, lowestHeard_)) {
      lowestHeard_ = key;
      dialedAt_[peer] = now;
      dials_.push_back(peer);
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
      dialedAt_[peer] = now;
      dials_.push_back(peer);
      return;
    }
  }
}

// ---- time ---------------------------------------------------------------

void Mesh::tick(std::int64_t now) {
  if (left_) return;
  if (now - lastExpire_ >= config_.tombstoneMs / 4) {
    roster_.expire(now);
    lastExpire_ = now;
  }
  while (!recent_.empty() && now - recent_.front().at >= config_.repairMs) {
    cache_.erase(recent_.front().id);
    recent_.pop_front();
    recentBase_++;
  }
  // An IWANT unanswered for two beats may be asked again of the next offer.
  std::erase_if(asked_, [&](const auto& e) { return now - e.second >= 2 * config_.heartbeatMs; });
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
      sendRoster(peer);
    }
    std::int64_t silence = now - link.lastHeard;
    const Member* m = roster_.find(link.key, peer);
    if (!m) {
      if (silence >= config_.evictMs || (!link.connected)) dropped.push_back(peer);
      continue;
    }
    if (silence >= config_.evictMs) {
      Member gone = *m;
      gone.state = MemberState::kLeft;
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
      // if nothing came after a retry period.
      dialedAt_[peer] = now;
      if (selfId_ < peer) dials_.push_back(peer);
    } else if (now - d->second >= config_.dialRetryMs) {
      d->second = now;
      dials_.push_back(peer);
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
  std::uint64_t id = mix(selfKey_ ^ mix(++seq_));
  return originate(std::move(to), Bytes(payload.begin(), payload.end()), id, now);
}

void Mesh::leave(std::int64_t now) {
  if (left_) return;
  gossip(Member{selfKey_, selfId_, incarnation_, MemberState::kLeft, flags_});
  flushGossip(now, true);
  left_ = true;
}

void Mesh::setDegraded(bool degraded, std::int64_t now) {
  std::uint8_t flags = degraded ? kDegraded : 0;
  if (left_ || flags == flags_) return;
  flags_ = flags;
  Member me{selfKey_, selfId_, ++incarnation_, MemberState::kAlive, flags_};
  roster_.apply(me, now);
  gossip(me);
  dirty_ = true;
}

void Mesh::adoptRoster(const Roster& roster, std::int64_t now) {
  roster_ = roster;
  roster_.apply(Member{selfKey_, selfId_, incarnation_, MemberState::kAlive, flags_}, now);
  refresh(now);
}

bool Mesh::shouldAnnounce() const {
  if (left_) return false;
  bool linked = std::any_of(links_.begin(), links_.end(), [](const auto& e) { return e.second.connected; });
  return !linked || roster_.lowest()->id == selfId_;
}

// ---- introspection ----------------------------------------------------------

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
