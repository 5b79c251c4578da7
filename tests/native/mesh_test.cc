// core/mesh: the roster lattice, the topology's guarantees, the frame codec
// against hostile bytes, the membership protocol between a few meshes, and
// the whole system in the simulator at a few hundred peers.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <deque>
#include <map>
#include <queue>
#include <random>
#include <set>

#include "bench/mesh_sim/simulator.h"
#include "core/mesh/mesh.h"

namespace cellgraph::mesh {
namespace {

Member alive(const std::string& id, std::uint32_t inc = 0, std::uint8_t flags = 0) {
  return {keyOf(id), id, inc, MemberState::kAlive, flags};
}
Member gone(const std::string& id, std::uint32_t inc = 0) { return {keyOf(id), id, inc, MemberState::kLeft, 0}; }

Roster rosterOf(std::size_t n, const std::string& prefix = "peer-") {
  Roster r;
  for (std::size_t i = 0; i < n; ++i) r.apply(alive(prefix + std::to_string(i)), 0);
  return r;
}

TEST(MeshRoster, UpdatesMergeToTheSameViewInAnyOrder) {
  std::vector<Member> updates;
  for (int i = 0; i < 300; ++i) {
    std::string id = "m" + std::to_string(i % 120);
    switch (i % 5) {
      case 0: updates.push_back(alive(id, i % 3)); break;
      case 1: updates.push_back(alive(id, i % 3, kSuspect)); break;
      case 2: updates.push_back(gone(id, i % 2)); break;
      case 3: updates.push_back(alive(id, 2, kDegraded)); break;
      default: updates.push_back(alive(id)); break;
    }
  }
  std::mt19937 rng(7);
  std::vector<std::vector<Member>> views;
  for (int round = 0; round < 4; ++round) {
    std::shuffle(updates.begin(), updates.end(), rng);
    Roster r;
    for (const auto& u : updates) r.apply(u, 0);
    auto snap = r.snapshot();
    std::sort(snap.begin(), snap.end(), [](const Member& a, const Member& b) { return a.id < b.id; });
    views.push_back(snap);
  }
  for (const auto& v : views) EXPECT_EQ(v, views[0]);
}

TEST(MeshRoster, RanksAndPrefixCountsMatchABruteForceCount) {
  Roster r;
  std::vector<PeerKey> keys;
  for (int i = 0; i < 1500; ++i) {
    std::string id = "k" + std::to_string(i);
    r.apply(alive(id), 0);
    keys.push_back(keyOf(id));
  }
  for (int i = 0; i < 1500; i += 3) r.apply(gone("k" + std::to_string(i)), 0);
  std::vector<PeerKey> live;
  for (int i = 0; i < 1500; ++i) {
    if (i % 3) live.push_back(keys[static_cast<std::size_t>(i)]);
  }
  std::sort(live.begin(), live.end());
  ASSERT_EQ(r.size(), live.size());
  for (std::size_t i = 0; i < live.size(); i += 37) {
    EXPECT_EQ(r.rank(live[i]), i);
    EXPECT_EQ(r.at(i).key, live[i]);
  }
  for (unsigned depth : {1u, 3u, 6u, 9u}) {
    for (PeerKey p = 0; p < (PeerKey{1} << depth); p += 1 + (p % 3)) {
      PeerKey lo = p << (64 - depth);
      auto expected = std::count_if(live.begin(), live.end(), [&](PeerKey k) { return (k >> (64 - depth)) == p; });
      EXPECT_EQ(r.countPrefix(lo, depth), static_cast<std::size_t>(expected)) << depth << " " << p;
    }
  }
}

TEST(MeshRoster, ALeftMemberDoesNotComeBackAtTheSameIncarnation) {
  Roster r;
  r.apply(alive("a", 1), 0);
  EXPECT_EQ(r.apply(gone("a", 1), 0), Roster::Change::kLeft);
  EXPECT_EQ(r.apply(alive("a", 1), 5), Roster::Change::kNone);
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.apply(alive("a", 2), 6), Roster::Change::kJoined);  // it refuted
  r.apply(gone("a", 2), 7);
  r.expire(7 + 60'001);
  EXPECT_EQ(r.tombstone("a"), nullptr);
}

TEST(MeshTopology, CellsAreBoundedAndPartitionTheRoom) {
  std::size_t guests = 0;
  for (std::size_t n : {1u, 5u, 8u, 9u, 10u, 11u, 100u, 2000u}) {
    for (const std::string& name : {"peer-", "p", "x."}) {
      Roster r = rosterOf(n, name);
      Topology t(r, {8, 1});
      std::map<std::pair<PeerKey, unsigned>, std::size_t> cells;
      r.forEach([&](const Member& m) {
        Cell c = t.cellOf(m.key);
        if (!c.contains(m.key)) {
          guests++;
          EXPECT_EQ(t.placeOf(m.key) >> (64 - c.depth), c.prefix >> (64 - c.depth)) << "a guest is placed in its host";
        }
        cells[{c.prefix, c.depth}]++;
      });
      std::size_t total = 0;
      for (const auto& [c, size] : cells) {
        Cell cell{c.first, c.second};
        EXPECT_GE(size, n > 8 ? 2u : 1u) << "no cell of one in a room that splits";
        EXPECT_LE(r.countPrefix(cell.prefix, cell.depth), 8u);
        EXPECT_LE(size, 9u);
        EXPECT_EQ(t.population(cell), size);
        total += size;
      }
      EXPECT_EQ(total, n);
      if (n <= 8) EXPECT_EQ(cells.size(), 1u);
    }
  }
  EXPECT_GT(guests, 0u) << "the rosters include lone halves";
}

// The topology as a graph: every member's neighbours, both directions.
std::map<std::string, std::set<std::string>> graphOf(const Roster& r, TopologyConfig config) {
  Topology t(r, config);
  std::map<std::string, std::set<std::string>> g;
  r.forEach([&](const Member& m) {
    for (const Member* n : t.neighbours(m)) {
      g[m.id].insert(n->id);
      g[n->id].insert(m.id);
    }
  });
  return g;
}

TEST(MeshTopology, EveryPeerComputesTheSameTopologyFromTheSameRoster) {
  Roster forward, backward;
  for (int i = 0; i < 700; ++i) forward.apply(alive("p" + std::to_string(i)), 0);
  for (int i = 699; i >= 0; --i) backward.apply(alive("p" + std::to_string(i)), 0);
  EXPECT_EQ(graphOf(forward, {}), graphOf(backward, {}));
}

TEST(MeshTopology, DiameterIsLogarithmicAndDegreeBounded) {
  Roster r = rosterOf(3000);
  auto g = graphOf(r, {});
  Topology t(r, {});
  std::set<std::pair<PeerKey, unsigned>> cells;
  std::size_t maxDegree = 0;
  r.forEach([&](const Member& m) {
    Cell c = t.cellOf(m.key);
    cells.insert({c.prefix, c.depth});
    maxDegree = std::max(maxDegree, g[m.id].size());
  });
  unsigned bound = 2 * static_cast<unsigned>(std::bit_width(cells.size() - 1)) + 3;
  EXPECT_LE(maxDegree, 16u);
  // Eccentricity of a few sources bounds the diameter from below; each must
  // stay within the hop bound.
  for (std::size_t s = 0; s < r.size(); s += 271) {
    std::map<std::string, unsigned> dist{{r.at(s).id, 0}};
    std::deque<std::string> q{r.at(s).id};
    while (!q.empty()) {
      auto u = q.front();
      q.pop_front();
      for (const auto& v : g[u]) {
        if (dist.emplace(v, dist[u] + 1).second) q.push_back(v);
      }
    }
    ASSERT_EQ(dist.size(), r.size()) << "the topology is connected";
    unsigned ecc = 0;
    for (const auto& [id, d] : dist) ecc = std::max(ecc, d);
    EXPECT_LE(ecc, bound);
  }
}

// A cell of one would hold every link of its depth and the far side's links
// aimed at it: about 20 at 10,000 peers. No roster may give a peer more
// than 16 neighbours.
TEST(MeshTopology, DegreeStaysBoundedAtTenThousandPeers) {
  for (const std::string& name : {"peer-", "q"}) {
    Roster r = rosterOf(10'000, name);
    std::size_t maxDegree = 0;
    for (const auto& [id, n] : graphOf(r, {})) maxDegree = std::max(maxDegree, n.size());
    EXPECT_LE(maxDegree, 16u) << name;
  }
}

TEST(MeshTopology, ASuspectedOrDegradedMemberLosesItsBridgeDuty) {
  Roster r = rosterOf(400);
  Topology t(r, {});
  Cell c = t.cellOf(r.at(0).key);
  auto bridges = t.bridges(c);
  ASSERT_FALSE(bridges.empty());
  ASSERT_GE(t.population(c), 2u);
  std::string demoted = bridges.front()->id;
  r.apply(alive(demoted, 0, kSuspect), 0);
  for (const Member* b : Topology(r, {}).bridges(c)) EXPECT_NE(b->id, demoted);
  r.apply(alive(demoted, 1), 0);  // refuted: duty comes back
  auto again = Topology(r, {}).bridges(c);
  EXPECT_NE(std::find_if(again.begin(), again.end(), [&](const Member* b) { return b->id == demoted; }), again.end());
}

TEST(MeshWire, FramesRoundTripAndHostileBytesAreRefused) {
  Flood f;
  f.ttl = 9;
  f.id = 0x0102030405060708ull;
  f.origin = "alice";
  f.to = "bob";
  f.body = {1, 2, 3};
  Bytes bytes = encodeFrame(f);
  ASSERT_EQ(floodId(bytes), f.id);
  auto back = decodeFrame(bytes, {});
  ASSERT_TRUE(back.ok()) << back.status().toString();
  const auto& g = std::get<Flood>(back.value());
  EXPECT_EQ(g.ttl, 9);
  EXPECT_EQ(*g.to, "bob");
  EXPECT_EQ(g.body, f.body);
  auto fwd = decodeFrame(forwardFlood(bytes), {});
  EXPECT_EQ(std::get<Flood>(fwd.value()).ttl, 8);
  EXPECT_EQ(std::get<Flood>(fwd.value()).hops, 1);

  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(decodeFrame(ByteView(bytes).first(cut), {}).ok()) << cut;
  }
  Flood big = f;
  big.body.assign(2000, 0);
  EXPECT_EQ(decodeFrame(encodeFrame(big), WireLimits{1000, 10}).status().code(), Code::kTooLarge);
  Flood longId = f;
  longId.origin.assign(200, 'x');
  EXPECT_EQ(decodeFrame(encodeFrame(longId), {}).status().code(), Code::kTooLarge);
  RosterFrame many;
  for (int i = 0; i < 11; ++i) many.members.push_back(alive("m" + std::to_string(i)));
  EXPECT_EQ(decodeFrame(encodeFrame(many), WireLimits{1000, 10}).status().code(), Code::kTooLarge);
  GossipFrame news{{alive("m1"), gone("m2", 3), alive("m3", 1, kSuspect | kDegraded)}};
  auto newsBack = decodeFrame(encodeFrame(news), {});
  ASSERT_TRUE(newsBack.ok()) << newsBack.status().toString();
  EXPECT_EQ(std::get<GossipFrame>(newsBack.value()).members, news.members);
  Heartbeat beat{7, 9, {1, 2, 0xffffffffffffffffull}, 3, kDegraded};
  auto beatBack = decodeFrame(encodeFrame(beat), {});
  ASSERT_TRUE(beatBack.ok());
  EXPECT_EQ(std::get<Heartbeat>(beatBack.value()).ihave, beat.ihave);
  EXPECT_EQ(std::get<Heartbeat>(beatBack.value()).incarnation, 3u);
  EXPECT_EQ(std::get<Heartbeat>(beatBack.value()).flags, kDegraded);
  Bytes badFlags = encodeFrame(beat);
  badFlags.back() = 0x40;  // an unknown flag
  EXPECT_FALSE(decodeFrame(badFlags, {}).ok());
  IwantFrame want{{3, 4}};
  auto wantBack = decodeFrame(encodeFrame(want), {});
  ASSERT_TRUE(wantBack.ok());
  EXPECT_EQ(std::get<IwantFrame>(wantBack.value()).ids, want.ids);
  EXPECT_EQ(decodeFrame(encodeFrame(IwantFrame{{1, 2, 3}}), WireLimits{1000, 10, 2}).status().code(), Code::kTooLarge);
  Bytes reservedKind = bytes;
  reservedKind[16] = 1;  // kind, after the 16-byte head
  EXPECT_FALSE(decodeFrame(reservedKind, {}).ok());
  Bytes wrongVersion = encodeFrame(Heartbeat{1, 2});
  wrongVersion[1] = 7;
  EXPECT_EQ(decodeFrame(wrongVersion, {}).status().code(), Code::kUnsupportedVersion);
}

// A few meshes wired by hand: frames move when `pump` runs.
struct Net {
  std::map<std::string, std::unique_ptr<Mesh>> meshes;
  std::set<std::pair<std::string, std::string>> links;
  std::set<std::pair<std::string, std::string>> dropping;  // frames lost on a live link
  std::vector<std::pair<std::string, Delivery>> delivered;
  std::int64_t now = 0;

  Mesh& add(const std::string& id) { return *(meshes[id] = std::make_unique<Mesh>(id, MeshConfig{}, now)); }
  void connect(const std::string& a, const std::string& b) {
    links.insert({a, b});
    links.insert({b, a});
    meshes[a]->linkUp(b, now);
    meshes[b]->linkUp(a, now);
  }
  // Three peers, all linked to each other.
  void triangle(const std::string& a, const std::string& b, const std::string& c) {
    for (const auto& id : {a, b, c}) add(id);
    connect(a, b);
    connect(a, c);
    connect(b, c);
  }
  void cut(const std::string& a) {
    std::erase_if(links, [&](const auto& l) { return l.first == a || l.second == a; });
  }
  void pump() {
    for (bool busy = true; busy;) {
      busy = false;
      for (auto& [id, m] : meshes) {
        for (auto& d : m->takeDeliveries()) delivered.emplace_back(id, std::move(d));
        for (auto& p : m->takeDials()) {
          if (!links.count({id, p}) && meshes.count(p)) connect(id, p);
          busy = true;
        }
        for (auto& f : m->takeFrames()) {
          busy = true;
          if (links.count({id, f.to}) && !dropping.count({id, f.to})) {
            // In flight when the receiver hung up: refused, like a late frame.
            auto st = meshes[f.to]->receive(id, *f.bytes, now);
            if (!st.ok()) EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.toString();
          }
        }
        for (auto& p : m->takeHangups()) {
          busy = true;
          links.erase({id, p});
          if (links.erase({p, id}) && meshes.count(p)) meshes[p]->linkDown(id, now);
        }
      }
    }
  }
  void run(std::int64_t ms) {
    for (std::int64_t end = now + ms; now < end; now += 250) {
      for (auto& [id, m] : meshes) {
        if (std::any_of(links.begin(), links.end(), [&](const auto& l) { return l.first == id; }) || m->roster().size() == 1) m->tick(now);
      }
      pump();
    }
  }
};

TEST(MeshProtocol, ANewcomerIsSponsoredPlacedAndReachedByBroadcasts) {
  Net net;
  for (int i = 0; i < 12; ++i) net.add("n" + std::to_string(i));
  net.connect("n0", "n1");
  for (int i = 2; i < 12; ++i) {
    // Each newcomer announces; its sponsors among the members call it.
    for (auto& [id, m] : net.meshes) m->heard("n" + std::to_string(i), net.now);
    net.pump();
    net.run(2000);
  }
  net.run(10'000);
  for (auto& [id, m] : net.meshes) {
    EXPECT_EQ(m->roster().size(), 12u) << id;
    auto wanted = m->wanted(), links = m->links();
    for (const auto& w : wanted) EXPECT_TRUE(std::binary_search(links.begin(), links.end(), w)) << id << " -> " << w;
  }
  ASSERT_TRUE(net.meshes["n3"]->broadcast(asBytes("hello"), net.now).ok());
  net.pump();
  std::set<std::string> got;
  for (const auto& [id, d] : net.delivered) {
    if (asChars(d.payload) == "hello") got.insert(id);
  }
  EXPECT_EQ(got.size(), 11u);
}

TEST(MeshProtocol, SilenceSuspectsThenEvictsAndALivePeerRefutes) {
  Net net;
  for (int i = 0; i < 4; ++i) net.add("s" + std::to_string(i));
  for (int i = 0; i < 4; ++i) {
    for (int j = i + 1; j < 4; ++j) net.connect("s" + std::to_string(i), "s" + std::to_string(j));
  }
  // Everyone learns everyone: the rosters are exchanged on the first beats.
  net.run(1000);
  ASSERT_EQ(net.meshes["s0"]->roster().size(), 4u);
  net.cut("s3");
  net.meshes.erase("s3");
  net.run(4000);
  const Member* m = net.meshes["s0"]->roster().findId("s3");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->flags & kSuspect);
  net.run(4000);
  for (auto& [id, mesh] : net.meshes) EXPECT_EQ(mesh->roster().findId("s3"), nullptr) << id;

  // s1 hears that it is suspected: it refutes with a new incarnation.
  Member accusation = *net.meshes["s1"]->roster().findId("s1");
  accusation.flags |= kSuspect;
  // A batch with one bad entry is refused whole: the good one is not applied.
  Bytes bad = encodeFrame(GossipFrame{{accusation, Member{0, "x", 0, MemberState::kAlive, 0}}});
  bad.back() = 0x7f;  // the last entry's flags: 0 -> 127, unknown bits
  EXPECT_FALSE(net.meshes["s1"]->receive("s0", bad, net.now).ok());
  EXPECT_EQ(net.meshes["s1"]->incarnation(), 0u);
  EXPECT_EQ(net.meshes["s1"]->roster().findId("x"), nullptr);
  EXPECT_TRUE(net.meshes["s1"]->receive("s0", encodeFrame(GossipFrame{{accusation}}), net.now).ok());
  EXPECT_EQ(net.meshes["s1"]->incarnation(), 1u);
  net.run(500);
  for (auto& [id, mesh] : net.meshes) {
    const Member* s1 = mesh->roster().findId("s1");
    ASSERT_NE(s1, nullptr);
    EXPECT_EQ(s1->incarnation, 1u) << id;
    EXPECT_FALSE(s1->flags & kSuspect) << id;
  }
}

TEST(MeshProtocol, GossipIsBatchedPerLinkAndPassedOnOnce) {
  MeshConfig config;
  config.topology.cellSize = 2;
  Mesh b("m0", config, 0);
  b.adoptRoster(rosterOf(16, "m"), 0);
  std::vector<std::string> outside;
  for (int i = 1; i < 16; ++i) {
    std::string id = "m" + std::to_string(i);
    if (!b.cell().contains(keyOf(id))) outside.push_back(id);
  }
  ASSERT_GE(outside.size(), 2u);
  const std::string a = outside[0], c = outside[1];
  b.linkUp(a, 0);
  b.linkUp(c, 0);
  // Members gossiped per destination, and GOSSIP frames per destination.
  auto take = [&] {
    std::map<std::string, std::pair<std::size_t, std::size_t>> out;
    for (const auto& f : b.takeFrames()) {
      auto frame = decodeFrame(*f.bytes, {});
      EXPECT_TRUE(frame.ok());
      if (!frame.ok()) continue;
      if (auto* g = std::get_if<GossipFrame>(&frame.value())) {
        out[f.to].first += g->members.size();
        out[f.to].second++;
      }
    }
    return out;
  };
  (void)b.takeFrames();

  std::vector<Bytes> news;
  for (int i = 0; i < 50; ++i) news.push_back(encodeFrame(GossipFrame{{alive("x" + std::to_string(i))}}));
  std::map<std::string, std::pair<std::size_t, std::size_t>> sent;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(b.receive(a, news[i], 1000 + i).ok());
    for (auto& [to, n] : take()) sent[to].first += n.first, sent[to].second += n.second;
  }
  // The first update leaves at once; the rest wait for the link's next slot.
  EXPECT_EQ(sent[c], std::make_pair(std::size_t{1}, std::size_t{1}));
  EXPECT_EQ(sent.count(a), 0u);  // nothing goes back to where it came from
  b.tick(1000 + config.gossipMs);
  auto later = take();
  EXPECT_EQ(later[c], std::make_pair(std::size_t{49}, std::size_t{1}));
  EXPECT_EQ(later.count(a), 0u);
  EXPECT_EQ(b.roster().size(), 66u);
  // Old news is not passed on again.
  for (const Bytes& n : news) ASSERT_TRUE(b.receive(c, n, 2000).ok());
  b.tick(3000);
  EXPECT_TRUE(take().empty());
}

TEST(MeshProtocol, APeerTheFloodMissedGetsTheBroadcastFromANeighboursIhave) {
  Net net;
  net.triangle("a", "b", "c");
  net.run(2000);
  auto heard = [&](const std::string& who, const std::string& text) {
    return std::count_if(net.delivered.begin(), net.delivered.end(), [&](const auto& d) {
      return d.first == who && asChars(d.second.payload) == text;
    });
  };
  // A whole flood arrives: nobody asks for anything.
  ASSERT_TRUE(net.meshes["a"]->broadcast(asBytes("one"), net.now).ok());
  net.run(3000);
  EXPECT_EQ(heard("c", "one"), 1);
  for (auto& [id, m] : net.meshes) EXPECT_EQ(m->stats().repairsAsked, 0u) << id;
  // a's copy to c is lost; b got it from a cell mate, so it does not relay
  // to c, but its next heartbeat offers the id and c asks for it.
  net.dropping.insert({"a", "c"});
  ASSERT_TRUE(net.meshes["a"]->broadcast(asBytes("two"), net.now).ok());
  net.pump();
  net.dropping.clear();
  EXPECT_EQ(heard("c", "two"), 0);
  net.run(3000);
  ASSERT_EQ(heard("c", "two"), 1);
  auto it = std::find_if(net.delivered.begin(), net.delivered.end(), [&](const auto& d) {
    return d.first == "c" && asChars(d.second.payload) == "two";
  });
  EXPECT_TRUE(it->second.repaired);
  EXPECT_EQ(it->second.origin, "a");
  EXPECT_EQ(net.meshes["c"]->stats().repaired, 1u);
  EXPECT_EQ(heard("b", "two"), 1);  // once: a repair is not a second delivery
}

TEST(MeshProtocol, APeerVouchesForItselfInItsHeartbeats) {
  // b never got n's roster (its sponsor crashed, say): n's heartbeat alone
  // places it, and b passes it on.
  Mesh b("b", MeshConfig{}, 0);
  Roster view = rosterOf(5, "m");
  view.apply(alive("b"), 0);
  b.adoptRoster(view, 0);
  b.linkUp("m1", 0);
  b.linkUp("n", 0);
  (void)b.takeFrames();
  ASSERT_TRUE(b.receive("n", encodeFrame(Heartbeat{50, 123, {}, 2, 0}), 500).ok());
  const Member* n = b.roster().findId("n");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->incarnation, 2u);
  bool told = false;
  for (const auto& f : b.takeFrames()) {
    auto frame = decodeFrame(*f.bytes, {});
    ASSERT_TRUE(frame.ok());
    if (auto* g = std::get_if<GossipFrame>(&frame.value()); g && f.to == "m1") {
      told = std::any_of(g->members.begin(), g->members.end(), [](const Member& m) { return m.id == "n"; });
    }
  }
  EXPECT_TRUE(told);
  // A peer that was evicted cannot vouch its way back at the same incarnation.
  ASSERT_TRUE(b.receive("m1", encodeFrame(GossipFrame{{gone("n", 2)}}), 600).ok());
  EXPECT_FALSE(b.receive("n", encodeFrame(Heartbeat{50, 123, {}, 2, 0}), 650).ok());  // and its link is gone
  b.linkUp("n", 700);
  ASSERT_TRUE(b.receive("n", encodeFrame(Heartbeat{50, 123, {}, 2, 0}), 700).ok());
  EXPECT_EQ(b.roster().findId("n"), nullptr);
}

TEST(MeshProtocol, ASuspectHearsTheSuspicionFromTheNeighbourItBeatsTo) {
  Net net;
  net.triangle("a", "b", "s");
  net.run(5000);  // past the newcomers' follow-up rosters
  // a suspicion of s reaches b, but the gossip that would tell s is lost.
  Member suspect = *net.meshes["b"]->roster().findId("s");
  suspect.flags |= kSuspect;
  net.dropping = {{"a", "s"}, {"b", "s"}};
  ASSERT_TRUE(net.meshes["b"]->receive("a", encodeFrame(GossipFrame{{suspect}}), net.now).ok());
  net.run(500);  // b's gossip leaves on a tick, and is lost
  net.dropping.clear();
  EXPECT_EQ(net.meshes["s"]->incarnation(), 0u);
  // s's next heartbeat to b is answered with what b holds against it (well
  // before the views would be swapped for differing two beats running).
  net.run(1250);
  EXPECT_GE(net.meshes["s"]->incarnation(), 1u);
  for (auto& [id, m] : net.meshes) EXPECT_FALSE(m->roster().findId("s")->flags & kSuspect) << id;
}

// A relay (here the origin) that hands a directed frame to a next hop which
// then dies keeps custody of it: two silent beats later the frame takes
// another path, and the target gets it once.
TEST(MeshProtocol, ADirectedFrameGivenToAHopThatDiesTakesAnotherPath) {
  Net net;
  Roster room = rosterOf(40, "d");
  for (std::size_t i = 0; i < room.size(); ++i) net.add(room.at(i).id).adoptRoster(room, 0);
  for (auto& [id, m] : net.meshes) m->tick(net.now);  // dials what the topology wants
  net.run(8'000);
  // A source, and a target outside its links: the frame needs a relay.
  std::string source, target;
  for (auto& [id, m] : net.meshes) {
    auto links = m->links();
    for (std::size_t i = 0; i < room.size() && target.empty(); ++i) {
      const std::string& t = room.at(i).id;
      if (t != id && !std::binary_search(links.begin(), links.end(), t)) source = id, target = t;
    }
    if (!target.empty()) break;
  }
  ASSERT_FALSE(target.empty());
  Mesh& s = *net.meshes[source];
  ASSERT_TRUE(s.send(target, asBytes("direct"), net.now).ok());
  auto frames = s.takeFrames();
  ASSERT_EQ(frames.size(), 1u);
  std::string hop = frames[0].to;
  ASSERT_NE(hop, target);
  // The hop crashes with the frame: it never passes it on.
  net.cut(hop);
  net.meshes.erase(hop);
  net.run(5'000);
  std::size_t got = 0;
  for (const auto& [id, d] : net.delivered) got += id == target && asChars(d.payload) == "direct";
  EXPECT_EQ(got, 1u);
  EXPECT_GE(s.stats().rerouted, 1u);
}

TEST(MeshProtocol, BadFramesChangeNothing) {
  Net net;
  Mesh& a = net.add("a");
  net.add("b");
  net.connect("a", "b");
  net.pump();
  auto before = a.roster().snapshot();
  EXPECT_FALSE(a.receive("b", Bytes{0x93, 0x01}, 0).ok());
  EXPECT_FALSE(a.receive("b", Bytes{0xc1}, 0).ok());
  EXPECT_FALSE(a.receive("stranger", encodeFrame(Heartbeat{1, 1}), 0).ok());
  EXPECT_EQ(a.roster().snapshot(), before);
  EXPECT_EQ(a.send("a", asBytes("x"), 0).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cellgraph::mesh

namespace cellgraph::meshsim {
namespace {

SimConfig small(std::size_t peers, double churn) {
  SimConfig c;
  c.peers = peers;
  c.churnPerMinute = churn;
  c.steadyMs = 10'000;
  c.churnMs = churn > 0 ? 60'000 : 0;
  c.settleMs = 20'000;
  c.broadcastEveryMs = 200;
  c.directedEveryMs = 500;
  c.probeFraction = 0.5;
  return c;
}

TEST(MeshSimulation, WithoutChurnEveryBroadcastReachesEveryPeerWithinTheHopBound) {
  SimReport r = runSimulation(small(300, 0));
  EXPECT_EQ(r.deliverySteady, 1.0);
  EXPECT_EQ(r.directedDelivery, 1.0);
  EXPECT_LE(r.connectionsMax, 16u);
  EXPECT_LE(r.hops.max, r.hopBound);
  EXPECT_LE(r.directedHops.p99, r.hopBound);
}

TEST(MeshSimulation, UnderChurnRepairFillsWhatFloodsMissAndViewsConverge) {
  SimReport r = runSimulation(small(300, 0.1));
  EXPECT_GT(r.crashes, 20u);
  EXPECT_GE(r.deliveryChurnFlood, 0.99);
  EXPECT_GE(r.deliveryChurnMesh, 0.998);  // lazy repair, before any sync
  EXPECT_GE(r.deliveryChurn, 0.999);
  EXPECT_GE(r.directedDelivery, 0.995);  // custody re-routes around crashed relays
  EXPECT_LE(r.hops.p99, r.hopBound);
  EXPECT_LE(r.connectionsMax, 16u);
  // Every sampled crash left every view, every sampled newcomer was placed.
  EXPECT_LT(r.evictMs.max, 120'000);
  EXPECT_LT(r.joinMs.max, 120'000);
}

TEST(MeshSimulation, TheSameSeedGivesTheSameRun) {
  SimConfig c = small(120, 0.1);
  c.churnMs = 20'000;
  SimReport a = runSimulation(c), b = runSimulation(c);
  EXPECT_EQ(a.digest, b.digest);
  c.seed = 2;
  EXPECT_NE(runSimulation(c).digest, a.digest);
}

}  // namespace
}  // namespace cellgraph::meshsim
