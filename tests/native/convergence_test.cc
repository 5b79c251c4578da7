// Seeded randomized convergence: 8 replicas with skewed clocks write
// concurrently (puts, removes, links, unlinks on a small id space so they
// conflict). Live batches travel over a gossip network that drops,
// duplicates and reorders; sync sessions run over links that partitions cut
// mid-conversation. After healing, every replica must hold the same digest,
// and that digest must equal a reference replica that applied every op ever
// written: nothing acknowledged is lost, nothing removed comes back.
//
// CELLGRAPH_CONVERGENCE_SEEDS sets the number of seeds (default 1000).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <random>

#include "test_util.h"

namespace cellgraph::sync {
namespace {
using testing::digestHex;
using testing::Replica;

constexpr int kReplicas = 8;
constexpr std::uint64_t kStart = 1'700'000'000'000;

struct Link {
  int a, b;
  std::unique_ptr<SyncSession> sa, sb;
  std::deque<Bytes> toA, toB;
};

struct Packet {
  int from, to;
  Bytes bytes;
};

class Sim {
 public:
  explicit Sim(std::uint64_t seed) : rng_(seed) {
    std::uint64_t windows[] = {4, 16, 64, 10'000};
    for (int i = 0; i < kReplicas; ++i) {
      offsets_.push_back(static_cast<std::int64_t>(rng_() % 4000) - 2000);
      clocks_.push_back(std::make_unique<ManualClock>(kStart + offsets_[i]));
      replicas_.push_back(std::make_unique<Replica>(*clocks_[i], i + 1, windows[rng_() % 4]));
      group_.push_back(0);
    }
  }

  ::testing::AssertionResult run(int steps) {
    for (int s = 0; s < steps; ++s) {
      int dice = static_cast<int>(rng_() % 100);
      if (dice < 35) write();
      else if (dice < 60) deliverGossip();
      else if (dice < 72) openLink();
      else if (dice < 94) { if (auto r = stepLink(); !r) return r; }
      else if (dice < 97) repartition();
      else advanceTime();
    }
    return heal();
  }

 private:
  std::string randomId() { return "k" + std::to_string(rng_() % 12); }

  void write() {
    int i = static_cast<int>(rng_() % kReplicas);
    std::vector<crdt::Op> ops;
    int n = 1 + static_cast<int>(rng_() % 3);
    for (int k = 0; k < n; ++k) {
      switch (rng_() % 6) {
        case 0: case 1: case 2: {
          boost::json::object v{{"by", i}, {"n", static_cast<std::int64_t>(rng_() % 1000)}};
          if (rng_() % 3 == 0) v["nested"] = boost::json::object{{"tags", boost::json::array{"a", static_cast<std::int64_t>(k)}}};
          ops.push_back({crdt::OpType::kPut, randomId(), "", std::make_shared<const boost::json::object>(std::move(v))});
          break;
        }
        case 3: ops.push_back({crdt::OpType::kRemove, randomId(), "", nullptr}); break;
        case 4: ops.push_back({crdt::OpType::kLink, randomId(), randomId(), nullptr}); break;
        case 5: ops.push_back({crdt::OpType::kUnlink, randomId(), randomId(), nullptr}); break;
      }
    }
    graph::ApplyReport report;
    auto envs = replicas_[i]->store.write(std::move(ops), &report);
    if (!envs.ok()) return;  // e.g. a link to a missing node: refused whole
    for (const auto& e : *envs) all_.push_back(e);
    for (auto& bytes : encodeLiveBatch(replicas_[i]->store, *envs, report.firstSeq)) {
      for (int j = 0; j < kReplicas; ++j) {
        if (j == i || group_[j] != group_[i] || rng_() % 100 < 15) continue;  // partitioned or dropped
        gossip_.push_back({i, j, bytes});
        if (rng_() % 100 < 10) gossip_.push_back({i, j, bytes});  // duplicated
      }
    }
  }

  void deliverGossip() {
    if (gossip_.empty()) return;
    std::size_t k = rng_() % gossip_.size();  // any order
    Packet p = std::move(gossip_[k]);
    gossip_.erase(gossip_.begin() + static_cast<long>(k));
    if (group_[p.from] != group_[p.to]) return;  // the partition ate it
    Replica& r = *replicas_[p.to];
    auto m = decodeMessage(p.bytes, {});
    ASSERT_TRUE(m.ok()) << m.status().toString();
    auto applied = r.sink.apply(std::move(std::get<Ops>(m.value()).envelopes));
    EXPECT_TRUE(applied.ok()) << applied.status().toString();
  }

  void openLink() {
    int a = static_cast<int>(rng_() % kReplicas), b = static_cast<int>(rng_() % kReplicas);
    if (a == b || group_[a] != group_[b]) return;
    for (auto& l : links_) if ((l.a == a && l.b == b) || (l.a == b && l.b == a)) return;
    SessionOptions opt;
    opt.leafItems = 1 + rng_() % 4;  // small leaves exercise deep recursion
    opt.branching = 2 + rng_() % 4;
    auto ida = static_cast<hlc::PeerId>(a + 1), idb = static_cast<hlc::PeerId>(b + 1);
    if (rng_() % 2) {  // a link never seen before
      replicas_[a]->links[idb] = {};
      replicas_[b]->links[ida] = {};
    }
    Link l{a, b, replicas_[a]->session(idb, opt), replicas_[b]->session(ida, opt), {}, {}};
    l.toB.push_back(l.sa->start());
    l.toA.push_back(l.sb->start());
    links_.push_back(std::move(l));
  }

  ::testing::AssertionResult stepLink() {
    if (links_.empty()) return ::testing::AssertionSuccess();
    std::size_t k = rng_() % links_.size();
    Link& l = links_[k];
    bool toA = (rng_() % 2 && !l.toA.empty()) || l.toB.empty();
    auto& inbox = toA ? l.toA : l.toB;
    if (inbox.empty()) {  // a finished conversation: close it
      links_.erase(links_.begin() + static_cast<long>(k));
      return ::testing::AssertionSuccess();
    }
    Bytes m = std::move(inbox.front());
    inbox.pop_front();
    auto replies = (toA ? l.sa : l.sb)->receive(m);
    if (!replies.ok()) return ::testing::AssertionFailure() << "session error: " << replies.status().toString();
    for (auto& r : *replies) (toA ? l.toB : l.toA).push_back(*r);
    return ::testing::AssertionSuccess();
  }

  void repartition() {
    int groups = 1 + static_cast<int>(rng_() % 3);
    for (auto& g : group_) g = static_cast<int>(rng_() % groups);
    std::erase_if(links_, [&](const Link& l) { return group_[l.a] != group_[l.b]; });  // cut mid-session
  }

  void advanceTime() {
    std::uint64_t dt = rng_() % 5000;
    for (int i = 0; i < kReplicas; ++i) clocks_[i]->advance(dt);
    if (rng_() % 4 == 0) {  // one replica's clock jumps far ahead: its ops get deferred by the others
      int i = static_cast<int>(rng_() % kReplicas);
      clocks_[i]->advance(90'000);
    }
  }

  ::testing::AssertionResult heal() {
    for (auto& g : group_) g = 0;
    links_.clear();
    while (!gossip_.empty()) deliverGossip();  // late arrivals
    for (auto& c : clocks_) c->advance(400'000);  // past every skewed clock
    for (int round = 0; round < 2; ++round) {
      for (int j = 1; j < kReplicas; ++j) {
        auto r = testing::syncPair(*replicas_[0], *replicas_[j], {}, rng_() % 2);
        if (!r.ok) return ::testing::AssertionFailure() << "heal sync 1-" << j + 1 << ": " << r.error;
      }
    }
    std::string expected = digestHex(replicas_[0]->store);
    for (int i = 1; i < kReplicas; ++i) {
      if (digestHex(replicas_[i]->store) != expected) {
        return ::testing::AssertionFailure() << "replica " << i + 1 << " diverged";
      }
    }
    // The reference: every op ever written, applied in a shuffled order.
    ManualClock late(clocks_[0]->nowMs() + 10'000'000);
    Replica reference(late, 99);
    std::shuffle(all_.begin(), all_.end(), rng_);
    auto r = reference.sink.apply(all_);
    if (!r.ok()) return ::testing::AssertionFailure() << r.status().toString();
    if (digestHex(reference.store) != expected) {
      return ::testing::AssertionFailure() << "converged state differs from the union of all ops";
    }
    return ::testing::AssertionSuccess();
  }

  std::mt19937_64 rng_;
  std::vector<std::int64_t> offsets_;
  std::vector<std::unique_ptr<ManualClock>> clocks_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<int> group_;
  std::vector<Packet> gossip_;
  std::vector<Link> links_;
  std::vector<crdt::Envelope> all_;
};

TEST(Convergence, RandomSchedulesConvergeToTheUnionOfAllOps) {
  int seeds = 1000;
  if (const char* env = std::getenv("CELLGRAPH_CONVERGENCE_SEEDS")) seeds = std::atoi(env);
  for (int seed = 0; seed < seeds; ++seed) {
    Sim sim(static_cast<std::uint64_t>(seed));
    auto result = sim.run(300);
    ASSERT_TRUE(result) << "seed " << seed;
  }
  std::printf("convergence: %d seeds x %d replicas converged\n", seeds, kReplicas);
}

}  // namespace
}  // namespace cellgraph::sync
