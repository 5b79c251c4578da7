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

// Every test room shares FakeCrypto's seed 1: an entry signed here is what
// the member `id` would have signed itself.
Member signedBy(Member m) {
  Bytes tag = FakeCrypto::tag(1, m.id, claimDigest(m));
  m.sig.assign(tag.begin(), tag.end());
  return m;
}
Member alive(const std::string& id, std::uint32_t inc = 0, std::uint8_t flags = 0) {
  return signedBy({keyOf(id), id, inc, MemberState::kAlive, flags, {}});
}
// Its own goodbye.
Member gone(const std::string& id, std::uint32_t inc = 0) { return signedBy({keyOf(id), id, inc, MemberState::kLeft, 0, {}}); }
// Evicted by a neighbour: an accusation on its signed alive entry.
Member evicted(const std::string& id, std::uint32_t inc = 0) {
  Member m = alive(id, inc);
  m.flags |= kEvicted;
  return m;
}
// A heartbeat as `id` sends it: its own entry, signed.
Heartbeat beat(const std::string& id, std::uint32_t inc = 0, std::uint8_t flags = 0, std::uint64_t size = 1,
               std::uint64_t digest = 0) {
  return {size, digest, {}, inc, flags, alive(id, inc, flags).sig};
}
std::unique_ptr<Mesh> meshOf(const std::string& id, MeshConfig config = {}, std::int64_t now = 0) {
  return std::make_unique<Mesh>(id, config, now, fakeCrypto(id));
}

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
      case 2: updates.push_back(i % 4 ? gone(id, i % 2) : evicted(id, i % 2)); break;
      case 3: {
        // Two claims at one incarnation (only the member could sign both):
        // every view must pick the same one.
        Member m = alive(id, 2, kDegraded);
        if (i % 3 == 0) m.sig[0] ^= 1;
        updates.push_back(m);
        break;
      }
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
  f.sig = "signature";
  Bytes bytes = encodeFrame(f);
  ASSERT_EQ(floodId(bytes), f.id);
  auto back = decodeFrame(bytes, {});
  ASSERT_TRUE(back.ok()) << back.status().toString();
  const auto& g = std::get<Flood>(back.value());
  EXPECT_EQ(g.ttl, 9);
  EXPECT_EQ(*g.to, "bob");
  EXPECT_EQ(g.body, f.body);
  EXPECT_EQ(g.sig, f.sig);
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
  Heartbeat beat{7, 9, {1, 2, 0xffffffffffffffffull}, 3, kDegraded, "sig"};
  auto beatBack = decodeFrame(encodeFrame(beat), {});
  ASSERT_TRUE(beatBack.ok());
  EXPECT_EQ(std::get<Heartbeat>(beatBack.value()).ihave, beat.ihave);
  EXPECT_EQ(std::get<Heartbeat>(beatBack.value()).incarnation, 3u);
  EXPECT_EQ(std::get<Heartbeat>(beatBack.value()).flags, kDegraded);
  for (std::uint8_t flags : {std::uint8_t{0x40}, std::uint8_t{kSuspect}, std::uint8_t{kEvicted}}) {
    Heartbeat accusing = beat;
    accusing.flags = flags;  // unknown, or an accusation: not the sender's to make about itself
    EXPECT_FALSE(decodeFrame(encodeFrame(accusing), {}).ok()) << int(flags);
  }
  Heartbeat unsigned_ = beat;
  unsigned_.sig.clear();
  EXPECT_FALSE(decodeFrame(encodeFrame(unsigned_), {}).ok()) << "a heartbeat without a signature";
  Heartbeat longSig = beat;
  longSig.sig.assign(65, 'x');
  EXPECT_EQ(decodeFrame(encodeFrame(longSig), {}).status().code(), Code::kTooLarge);
  IwantFrame want{{3, 4}};
  auto wantBack = decodeFrame(encodeFrame(want), {});
  ASSERT_TRUE(wantBack.ok());
  EXPECT_EQ(std::get<IwantFrame>(wantBack.value()).ids, want.ids);
  EXPECT_EQ(decodeFrame(encodeFrame(IwantFrame{{1, 2, 3}}), WireLimits{1000, 10, 2}).status().code(), Code::kTooLarge);
  Bytes reservedKind = bytes;
  reservedKind[16] = 1;  // kind, after the 16-byte head
  EXPECT_FALSE(decodeFrame(reservedKind, {}).ok());
  for (std::uint8_t version : {1, 7}) {  // 1: the unsigned frames before signatures
    Bytes wrongVersion = encodeFrame(beat);
    wrongVersion[1] = version;
    EXPECT_EQ(decodeFrame(wrongVersion, {}).status().code(), Code::kUnsupportedVersion);
    Bytes oldFlood = bytes;
    oldFlood[1] = version;
    EXPECT_FALSE(floodId(oldFlood).has_value()) << "relays do not dedupe another version's floods";
  }
  RosterFrame chunk{5000, {alive("m1"), gone("m2", 1), evicted("m3", 2)}};
  auto chunkBack = decodeFrame(encodeFrame(chunk), {});
  ASSERT_TRUE(chunkBack.ok()) << chunkBack.status().toString();
  EXPECT_EQ(std::get<RosterFrame>(chunkBack.value()).rosterSize, 5000u);
  EXPECT_EQ(std::get<RosterFrame>(chunkBack.value()).members, chunk.members);
  GossipFrame unsignedMember{{alive("m1")}};
  unsignedMember.members[0].sig.clear();
  EXPECT_FALSE(decodeFrame(encodeFrame(unsignedMember), {}).ok()) << "a member entry without a signature";
}

// A few meshes wired by hand: frames move when `pump` runs.
struct Net {
  std::map<std::string, std::unique_ptr<Mesh>> meshes;
  std::set<std::pair<std::string, std::string>> links;
  std::set<std::pair<std::string, std::string>> dropping;  // frames lost on a live link
  std::vector<std::pair<std::string, Delivery>> delivered;
  std::int64_t now = 0;

  Mesh& add(const std::string& id, MeshConfig config = {}) { return *(meshes[id] = meshOf(id, config, now)); }
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
  Member bogus = alive("x");
  bogus.flags = 0x7f;  // unknown bits
  Bytes bad = encodeFrame(GossipFrame{{accusation, bogus}});
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
  auto owner = meshOf("m0", config);
  Mesh& b = *owner;
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
  auto owner = meshOf("b");
  Mesh& b = *owner;
  Roster view = rosterOf(5, "m");
  view.apply(alive("b"), 0);
  b.adoptRoster(view, 0);
  b.linkUp("m1", 0);
  b.linkUp("n", 0);
  (void)b.takeFrames();
  ASSERT_TRUE(b.receive("n", encodeFrame(beat("n", 2, 0, 50, 123)), 500).ok());
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
  ASSERT_TRUE(b.receive("m1", encodeFrame(GossipFrame{{evicted("n", 2)}}), 600).ok());
  EXPECT_FALSE(b.receive("n", encodeFrame(beat("n", 2, 0, 50, 123)), 650).ok());  // and its link is gone
  b.linkUp("n", 700);
  ASSERT_TRUE(b.receive("n", encodeFrame(beat("n", 2, 0, 50, 123)), 700).ok());
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
  EXPECT_FALSE(a.receive("stranger", encodeFrame(beat("stranger")), 0).ok());
  EXPECT_EQ(a.roster().snapshot(), before);
  EXPECT_EQ(a.send("a", asBytes("x"), 0).status().code(), Code::kInvalidArgument);
}

// ---- hostile links: each finding of the independent harness, and the
// bounds around them. A test's attacker signs only as itself (FakeCrypto's
// tag under its own name); "validly signed fakes" are members an attacker
// made keys for, which nothing can tell from real ones.

// A peer `self` linked to `peers`, each placed by its own signed heartbeat.
std::unique_ptr<Mesh> linkedTo(const std::string& self, const std::vector<std::string>& peers, MeshConfig config = {}) {
  auto m = meshOf(self, config);
  for (const auto& p : peers) {
    m->linkUp(p, 0);
    EXPECT_TRUE(m->receive(p, encodeFrame(beat(p)), 0).ok());
  }
  (void)m->takeFrames();
  return m;
}

std::size_t floodsTo(const std::vector<OutFrame>& frames, const std::string& to, std::size_t* bytes = nullptr) {
  std::size_t n = 0;
  for (const auto& f : frames) {
    if (f.to != to || !floodId(*f.bytes)) continue;
    n++;
    if (bytes) *bytes += f.bytes->size();
  }
  return n;
}

Bytes floodFrame(const std::string& origin, std::optional<std::string> to, std::uint64_t id, const std::string& signer,
                 Bytes body = {1, 2, 3}, std::uint8_t ttl = 5) {
  Flood f;
  f.ttl = ttl;
  f.id = id;
  f.origin = origin;
  f.to = std::move(to);
  f.body = std::move(body);
  Bytes tag = FakeCrypto::tag(1, signer, floodDigestOf(f));
  f.sig.assign(tag.begin(), tag.end());
  return encodeFrame(f);
}

// Finding 1: one 36,870-byte IWANT naming a cached broadcast 4,096 times
// got 4,096 copies back (116,492x amplification).
TEST(MeshHostile, AnIwantGetsEachCachedBroadcastOncePerWindowAndWithinItsBudget) {
  auto b = linkedTo("b", {"m"});
  auto id = b->broadcast(Bytes(1000, 7), 0);
  ASSERT_TRUE(id.ok());
  (void)b->takeFrames();
  IwantFrame same;
  same.ids.assign(4096, *id);
  Bytes iwant = encodeFrame(same);
  EXPECT_EQ(iwant.size(), 36'870u);
  ASSERT_TRUE(b->receive("m", iwant, 10).ok());
  EXPECT_EQ(floodsTo(b->takeFrames(), "m"), 1u);
  EXPECT_EQ(b->stats().repliesDeclined, 4095u);
  // Asked again within the repair window: nothing more.
  ASSERT_TRUE(b->receive("m", iwant, 20).ok());
  EXPECT_EQ(floodsTo(b->takeFrames(), "m"), 0u);

  // Many cached broadcasts: at most maxRepliesPerIwant per IWANT, and
  // repairFramesPerSecond per second over many IWANTs.
  MeshConfig config;
  IwantFrame all;
  for (int i = 0; i < 1000; ++i) all.ids.push_back(*b->broadcast(Bytes(100, 1), 30));
  (void)b->takeFrames();
  Bytes many = encodeFrame(all);
  ASSERT_TRUE(b->receive("m", many, 40).ok());
  EXPECT_EQ(floodsTo(b->takeFrames(), "m"), config.maxRepliesPerIwant);
  std::size_t second = 0;
  for (std::int64_t t = 50; t <= 1040; t += 10) {
    ASSERT_TRUE(b->receive("m", many, t).ok());
    second += floodsTo(b->takeFrames(), "m");
  }
  EXPECT_LE(second, config.repairFramesPerSecond + 1) << "a second's replies after the burst";
  EXPECT_GT(second, 0u) << "the budget refills";

  // Bytes: a link gets at most repairBytesPerSecond of replies (plus one frame).
  MeshConfig small;
  small.repairBytesPerSecond = 100'000;
  auto c = linkedTo("c", {"m"}, small);
  IwantFrame big;
  for (int i = 0; i < 50; ++i) big.ids.push_back(*c->broadcast(Bytes(10'000, 2), 0));
  (void)c->takeFrames();
  std::size_t bytes = 0;
  ASSERT_TRUE(c->receive("m", encodeFrame(big), 10).ok());
  floodsTo(c->takeFrames(), "m", &bytes);
  EXPECT_LE(bytes, 100'000u + 10'200u);
  EXPECT_GT(bytes, 80'000u);
}

// Finding 2: one 17-byte GOSSIP "this peer left at incarnation 4294967295"
// evicted a live peer for good: it could not refute past the maximum.
TEST(MeshHostile, NoForgedClaimCanEvictAMemberOrExhaustItsIncarnation) {
  auto b = linkedTo("b", {"m", "v"});
  auto signedAs = [](Member m, const std::string& signer) {
    Bytes tag = FakeCrypto::tag(1, signer, claimDigest(m));
    m.sig.assign(tag.begin(), tag.end());
    return m;
  };
  Member leftForever{keyOf("v"), "v", UINT32_MAX, MemberState::kLeft, 0, std::string(15, 'x')};
  Member evictedForever = evicted("v");
  evictedForever.incarnation = UINT32_MAX;  // v's signature is for incarnation 0
  for (const Member& forged : {leftForever, signedAs(leftForever, "m"), evictedForever}) {
    EXPECT_EQ(b->receive("m", encodeFrame(GossipFrame{{forged}}), 10).code(), Code::kBadSignature);
  }
  // Nor about b itself, which never signed these.
  Member aboutB = signedAs({keyOf("b"), "b", UINT32_MAX, MemberState::kLeft, 0, {}}, "m");
  Member suspectB = alive("b", 0, kSuspect);
  suspectB.sig[0] ^= 1;
  for (const Member& forged : {aboutB, suspectB}) {
    EXPECT_EQ(b->receive("m", encodeFrame(GossipFrame{{forged}}), 20).code(), Code::kBadSignature);
  }
  EXPECT_EQ(b->stats().refusedSignature, 5u);
  EXPECT_EQ(b->incarnation(), 0u);
  const Member* v = b->roster().findId("v");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->incarnation, 0u);
  EXPECT_FALSE(v->demoted());

  // An accusation that rides on w's own signature at its incarnation is
  // taken (any member may say it stopped hearing w), and costs w exactly
  // one incarnation, which only w can sign: evicted, w hears it from the
  // first peer it links to again, and refutes.
  Net net;
  net.triangle("c", "d", "w");
  net.run(5000);
  Mesh& c = *net.meshes["c"];
  c.linkUp("attacker", net.now);
  ASSERT_TRUE(c.receive("attacker", encodeFrame(beat("attacker")), net.now).ok());
  Member accusation = *c.roster().findId("w");
  accusation.flags |= kEvicted;
  ASSERT_TRUE(c.receive("attacker", encodeFrame(GossipFrame{{accusation}}), net.now).ok());
  EXPECT_EQ(c.roster().findId("w"), nullptr);
  net.run(10'000);
  EXPECT_EQ(net.meshes["w"]->incarnation(), 1u);
  for (auto& [id, m] : net.meshes) {
    const Member* w = m->roster().findId("w");
    ASSERT_NE(w, nullptr) << id;
    EXPECT_EQ(w->incarnation, 1u) << id;
  }
}

TEST(MeshHostile, ASignatureIsCheckedOncePerMemberAndIncarnation) {
  auto b = linkedTo("b", {"l1", "l2", "l3"});
  std::uint64_t before = b->stats().signaturesVerified;
  Bytes news = encodeFrame(GossipFrame{{alive("x", 3)}});
  for (const char* l : {"l1", "l2", "l3"}) ASSERT_TRUE(b->receive(l, news, 10).ok());
  EXPECT_EQ(b->stats().signaturesVerified, before + 1) << "three copies, one check";
  // An accusation on a claim already held needs no check either.
  ASSERT_TRUE(b->receive("l1", encodeFrame(GossipFrame{{alive("x", 3, kSuspect)}}), 20).ok());
  EXPECT_TRUE(b->roster().findId("x")->flags & kSuspect);
  EXPECT_EQ(b->stats().signaturesVerified, before + 1);
  // Nor does a stale one, whatever its bytes.
  Member stale = alive("x", 2);
  stale.sig = "junk";
  ASSERT_TRUE(b->receive("l2", encodeFrame(GossipFrame{{stale}}), 30).ok());
  EXPECT_EQ(b->stats().signaturesVerified, before + 1);
  // A new incarnation is checked, once.
  Bytes refuted = encodeFrame(GossipFrame{{alive("x", 4)}});
  for (const char* l : {"l1", "l2", "l3"}) ASSERT_TRUE(b->receive(l, refuted, 40).ok());
  EXPECT_EQ(b->stats().signaturesVerified, before + 2);
}

// Finding 3: one GOSSIP of 100,000 fake members was accepted (a roster of
// 101,001, links wanted to fake ids, 1,043 dials queued).
TEST(MeshHostile, FakeMembersAreBoundedPerFramePerLinkAndInTotal) {
  MeshConfig config;
  config.maxMembers = 3'000;
  auto b = linkedTo("b", {"m"}, config);
  GossipFrame huge;
  for (int i = 0; i < 100'000; ++i) huge.members.push_back(alive("fake-" + std::to_string(i)));
  // Per frame: more than kMaxMembersPerFrame entries is refused undecoded.
  EXPECT_EQ(b->receive("m", encodeFrame(huge), 1).code(), Code::kTooLarge);
  EXPECT_EQ(b->stats().refusedMalformed, 1u);
  EXPECT_EQ(b->roster().size(), 2u);
  // Per link and time: frames of 1,024 validly signed fakes for a second
  // bring at most rosterBurst + rosterRate of them.
  std::size_t next = 0;
  auto chunk = [&] {
    GossipFrame g;
    for (std::size_t i = 0; i < kMaxMembersPerFrame; ++i) g.members.push_back(huge.members[next++ % huge.members.size()]);
    return encodeFrame(g);
  };
  std::size_t maxDialsPerTick = 0;
  for (std::int64_t t = 10; t <= 1010; t += 50) {
    ASSERT_TRUE(b->receive("m", chunk(), t).ok());
    b->tick(t);
    maxDialsPerTick = std::max(maxDialsPerTick, b->takeDials().size());
    (void)b->takeFrames();
  }
  EXPECT_LE(b->roster().size(), 2u + config.rosterBurst + config.rosterRate + 1);
  EXPECT_GT(b->stats().membersDeferred, 0u);
  // In total: never more than maxMembers.
  std::size_t maxInFlight = 0;
  for (std::int64_t t = 1050; t <= 30'000; t += 50) {
    if (b->links().empty()) b->linkUp("m", t);  // hung up as unneeded: it links again
    (void)b->receive("m", chunk(), t);
    (void)b->receive("m", encodeFrame(beat("m")), t);  // m stays heard
    b->tick(t);
    maxDialsPerTick = std::max(maxDialsPerTick, b->takeDials().size());
    maxInFlight = std::max(maxInFlight, b->sizes().dialsInFlight);
    (void)b->takeFrames();
    ASSERT_LE(b->roster().size(), config.maxMembers);
  }
  EXPECT_EQ(b->roster().size(), config.maxMembers);
  EXPECT_GT(b->stats().membersOverCap, 0u);
  // Dials: bounded per tick and in flight, whatever the roster wants.
  EXPECT_LE(maxDialsPerTick, config.maxDialsPerTick);
  EXPECT_LE(maxInFlight, config.maxDialsInFlight);
  EXPECT_GT(maxInFlight, 0u);
}

TEST(MeshHostile, ARosterLeavesInFramesEveryReceiverDecodes) {
  auto b = meshOf("b"), n = meshOf("n");
  b->adoptRoster(rosterOf(3000, "r"), 0);
  b->linkUp("n", 0);
  n->linkUp("b", 0);
  std::size_t chunks = 0;
  for (int round = 0; round < 6; ++round) {
    for (auto& f : b->takeFrames()) {
      auto frame = decodeFrame(*f.bytes, WireLimits{});
      ASSERT_TRUE(frame.ok()) << frame.status().toString();
      if (auto* r = std::get_if<RosterFrame>(&frame.value())) {
        chunks++;
        EXPECT_LE(r->members.size(), kMaxMembersPerFrame);
        EXPECT_EQ(r->rosterSize, 3002u);  // with n, placed by its heartbeat
      }
      ASSERT_TRUE(n->receive("b", *f.bytes, 10).ok());
    }
    for (auto& f : n->takeFrames()) ASSERT_TRUE(b->receive("n", *f.bytes, 10).ok());
  }
  EXPECT_EQ(chunks, 3u);
  // n was alone: its sponsor's view is taken whole, past the link budget.
  EXPECT_EQ(n->roster().size(), b->roster().size());
  EXPECT_EQ(n->stats().membersDeferred, 0u);

  // Heartbeats asking for a roster swap, 100 in a second: one roster.
  auto c = linkedTo("c", {"m"});
  std::uint64_t sent = c->stats().rostersSent;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(c->receive("m", encodeFrame(beat("m", 0, 0, 1 + i % 2 * 1000, 7)), 10 + 10 * i).ok());
  }
  EXPECT_LE(c->stats().rostersSent, sent + 1);
  EXPECT_GT(c->stats().rostersDeferred, 0u);
}

// Finding 4: 60 s of undecodable frames from a link never made it suspect.
TEST(MeshHostile, ALinkWhoseFramesKeepBeingRefusedIsHungUpAndItsSilenceCounts) {
  MeshConfig config;
  auto b = linkedTo("b", {"m"}, config);
  std::size_t hungUp = 0, dials = 0;
  for (std::int64_t t = 100; t <= 60'000; t += 100) {
    (void)b->receive("m", Bytes{0xc1, 0xc1}, t);
    b->tick(t);
    for (const auto& p : b->takeHangups()) hungUp += p == "m";
    for (const auto& p : b->takeDials()) dials += p == "m";
    (void)b->takeFrames();
  }
  EXPECT_EQ(b->stats().hungUpRefusing, 1u);
  EXPECT_EQ(b->stats().refusedMalformed, config.refusalLimit);
  EXPECT_GE(hungUp, 1u);
  EXPECT_EQ(dials, 0u) << "not dialed again while banned";
  EXPECT_EQ(b->stats().evictions, 1u) << "its silence got it evicted";
  EXPECT_EQ(b->roster().findId("m"), nullptr);
  // Junk never counts as hearing from a link: without the hang-up, the
  // link is suspected after suspectMs of it.
  MeshConfig lenient;
  lenient.refusalLimit = SIZE_MAX;
  auto c = linkedTo("c", {"m"}, lenient);
  for (std::int64_t t = 100; t <= 3'500; t += 100) {
    (void)c->receive("m", Bytes{0xc1, 0xc1}, t);
    c->tick(t);
  }
  EXPECT_EQ(c->stats().suspicions, 1u);
  EXPECT_TRUE(c->roster().findId("m")->flags & kSuspect);
  EXPECT_EQ(c->stats().refusedMalformed, 35u);
}

// Finding 5: a FLOOD whose `origin` named another peer was delivered as if
// that peer sent it (and relayed).
TEST(MeshHostile, AFloodIsDeliveredAndRelayedOnlyWithItsOriginsSignature) {
  auto b = linkedTo("b", {"m", "c", "v"});
  std::uint64_t vid = floodIdFor(keyOf("v"), 1);
  std::int64_t t = 10;
  // Signed by m, claiming v: a broadcast, one directed to b, one through b to c.
  for (auto to : {std::optional<std::string>(), std::optional<std::string>("b"), std::optional<std::string>("c")}) {
    EXPECT_EQ(b->receive("m", floodFrame("v", to, vid++, "m"), t++).code(), Code::kBadSignature);
  }
  // Signed by m as itself, but under v's next id: it cannot take it first.
  EXPECT_EQ(b->receive("m", floodFrame("m", {}, vid, "m"), t++).code(), Code::kBadSignature);
  EXPECT_TRUE(b->takeDeliveries().empty());
  auto out = b->takeFrames();
  EXPECT_EQ(floodsTo(out, "c") + floodsTo(out, "v"), 0u) << "nothing forged is relayed";
  EXPECT_EQ(b->stats().refusedSignature, 3u);
  EXPECT_EQ(b->stats().refusedForeignId, 1u);
  EXPECT_EQ(b->links(), (std::vector<std::string>{"c", "m", "v"})) << "the victim keeps its link";
  // v's own, relayed with ttl and hops rewritten (not signed): delivered, named v.
  Bytes real = forwardFlood(floodFrame("v", {}, vid, "v"));
  ASSERT_TRUE(b->receive("m", real, t++).ok());
  auto got = b->takeDeliveries();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].origin, "v");
  EXPECT_EQ(got[0].hops, 2u);
  // And v's directed frame to c is passed on, as the forged one was not.
  ASSERT_TRUE(b->receive("m", floodFrame("v", "c", vid + 5, "v"), t++).ok());
  EXPECT_EQ(floodsTo(b->takeFrames(), "c"), 1u);
  // A body changed on the way is refused.
  Bytes tampered = floodFrame("v", {}, vid + 1, "v", {1, 2, 3});
  tampered[tampered.size() - 18] ^= 1;  // the body's last byte, before the sig (bin8 head + 15-byte tag)
  EXPECT_EQ(b->receive("m", tampered, t++).code(), Code::kBadSignature);
}

// What a hostile link can grow: the custody queue, the repair cache, the
// dedup window and the ids awaiting an IWANT's answer.
TEST(MeshHostile, CustodyCacheDedupAndAskedStayBoundedUnderAHostileLink) {
  MeshConfig config;
  config.maxCustody = 100;
  config.maxCached = 200;
  config.maxCachedBytes = 100'000;
  config.maxAsked = 300;
  config.maxAskedPerLink = 150;
  auto owner = meshOf("b", config);
  Mesh& b = *owner;
  Roster room = rosterOf(200, "r");
  room.apply(alive("m"), 0);
  b.adoptRoster(room, 0);
  std::vector<std::string> far;
  for (std::size_t i = 0; i < room.size(); ++i) {
    const std::string& id = room.at(i).id;
    if (id != "m" && id != "b" && !b.cell().contains(keyOf(id))) far.push_back(id);
  }
  ASSERT_GE(far.size(), 20u);
  std::vector<std::string> hops(far.begin(), far.begin() + 10);
  hops.push_back("m");
  for (const auto& p : hops) {
    b.linkUp(p, 0);
    ASSERT_TRUE(b.receive(p, encodeFrame(beat(p)), 0).ok());
  }
  std::uint64_t seq = 0;
  Mesh::Sizes peak{};
  auto track = [&] {
    Mesh::Sizes s = b.sizes();
    peak.custody = std::max(peak.custody, s.custody);
    peak.cached = std::max(peak.cached, s.cached);
    peak.cachedBytes = std::max(peak.cachedBytes, s.cachedBytes);
    peak.asked = std::max(peak.asked, s.asked);
    peak.seen = std::max(peak.seen, s.seen);
    (void)b.takeFrames();
    (void)b.takeDeliveries();
  };
  for (int i = 0; i < 3'000; ++i) {
    // Directed frames from m, validly signed, to peers b must hand on.
    const std::string& target = far[10 + i % (far.size() - 10)];
    ASSERT_TRUE(b.receive("m", floodFrame("m", target, floodIdFor(keyOf("m"), ++seq), "m"), 100).ok());
    // Broadcasts, 1,000 bytes each.
    ASSERT_TRUE(b.receive("m", floodFrame("m", {}, floodIdFor(keyOf("m"), ++seq), "m", Bytes(1000, 3)), 100).ok());
    track();
  }
  for (int i = 0; i < 10; ++i) {
    Heartbeat h = beat("m");
    for (int k = 0; k < 4096; ++k) h.ihave.push_back(floodIdFor(keyOf("q"), 1'000'000 + i * 4096 + k));
    ASSERT_TRUE(b.receive("m", encodeFrame(h), 200 + i).ok());
    track();
  }
  EXPECT_EQ(peak.custody, config.maxCustody);
  EXPECT_GT(b.stats().custodyDropped, 0u);
  EXPECT_LE(peak.cached, config.maxCached);
  EXPECT_LE(peak.cachedBytes, config.maxCachedBytes);
  EXPECT_GT(b.stats().cacheDropped, 0u);
  EXPECT_LE(peak.seen, config.dedupWindow);
  EXPECT_EQ(peak.asked, config.maxAskedPerLink);
  EXPECT_GT(b.stats().asksDeclined, 0u);
}

TEST(MeshHostile, LinksPastTheBoundAndBannedPeersAreHungUpAtOnce) {
  MeshConfig config;
  config.maxLinks = 4;
  auto b = meshOf("b", config);
  for (int i = 0; i < 10; ++i) b->linkUp("x" + std::to_string(i), 0);
  EXPECT_EQ(b->links().size(), 4u);
  EXPECT_EQ(b->stats().linksRefused, 6u);
  EXPECT_EQ(b->takeHangups().size(), 6u);
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
