#include "core/sync/session.h"

#include <gtest/gtest.h>

#include <random>

#include "test_util.h"

namespace cellgraph::sync {
namespace {
using testing::digestHex;
using testing::obj;
using testing::Replica;
using testing::syncPair;

void fill(Replica& r, int n, const std::string& prefix = "n") {
  std::vector<crdt::Op> ops;
  for (int i = 0; i < n; ++i) {
    ops.push_back({crdt::OpType::kPut, prefix + std::to_string(i), "",
                   std::make_shared<const boost::json::object>(boost::json::object{{"i", i}, {"name", "node"}})});
  }
  ASSERT_TRUE(r.store.write(std::move(ops)).ok());
}

class SyncTest : public ::testing::Test {
 protected:
  ManualClock clock;
};

TEST_F(SyncTest, AnEmptyPeerGetsFullStateInOneRoundTrip) {
  Replica a(clock, 1), b(clock, 2);
  fill(a, 500);
  ASSERT_TRUE(a.store.link("n1", "n2").ok());
  auto r = syncPair(a, b);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.flights, 2);  // HELLOs cross, then the state
  EXPECT_EQ(digestHex(a.store), digestHex(b.store));
  EXPECT_EQ(b.links[1].seq, a.store.log().head());
}

TEST_F(SyncTest, AnOpFilterDropsOpsWithoutStallingTheSession) {
  Replica a(clock, 1), b(clock, 2);
  fill(a, 100);
  auto sa = a.session(2), sb = b.session(1);
  int asked = 0;
  // b's application drops n7, n17, ... n97 from every OPS message.
  std::vector<Bytes> toA{sb->start()}, toB{sa->start()};
  while (!toA.empty() || !toB.empty()) {
    std::vector<Bytes> nextA, nextB;
    for (Bytes& m : toA) {
      auto r = sa->receive(m);
      ASSERT_TRUE(r.ok()) << r.status().toString();
      for (auto& x : *r) nextB.push_back(*x);
    }
    for (Bytes& m : toB) {
      auto decoded = decodeMessage(m, {});
      ASSERT_TRUE(decoded.ok());
      std::vector<bool> keep;
      if (auto* ops = std::get_if<Ops>(&decoded.value())) {
        for (const auto& e : ops->envelopes) {
          ++asked;
          keep.push_back(e.op.id.back() != '7');
        }
      }
      auto r = sb->receive(std::move(decoded).value(), m.size(), keep.empty() ? nullptr : &keep);
      ASSERT_TRUE(r.ok()) << r.status().toString();
      for (auto& x : *r) nextA.push_back(*x);
    }
    toA = std::move(nextA);
    toB = std::move(nextB);
  }
  EXPECT_TRUE(sb->synced());
  EXPECT_EQ(asked, 100);
  EXPECT_EQ(sb->stats().opsFiltered, 10u);
  EXPECT_EQ(b.store.liveCount(), 90u);
  EXPECT_EQ(b.store.find("n7"), nullptr);
  ASSERT_NE(b.store.find("n8"), nullptr);
  EXPECT_EQ(b.links[1].seq, a.store.log().head());  // dropped ops do not hold the watermark back
}

TEST_F(SyncTest, TwoEmptyPeersAreSyncedAfterHello) {
  Replica a(clock, 1), b(clock, 2);
  auto r = syncPair(a, b);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.flights, 1);
}

TEST_F(SyncTest, AReturningPeerCatchesUpByDeltaWhenTheLogCoversItsWatermark) {
  Replica a(clock, 1), b(clock, 2);
  fill(a, 300);
  ASSERT_TRUE(syncPair(a, b).ok);
  clock.advance(10);
  fill(a, 5, "late");
  ASSERT_TRUE(b.store.put("fromB", obj("{}")).ok());
  auto r = syncPair(a, b);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.plan, CatchUp::kDelta);
  EXPECT_EQ(r.flights, 2);
  EXPECT_LT(r.bytes, 1000u);
  EXPECT_EQ(digestHex(a.store), digestHex(b.store));
  // Nothing new: the next session sends two HELLOs and two empty deltas.
  auto again = syncPair(a, b);
  ASSERT_TRUE(again.ok);
  EXPECT_LT(again.bytes, 200u);
}

TEST_F(SyncTest, BeyondTheLogWindowReconciliationCostFollowsTheDifferences) {
  const int n = 4000;
  std::vector<std::uint64_t> bytes;
  for (int d : {0, 10, 100, 1000}) {
    Replica a(clock, 1, /*window=*/50), b(clock, 2, 50);
    fill(a, n);
    ASSERT_TRUE(syncPair(a, b).ok);
    clock.advance(5);
    for (int i = 0; i < d; ++i) {
      Replica& w = i % 2 ? a : b;
      ASSERT_TRUE(w.store.put("n" + std::to_string(i * 3), obj(R"({"changed":true})")).ok());
    }
    auto r = syncPair(a, b);
    ASSERT_TRUE(r.ok) << r.error;
    if (d > 50) EXPECT_EQ(r.plan, CatchUp::kRecon);
    EXPECT_EQ(digestHex(a.store), digestHex(b.store)) << "d=" << d;
    bytes.push_back(r.bytes);
  }
  std::uint64_t fullState = 0;
  {
    Replica a(clock, 1), b(clock, 2);
    fill(a, n);
    fullState = syncPair(a, b).bytes;
  }
  EXPECT_LT(bytes[0], 300u);                 // equal sets: fingerprints only
  EXPECT_LT(bytes[1], fullState / 10);       // 10 differences: a small fraction of the state
  EXPECT_LT(bytes[2], bytes[3]);
  EXPECT_LT(bytes[1] * 4, bytes[3]);
}

TEST_F(SyncTest, ReconciliationFindsDisjointAdditionsOnBothSides) {
  Replica a(clock, 1, 10), b(clock, 2, 10);
  fill(a, 2000, "shared");
  ASSERT_TRUE(syncPair(a, b).ok);
  fill(a, 40, "onlyA");
  fill(b, 70, "onlyB");
  ASSERT_TRUE(b.store.remove("shared7").ok());
  auto r = syncPair(a, b, {}, /*knownPeers=*/false);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.plan, CatchUp::kRecon);
  EXPECT_EQ(digestHex(a.store), digestHex(b.store));
  EXPECT_FALSE(a.store.exists("shared7"));
  EXPECT_EQ(a.store.liveCount(), 2000u + 40 + 70 - 1);
  EXPECT_EQ(b.links[1].epoch, a.store.log().epoch());
}

TEST_F(SyncTest, RepliesStayWithinTheReceiversRangeLimit) {
  Limits limits;
  limits.maxRangesPerMessage = 64;
  Replica ra(clock, 1, 10, limits), rb(clock, 2, 10, limits);
  graph::Store &a = ra.store, &b = rb.store;
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(a.put("n" + std::to_string(i), obj("{}")).ok());
  for (int i = 0; i < 20000; i += 3) ASSERT_TRUE(b.put("n" + std::to_string(i), obj(R"({"b":1})")).ok());
  for (std::size_t leaf : {4, 32}) {  // far more differing leaves than ranges fit in one message
    SessionOptions opt;
    opt.leafItems = leaf;
    auto sa = ra.session(2, opt), sb = rb.session(1, opt);
    LoopbackResult r = runLoopback(*sa, *sb, /*maxFlights=*/2000);
    ASSERT_TRUE(r.status.ok()) << "leaf " << leaf << ": " << r.status.toString();
    EXPECT_EQ(r.plan, CatchUp::kRecon);
    EXPECT_EQ(encodeHex(a.digest()), encodeHex(b.digest()));
    for (int i = 1; i < 20000; i += 3) ASSERT_TRUE(b.put("n" + std::to_string(i), obj(R"({"again":1})")).ok());
  }
}

TEST_F(SyncTest, AClearedStoreIsRepopulatedAndNewWritesStillWin) {
  Replica a(clock, 1), b(clock, 2);
  fill(a, 50);
  ASSERT_TRUE(syncPair(a, b).ok);
  hlc::Timestamp last = b.store.clock().last();
  b.store.clear(0x9999);
  b.links.clear();  // an engine forgets its watermarks with its records
  EXPECT_EQ(b.store.recordCount(), 0u);
  auto r = syncPair(a, b);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.plan, CatchUp::kState);
  EXPECT_EQ(digestHex(a.store), digestHex(b.store));
  auto e = b.store.put("n1", obj(R"({"after":"clear"})"));
  ASSERT_TRUE(e.ok());
  EXPECT_GT(e->clock, last);
}

TEST_F(SyncTest, LiveBatchesApplyAndAdvanceTheWatermarkWhenContiguous) {
  Replica a(clock, 1), b(clock, 2);
  fill(a, 10);
  auto sa = a.session(2), sb = b.session(1);
  Bytes ha = sa->start(), hb = sb->start();
  auto ra = sa->receive(hb);
  auto rb = sb->receive(ha);
  ASSERT_TRUE(ra.ok() && rb.ok());
  for (auto& m : *ra) ASSERT_TRUE(sb->receive(*m).ok());
  ASSERT_TRUE(sb->synced());
  graph::ApplyReport report;
  auto envs = a.store.write({{crdt::OpType::kPut, "live", "", std::make_shared<const boost::json::object>(obj("{}"))}}, &report);
  ASSERT_TRUE(envs.ok());
  for (auto& m : encodeLiveBatch(a.store, *envs, report.firstSeq)) {
    auto r = sb->receive(m);
    ASSERT_TRUE(r.ok()) << r.status().toString();
    EXPECT_EQ(sb->changedIds(), std::vector<std::string>{"live"});
  }
  EXPECT_TRUE(b.store.exists("live"));
  EXPECT_EQ(b.links[1].seq, a.store.log().head());
}

// A peer that changes the store between RECON messages (a one-op batch,
// then a RECON that never matches) made every message rebuild the whole
// index: O(records) for a hundred bytes. Rebuilds are now paid for.
TEST_F(SyncTest, ReconIndexRebuildsArePaidForByReconBytes) {
  Replica a(clock, 1, 100);
  fill(a, 20'000);
  auto s = a.session(99);
  s->start();
  Hello h;
  h.replica = 99;
  h.epoch = 5;
  h.records = 3;
  ASSERT_TRUE(s->receive(encodeMessage(Message{h})).ok());  // a (lower id) opens the reconciliation
  std::uint64_t before = a.index.rebuilds();
  auto v = std::make_shared<const boost::json::object>();
  std::size_t reconBytes = 0;
  for (std::uint64_t i = 0; i < 200; ++i) {
    Ops live{OpsMode::kLive, 5, i + 1, i + 1, false, {{{crdt::OpType::kPut, "x" + std::to_string(i), "", v}, {clock.nowMs(), 0, 99}, {}, {}}}};
    ASSERT_TRUE(s->receive(encodeMessage(Message{live})).ok());
    Recon r;
    r.ranges.push_back({std::nullopt, RangeMode::kFingerprint, {Hash128{i, i}, 1}, {}});
    Bytes m = encodeMessage(Message{r});
    reconBytes += m.size();
    auto out = s->receive(m);
    ASSERT_TRUE(out.ok()) << out.status().toString();
  }
  std::uint64_t rebuilds = a.index.rebuilds() - before;
  std::printf("[ bounds ] 200 one-op batches between RECONs: %llu index rebuilds (was 200)\n",
              static_cast<unsigned long long>(rebuilds));
  EXPECT_LE(rebuilds, 1 + reconBytes * ReconIndex::kRecordsPerByte / 20'000);
}

TEST_F(SyncTest, ProtocolErrorsAreClearAndApplyNothing) {
  Replica a(clock, 1), b(clock, 2);
  fill(b, 3);
  auto session = a.session(2);
  SyncSession& sa = *session;
  // Ops before HELLO.
  graph::ApplyReport rep;
  auto envs = b.store.write({{crdt::OpType::kPut, "x", "", std::make_shared<const boost::json::object>(obj("{}"))}}, &rep);
  auto live = encodeLiveBatch(b.store, *envs, rep.firstSeq);
  auto r = sa.receive(live[0]);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(a.store.recordCount(), 0u);
  // A future protocol version.
  Bytes v3 = live[0];
  v3[1] = 3;
  EXPECT_EQ(sa.receive(v3).status().code(), Code::kUnsupportedVersion);
  // Garbage.
  EXPECT_FALSE(sa.receive(Bytes{0xc1}).ok());
  EXPECT_FALSE(sa.receive(Bytes{}).ok());
  // An oversized message is refused before decoding.
  Limits tiny;
  tiny.maxMessageBytes = 16;
  Replica small(clock, 3, 10, tiny);
  EXPECT_EQ(small.session(1)->receive(live[0]).status().code(), Code::kTooLarge);
  // HELLO from ourselves.
  auto self1 = a.session(1), self2 = a.session(1);
  EXPECT_EQ(self1->receive(self2->start()).status().code(), Code::kInvalidArgument);
}

TEST_F(SyncTest, MutatedMessagesNeverCrashAndNeverPartiallyApply) {
  std::mt19937_64 rng(12345);
  Replica a(clock, 1, 20), b(clock, 2, 20);
  fill(a, 300);
  ASSERT_TRUE(a.store.link("n1", "n2").ok());
  fill(b, 120, "b");
  // Capture a real conversation's messages.
  std::vector<Bytes> corpus;
  {
    auto sa = a.session(2), sb = b.session(1);
    std::vector<Bytes> toB{sa->start()}, toA{sb->start()};
    for (int round = 0; round < 20 && (!toA.empty() || !toB.empty()); ++round) {
      std::vector<Bytes> nA, nB;
      for (auto [inbox, session, outbox] : {std::tuple{&toB, sb.get(), &nA}, std::tuple{&toA, sa.get(), &nB}}) {
        for (auto& m : *inbox) {
          corpus.push_back(m);
          auto r = session->receive(m);
          ASSERT_TRUE(r.ok()) << r.status().toString();
          for (auto& x : *r) outbox->push_back(*x);
        }
      }
      toA = nA;
      toB = nB;
    }
  }
  ASSERT_GT(corpus.size(), 4u);
  for (int i = 0; i < 3000; ++i) {
    Bytes m = corpus[rng() % corpus.size()];
    switch (rng() % 3) {
      case 0: m[rng() % m.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255); break;
      case 1: m.resize(rng() % m.size()); break;
      case 2: m.insert(m.begin() + static_cast<long>(rng() % m.size()), static_cast<std::uint8_t>(rng())); break;
    }
    Replica fresh(clock, 9);
    auto s = fresh.session(1);
    s->start();
    (void)s->receive(corpus[1]);  // a HELLO so later messages are in context
    std::string before = digestHex(fresh.store);
    auto r = s->receive(m);
    if (!r.ok()) EXPECT_EQ(digestHex(fresh.store), before) << r.status().toString();
  }
}

}  // namespace
}  // namespace cellgraph::sync
