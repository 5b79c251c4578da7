#include "bench/mesh_sim/simulator.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cellgraph::meshsim {
using namespace cellgraph::mesh;
namespace {

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

enum class Ev : std::uint8_t { kSample, kFrame, kConnect, kLinkDown, kTick, kCrash, kJoin, kBroadcast, kDirected, kProbeCrash, kProbeJoin };

struct Event {
  std::int64_t t;
  std::uint64_t seq;
  Ev type;
  std::uint32_t a = 0, b = 0;
  std::shared_ptr<const Bytes> bytes;
  bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

// App payloads: [kind u8][count u32][message numbers u32...].
enum Kind : std::uint8_t { kBroadcast = 0, kDirected = 1 };

Bytes payloadOf(Kind kind, const std::vector<std::uint32_t>& numbers) {
  Bytes b(5 + 4 * numbers.size());
  b[0] = kind;
  auto n = static_cast<std::uint32_t>(numbers.size());
  std::memcpy(&b[1], &n, 4);
  std::memcpy(&b[5], numbers.data(), 4 * numbers.size());
  return b;
}

struct Bitset {
  std::vector<std::uint64_t> words;
  bool get(std::size_t i) const { return i / 64 < words.size() && (words[i / 64] >> (i % 64) & 1); }
  void set(std::size_t i) {
    if (i / 64 >= words.size()) words.resize(i / 64 + 1);
    words[i / 64] |= std::uint64_t{1} << (i % 64);
  }
};

struct Peer {
  std::string id;
  PeerKey key = 0;
  std::unique_ptr<Mesh> mesh;
  bool alive = true;
  std::int64_t bornAt = 0, diedAt = 0;
  std::unordered_map<std::uint32_t, std::int64_t> links;  // peer -> last arrival on this direction
  Bitset have, viaMesh, flooded;  // by any means / flood or lazy repair / flood
  std::int64_t nextAnnounce = 0, announceGap = 1'000;
};

struct Message {
  std::uint32_t origin;
  std::int64_t sentAt;
};

struct Directed {
  std::uint32_t target;
  bool delivered = false;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]; };
  p.p50 = at(0.5);
  p.p99 = at(0.99);
  p.max = v.back();
  p.samples = v.size();
  return p;
}

class Sim {
 public:
  explicit Sim(const SimConfig& c) : c_(c), rng_(c.seed), debug_(std::getenv("MESH_SIM_DEBUG") != nullptr) {}

  SimReport run() {
    auto started = std::chrono::steady_clock::now();
    steadyEnd_ = c_.steadyMs;
    churnEnd_ = c_.steadyMs + c_.churnMs;
    end_ = churnEnd_ + c_.settleMs;
    peers_.reserve(c_.peers + static_cast<std::size_t>(c_.churnPerMinute * static_cast<double>(c_.peers) *
                                                       static_cast<double>(c_.churnMs) / 60'000.0) + 16);
    bootstrap();
    push(steadyEnd_ - 1, Ev::kSample);
    for (std::int64_t t = 0; t < churnEnd_; t += c_.broadcastEveryMs) push(t, Ev::kBroadcast);
    for (std::int64_t t = 0; t < churnEnd_; t += c_.directedEveryMs) push(t + 1, Ev::kDirected);
    if (c_.churnPerMinute > 0 && c_.churnMs > 0) {
      double every = 60'000.0 / (c_.churnPerMinute * static_cast<double>(c_.peers));
      for (double t = static_cast<double>(steadyEnd_); t < static_cast<double>(churnEnd_); t += every) {
        push(static_cast<std::int64_t>(t), Ev::kCrash);
        push(static_cast<std::int64_t>(t + every / 2), Ev::kJoin);
      }
    }
    while (!queue_.empty() && queue_.top().t <= end_) {
      Event e = queue_.top();
      queue_.pop();
      if (debug_ && e.t / 1000 != now_ / 1000) {
        std::uint64_t rosters = 0, gossip = 0, updates = 0, sus = 0, ev = 0, ref = 0;
        for (auto i : alive_) {
          const auto& st = peers_[i].mesh->stats();
          rosters += st.rostersSent, gossip += st.gossipSent, updates += st.memberUpdates;
          sus += st.suspicions, ev += st.evictions, ref += st.refutations;
        }
        std::fprintf(stderr, "t=%llds queue=%zu frames=%llu rosters=%llu gossip=%llu updates=%llu sus=%llu ev=%llu ref=%llu\n",
                     (long long)(e.t / 1000), queue_.size(), (unsigned long long)framesCarried_, (unsigned long long)rosters,
                     (unsigned long long)gossip, (unsigned long long)updates, (unsigned long long)sus,
                     (unsigned long long)ev, (unsigned long long)ref);
      }
      now_ = e.t;
      dispatch(e);
    }
    now_ = end_;
    sampleConnections();
    SimReport r = report();
    r.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return r;
  }

 private:
  void push(std::int64_t t, Ev type, std::uint32_t a = 0, std::uint32_t b = 0, std::shared_ptr<const Bytes> bytes = {}) {
    queue_.push(Event{t, seq_++, type, a, b, std::move(bytes)});
  }

  std::uint32_t indexOf(const std::string& id) const { return static_cast<std::uint32_t>(std::stoul(id.substr(1))); }

  std::int64_t latency(std::uint32_t a, std::uint32_t b) const {
    std::uint64_t pair = (std::uint64_t{std::min(a, b)} << 32) | std::max(a, b);
    auto range = static_cast<std::uint64_t>(c_.latencyMaxMs - c_.latencyMinMs + 1);
    return c_.latencyMinMs + static_cast<std::int64_t>(mix(pair ^ c_.seed) % range);
  }

  std::uint32_t addPeer(std::int64_t now) {
    auto i = static_cast<std::uint32_t>(peers_.size());
    Peer& p = peers_.emplace_back();
    p.id = "p" + std::to_string(i);
    p.key = keyOf(p.id);
    p.bornAt = now;
    p.mesh = std::make_unique<Mesh>(p.id, c_.mesh, now, fakeCrypto(p.id, c_.seed));
    alive_.push_back(i);
    return i;
  }

  void bootstrap() {
    Roster roster(c_.mesh.tombstoneMs);
    for (std::size_t i = 0; i < c_.peers; ++i) {
      addPeer(0);
      roster.apply(peers_[i].mesh->ownEntry(), 0);  // signed by its member
    }
    for (auto& p : peers_) p.mesh->adoptRoster(roster, 0);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
    for (std::uint32_t i = 0; i < peers_.size(); ++i) {
      for (const auto& w : peers_[i].mesh->wanted()) {
        std::uint32_t j = indexOf(w);
        if (peers_[i].links.emplace(j, 0).second) {
          peers_[j].links.emplace(i, 0);
          pairs.emplace_back(i, j);
        }
      }
    }
    for (auto [i, j] : pairs) {
      peers_[i].mesh->linkUp(peers_[j].id, 0);
      peers_[j].mesh->linkUp(peers_[i].id, 0);
    }
    for (std::uint32_t i = 0; i < peers_.size(); ++i) {
      drain(i);
      push(static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(c_.mesh.gossipMs)), Ev::kTick, i);
    }
  }

  void dispatch(const Event& e) {
    switch (e.type) {
      case Ev::kSample: sampleConnections(); break;
      case Ev::kFrame: onFrame(e); break;
      case Ev::kConnect: onConnect(e.a, e.b); break;
      case Ev::kLinkDown:
        if (peers_[e.a].alive) {
          peers_[e.a].mesh->linkDown(peers_[e.b].id, now_);
          drain(e.a);
        }
        break;
      case Ev::kTick: onTick(e.a); break;
      case Ev::kCrash: onCrash(); break;
      case Ev::kJoin: onJoin(); break;
      case Ev::kBroadcast: onBroadcast(); break;
      case Ev::kDirected: onDirected(); break;
      case Ev::kProbeCrash: probeCrash(e.a); break;
      case Ev::kProbeJoin: probeJoin(e.a); break;
    }
  }

  void drain(std::uint32_t i) {
    Peer& p = peers_[i];
    for (auto& f : p.mesh->takeFrames()) {
      std::uint32_t j = indexOf(f.to);
      auto it = p.links.find(j);
      if (it == p.links.end()) continue;  // the host has no such link: lost
      std::int64_t at = now_ + latency(i, j);
      if (c_.loss > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < c_.loss) at += c_.retransmitMs;
      at = std::max(at, it->second);  // in order, like an SCTP stream
      it->second = at;
      framesCarried_++;
      push(at, Ev::kFrame, i, j, std::move(f.bytes));
    }
    for (auto& d : p.mesh->takeDeliveries()) onDelivery(i, d);
    for (auto& peer : p.mesh->takeDials()) dial(i, indexOf(peer));
    for (auto& peer : p.mesh->takeHangups()) hangup(i, indexOf(peer));
  }

  void dial(std::uint32_t i, std::uint32_t j) {
    if (j >= peers_.size() || peers_[i].links.count(j)) return;
    std::uint64_t pair = (std::uint64_t{std::min(i, j)} << 32) | std::max(i, j);
    if (!pending_.insert(pair).second) return;
    push(now_ + 2 * latency(i, j) + 2 * c_.relayMs + c_.iceMs, Ev::kConnect, i, j);
  }

  void onConnect(std::uint32_t i, std::uint32_t j) {
    pending_.erase((std::uint64_t{std::min(i, j)} << 32) | std::max(i, j));
    Peer &a = peers_[i], &b = peers_[j];
    if (!a.alive || !b.alive || a.links.count(j)) return;
    a.links[j] = now_;
    b.links[i] = now_;
    a.mesh->linkUp(b.id, now_);
    b.mesh->linkUp(a.id, now_);
    syncRepair(i, j);
    syncRepair(j, i);
    drain(i);
    drain(j);
  }

  // The session catch-up: `to` gets what `from` has.
  void syncRepair(std::uint32_t to, std::uint32_t from) {
    Peer &t = peers_[to], &f = peers_[from];
    for (std::size_t w = 0; w < f.have.words.size(); ++w) {
      std::uint64_t missing = f.have.words[w] & ~(w < t.have.words.size() ? t.have.words[w] : 0);
      while (missing) {
        auto k = static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(missing)));
        missing &= missing - 1;
        t.have.set(k);
        if (messages_[k].sentAt >= t.bornAt) caughtUp_++;
      }
    }
  }

  void hangup(std::uint32_t i, std::uint32_t j) {
    if (!peers_[i].links.erase(j)) return;
    peers_[j].links.erase(i);
    if (peers_[j].alive) push(now_ + latency(i, j), Ev::kLinkDown, j, i);
  }

  void onFrame(const Event& e) {
    Peer& b = peers_[e.b];
    if (!b.alive || !b.links.count(e.a)) {
      if (auto id = floodId(*e.bytes); id && appFloods_.count(*id)) (b.alive ? droppedLinkGone_ : droppedDead_)++;
      return;
    }
    if (auto id = floodId(*e.bytes); id && appFloods_.count(*id)) appReceipts_++;
    (void)b.mesh->receive(peers_[e.a].id, *e.bytes, now_);
    drain(e.b);
  }

  void onDelivery(std::uint32_t i, const Delivery& d) {
    Peer& p = peers_[i];
    if (d.payload.size() < 5) return;
    std::uint32_t n = 0;
    std::memcpy(&n, &d.payload[1], 4);
    for (std::uint32_t x = 0; x < n; ++x) {
      std::uint32_t k = 0;
      std::memcpy(&k, &d.payload[5 + 4 * x], 4);
      if (d.payload[0] == kDirected) {
        if (!directed_[k].delivered) directedHops_.push_back(d.hops);
        directed_[k].delivered = true;
        continue;
      }
      if (p.viaMesh.get(k)) continue;
      p.viaMesh.set(k);
      bool caughtUp = p.have.get(k);
      p.have.set(k);
      if (caughtUp) {
        continue;  // the sync session was first; the flood is late
      } else if (d.repaired) {
        repaired_++;
      } else {
        p.flooded.set(k);
        hops_.push_back(d.hops);
        firstDeliveries_++;
      }
      digest_ = mix(digest_ ^ (std::uint64_t{i} << 40 | std::uint64_t{k} << 8 | d.hops));
    }
  }

  void onTick(std::uint32_t i) {
    Peer& p = peers_[i];
    if (!p.alive) return;
    p.mesh->tick(now_);
    drain(i);
    if (p.mesh->shouldAnnounce() && now_ >= p.nextAnnounce) announce(i);
    push(now_ + c_.mesh.gossipMs, Ev::kTick, i);
  }

  void announce(std::uint32_t i) {
    Peer& p = peers_[i];
    for (std::uint32_t j : alive_) {
      if (j == i) continue;
      peers_[j].mesh->heard(p.id, now_ + c_.relayMs);
      drain(j);
    }
    p.nextAnnounce = now_ + p.announceGap;
    p.announceGap = std::min<std::int64_t>(p.announceGap * 2, 30'000);
  }

  std::uint32_t randomAlive(bool settled) {
    for (int tries = 0; tries < 1000; ++tries) {
      std::uint32_t i = alive_[rng_() % alive_.size()];
      if (!settled || peers_[i].bornAt == 0 || now_ - peers_[i].bornAt >= 10'000) return i;
    }
    return alive_[0];
  }

  void removeAlive(std::uint32_t i) {
    auto it = std::find(alive_.begin(), alive_.end(), i);
    *it = alive_.back();
    alive_.pop_back();
  }

  void onCrash() {
    std::uint32_t i = randomAlive(false);
    Peer& p = peers_[i];
    p.alive = false;
    p.diedAt = now_;
    p.mesh.reset();
    removeAlive(i);
    crashes_++;
    if (std::uniform_real_distribution<double>(0, 1)(rng_) < c_.probeFraction) push(now_ + 250, Ev::kProbeCrash, i);
  }

  void onJoin() {
    std::uint32_t i = addPeer(now_);
    joins_++;
    announce(i);
    push(now_ + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(c_.mesh.gossipMs)), Ev::kTick, i);
    if (std::uniform_real_distribution<double>(0, 1)(rng_) < c_.probeFraction) push(now_ + 250, Ev::kProbeJoin, i);
  }

  void onBroadcast() {
    std::uint32_t i = randomAlive(true);
    auto k = static_cast<std::uint32_t>(messages_.size());
    messages_.push_back({i, now_});
    peers_[i].have.set(k);
    peers_[i].viaMesh.set(k);
    peers_[i].flooded.set(k);
    auto id = peers_[i].mesh->broadcast(payloadOf(kBroadcast, {k}), now_);
    if (id.ok()) appFloods_.insert(id.value());
    drain(i);
  }

  void onDirected() {
    std::uint32_t from = randomAlive(true), to = randomAlive(true);
    if (from == to) return;
    auto k = static_cast<std::uint32_t>(directed_.size());
    directed_.push_back({to});
    (void)peers_[from].mesh->send(peers_[to].id, payloadOf(kDirected, {k}), now_);
    drain(from);
  }

  void probeCrash(std::uint32_t i) {
    const Peer& gone = peers_[i];
    // Peers that were in the room when it crashed; a newcomer may still get
    // it from a sponsor's roster and drops it later like everyone else.
    bool remembered = std::any_of(alive_.begin(), alive_.end(), [&](std::uint32_t j) {
      return peers_[j].bornAt < gone.diedAt && peers_[j].mesh->roster().find(gone.key, gone.id);
    });
    if (remembered && now_ - gone.diedAt < 120'000) {
      push(now_ + 250, Ev::kProbeCrash, i);
      return;
    }
    evictTimes_.push_back(static_cast<double>(now_ - gone.diedAt));
  }

  void probeJoin(std::uint32_t i) {
    const Peer& p = peers_[i];
    if (!p.alive) return;
    // Every peer that was in the room before it (later ones get it from their
    // sponsor's roster), and a link to everyone its topology wants.
    bool placed = std::all_of(alive_.begin(), alive_.end(), [&](std::uint32_t j) {
      return peers_[j].bornAt >= p.bornAt || peers_[j].mesh->roster().find(p.key, p.id) != nullptr;
    });
    if (placed) {
      for (const auto& w : p.mesh->wanted()) {
        if (!p.links.count(indexOf(w))) placed = false;
      }
    }
    if (debug_ && !placed && (now_ - p.bornAt) % 5'000 < 250 && now_ - p.bornAt >= 10'000) explainSlowJoin(p);
    if (!placed && now_ - p.bornAt < 120'000) {
      push(now_ + 250, Ev::kProbeJoin, i);
      return;
    }
    joinTimes_.push_back(static_cast<double>(now_ - p.bornAt));
  }

  // MESH_SIM_DEBUG: what makes a peer hold more than 16 links.
  void explainBusyPeers() {
    for (std::uint32_t i : alive_) {
      const Peer& p = peers_[i];
      if (p.links.size() <= 16) continue;
      auto wanted = p.mesh->wanted();
      std::size_t mine = 0, theirs = 0, neither = 0, dead = 0;
      for (const auto& [j, at] : p.links) {
        if (!peers_[j].alive) { dead++; continue; }
        bool a = std::find(wanted.begin(), wanted.end(), peers_[j].id) != wanted.end();
        auto w = peers_[j].mesh->wanted();
        bool b = std::find(w.begin(), w.end(), p.id) != w.end();
        (a ? mine : b ? theirs : neither)++;
      }
      std::size_t demoted = 0;
      auto members = p.mesh->cellMembers();
      for (const auto& m : members) demoted += p.mesh->roster().findId(m)->demoted();
      std::fprintf(stderr, "busy %s: %zu links (%zu it wants, %zu only the other wants, %zu neither, %zu dead); cell depth %u of %zu members, %zu demoted; bridges %zu; roster %zu\n",
                   p.id.c_str(), p.links.size(), mine, theirs, neither, dead, p.mesh->cell().depth, members.size(), demoted,
                   p.mesh->bridges().size(), p.mesh->roster().size());
    }
  }

  // MESH_SIM_DEBUG: why a newcomer is still not placed or linked.
  void explainSlowJoin(const Peer& p) {
    std::size_t missing = 0;
    std::uint32_t example = 0;
    for (std::uint32_t j : alive_) {
      if (peers_[j].bornAt < p.bornAt && !peers_[j].mesh->roster().find(p.key, p.id)) missing++, example = j;
    }
    std::fprintf(stderr, "join %s at %llds: %zu views miss it", p.id.c_str(), (long long)(now_ - p.bornAt) / 1000, missing);
    if (missing) {
      const Mesh& m = *peers_[example].mesh;
      std::fprintf(stderr, " (e.g. %s: roster %zu vs %zu, links %zu, tomb %d)", peers_[example].id.c_str(), m.roster().size(),
                   p.mesh->roster().size(), m.links().size(), m.roster().tombstone(p.id) != nullptr);
    }
    for (const auto& w : p.mesh->wanted()) {
      std::uint32_t j = indexOf(w);
      if (p.links.count(j)) continue;
      bool back = false;
      for (const auto& x : peers_[j].mesh ? peers_[j].mesh->wanted() : std::vector<std::string>{}) back |= x == p.id;
      std::fprintf(stderr, "; no link to %s (alive %d, wants back %d, knows it %d)", w.c_str(), peers_[j].alive, back,
                   peers_[j].mesh && peers_[j].mesh->roster().find(p.key, p.id) != nullptr);
    }
    std::fprintf(stderr, "\n");
  }

  void sampleConnections() {
    for (std::uint32_t i : alive_) {
      std::size_t n = 0;
      for (const auto& [j, at] : peers_[i].links) n += peers_[j].alive ? 1 : 0;
      connectionSum_ += static_cast<double>(n);
      connectionSamples_++;
      connectionMax_ = std::max(connectionMax_, n);
    }
  }

  SimReport report() {
    SimReport r;
    r.peersAtEnd = alive_.size();
    const Mesh& any = *peers_[alive_[0]].mesh;
    Topology topology(any.roster(), c_.mesh.topology);
    std::set<std::pair<PeerKey, unsigned>> cells;
    any.roster().forEach([&](const Member& m) {
      Cell c = topology.cellOf(m.key);
      cells.insert({c.prefix, c.depth});
    });
    r.cells = cells.size();
    r.ttl = topology.ttl();
    r.hopBound = 2 * static_cast<unsigned>(std::bit_width(r.cells - 1)) + 3;
    r.connectionsMean = connectionSamples_ ? connectionSum_ / static_cast<double>(connectionSamples_) : 0;
    r.connectionsMax = connectionMax_;
    double steadyWant = 0, steadyGot = 0, churnWant = 0, churnFlood = 0, churnMesh = 0, churnGot = 0;
    for (std::uint32_t k = 0; k < messages_.size(); ++k) {
      const Message& m = messages_[k];
      bool churn = m.sentAt >= steadyEnd_;
      (churn ? r.broadcastsChurn : r.broadcastsSteady)++;
      for (std::uint32_t i : alive_) {
        if (i == m.origin || peers_[i].bornAt > m.sentAt) continue;
        if (churn) {
          churnWant++;
          churnFlood += peers_[i].flooded.get(k);
          churnMesh += peers_[i].viaMesh.get(k);
          churnGot += peers_[i].have.get(k);
        } else {
          steadyWant++;
          steadyGot += peers_[i].flooded.get(k);
        }
      }
    }
    if (debug_) {
      printDiagnostics();
      explainBusyPeers();
    }
    r.deliverySteady = steadyWant ? steadyGot / steadyWant : 1;
    r.deliveryChurnFlood = churnWant ? churnFlood / churnWant : 1;
    r.deliveryChurnMesh = churnWant ? churnMesh / churnWant : 1;
    r.deliveryChurn = churnWant ? churnGot / churnWant : 1;
    std::vector<double> h(hops_.begin(), hops_.end()), dh(directedHops_.begin(), directedHops_.end());
    r.hops = percentiles(h);
    r.directedHops = percentiles(dh);
    std::size_t delivered = 0, counted = 0;
    for (const auto& d : directed_) {
      if (!peers_[d.target].alive) continue;
      counted++;
      delivered += d.delivered;
    }
    r.directedDelivery = counted ? static_cast<double>(delivered) / static_cast<double>(counted) : 1;
    r.copiesPerDelivery = firstDeliveries_ ? static_cast<double>(appReceipts_) / static_cast<double>(firstDeliveries_) : 0;
    r.evictMs = percentiles(evictTimes_);
    r.joinMs = percentiles(joinTimes_);
    r.crashes = crashes_;
    r.joins = joins_;
    r.framesPerPeerPerSecond =
        static_cast<std::uint64_t>(static_cast<double>(framesCarried_) / static_cast<double>(c_.peers) /
                                   (static_cast<double>(end_) / 1000.0));
    for (std::uint32_t i : alive_) {
      r.rostersSent += peers_[i].mesh->stats().rostersSent;
      r.gossipSent += peers_[i].mesh->stats().gossipSent;
      r.memberUpdates += peers_[i].mesh->stats().memberUpdates;
      const MeshStats& st = peers_[i].mesh->stats();
      r.refused += st.refused;
      r.refusedUnlinked += st.refusedUnlinked;
      r.signaturesVerified += st.signaturesVerified;
      r.membersDeferred += st.membersDeferred;
      r.dialsDeferred += st.dialsDeferred;
      r.repliesDeclined += st.repliesDeclined;
      r.rostersDeferred += st.rostersDeferred;
    }
    r.repaired = repaired_;
    r.caughtUp = caughtUp_;
    r.digest = digest_;
    return r;
  }

  // MESH_SIM_DEBUG: where floods fall short and what repairs them.
  void printDiagnostics() {
    std::uint64_t expired = 0, asked = 0, served = 0, repaired = 0, young = 0, settled = 0;
    for (std::uint32_t i : alive_) {
      const auto& st = peers_[i].mesh->stats();
      expired += st.expired, asked += st.repairsAsked, served += st.repairsServed, repaired += st.repaired;
    }
    std::map<unsigned, std::uint64_t> missedBy;  // log2 bucket of peers a broadcast missed -> broadcasts
    for (std::uint32_t k = 0; k < messages_.size(); ++k) {
      const Message& m = messages_[k];
      if (m.sentAt < steadyEnd_) continue;
      std::uint64_t missed = 0;
      for (std::uint32_t i : alive_) {
        if (i == m.origin || peers_[i].bornAt > m.sentAt || peers_[i].flooded.get(k)) continue;
        missed++;
        (m.sentAt - peers_[i].bornAt < 5'000 ? young : settled)++;
      }
      missedBy[static_cast<unsigned>(std::bit_width(missed))]++;
    }
    std::fprintf(stderr, "lazy repair: %llu ids asked, %llu served, %llu delivered\n", (unsigned long long)asked,
                 (unsigned long long)served, (unsigned long long)repaired);
    std::fprintf(stderr, "app frames lost: %llu on links gone, %llu to dead peers; expired at alive peers: %llu\n",
                 (unsigned long long)droppedLinkGone_, (unsigned long long)droppedDead_, (unsigned long long)expired);
    std::fprintf(stderr, "flood misses during churn: %llu by peers under 5 s old, %llu by older ones\n",
                 (unsigned long long)young, (unsigned long long)settled);
    for (auto [bits, count] : missedBy) {
      std::fprintf(stderr, "  broadcasts missed by fewer than %llu peers: %llu\n", 1ull << bits, (unsigned long long)count);
    }
  }

  const SimConfig& c_;
  std::mt19937_64 rng_;
  bool debug_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
  std::uint64_t seq_ = 0;
  std::int64_t now_ = 0, steadyEnd_ = 0, churnEnd_ = 0, end_ = 0;
  std::vector<Peer> peers_;
  std::vector<std::uint32_t> alive_;
  std::unordered_set<std::uint64_t> pending_;
  std::vector<Message> messages_;
  std::vector<Directed> directed_;
  std::unordered_set<std::uint64_t> appFloods_;
  std::uint64_t droppedLinkGone_ = 0, droppedDead_ = 0, repaired_ = 0, caughtUp_ = 0;
  std::uint64_t appReceipts_ = 0, firstDeliveries_ = 0, framesCarried_ = 0, crashes_ = 0, joins_ = 0;
  std::vector<unsigned> hops_, directedHops_;
  std::vector<double> evictTimes_, joinTimes_;
  double connectionSum_ = 0;
  std::size_t connectionSamples_ = 0, connectionMax_ = 0;
  std::uint64_t digest_ = 0;
};

}  // namespace

SimReport runSimulation(const SimConfig& config) { return Sim(config).run(); }

}  // namespace cellgraph::meshsim
