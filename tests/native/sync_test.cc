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
  EXPECT_EQ(b.store.watermark(1).seq, a.store.log().head());
}

TEST_F(SyncTest, AnOpFilterDropsOpsWithoutStallingTheSession) {
  Replica a(clock, 1), b(clock, 2);
  fill(a, 100);
  SyncSession sa(a.store, a.verifier), sb(b.store, b.verifier);
  int asked = 0;
  sb.setOpFilter([&](const crdt::Envelope& e) {
    ++asked;
    return e.op.id.back() != '7';  // drop n7, n17, ... n97
  });
  auto r = runLoopback(sa, sb);
  ASSERT_TRUE(r.status.ok()) << r.status.toString();
  EXPECT_TRUE(sb.synced());
  EXPECT_EQ(asked, 100);
  EXPECT_EQ(sb.stats().opsFiltered, 10u);
  EXPECT_EQ(b.store.liveCount(), 90u);
  EXPECT_EQ(b.store.find("n7"), nullptr);
  ASSERT_NE(b.store.find("n8"), nullptr);
  EXPECT_EQ(b.store.watermark(1).seq, a.store.log().head());  // dropped ops do not hold the watermark back
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
  EXPECT_EQ(b.store.watermark(1).epoch, a.store.log().epoch());
}

TEST_F(SyncTest, RepliesStayWithinTheReceiversRangeLimit) {
  Limits limits;
  limits.maxRangesPerMessage = 64;
  crdt::StructuralVerifier verifier(limits);
  graph::Store a(clock, {1, 11, 60'000, 10, limits}), b(clock, {2, 12, 60'000, 10, limits});
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(a.put("n" + std::to_string(i), obj("{}")).ok());
  for (int i = 0; i < 20000; i += 3) ASSERT_TRUE(b.put("n" + std::to_string(i), obj(R"({"b":1})")).ok());
  for (std::size_t leaf : {4, 32}) {  // far more differing leaves than ranges fit in one message
    SessionOptions opt;
    opt.leafItems = leaf;
    SyncSession sa(a, verifier, opt), sb(b, verifier, opt);
    LoopbackResult r = runLoopback(sa, sb, /*maxFlights=*/2000);
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
  EXPECT_EQ(b.store.recordCount(), 0u);
  EXPECT_EQ(b.store.watermark(1).epoch, 0u);
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
  SessionOptions oa, ob;
  oa.expectedPeer = 2;
  ob.expectedPeer = 1;
  SyncSession sa(a.store, a.verifier, oa), sb(b.store, b.verifier, ob);
  Bytes ha = sa.start(), hb = sb.start();
  auto ra = sa.receive(hb);
  auto rb = sb.receive(ha);
  ASSERT_TRUE(ra.ok() && rb.ok());
  for (auto& m : *ra) ASSERT_TRUE(sb.receive(m).ok());
  ASSERT_TRUE(sb.synced());
  graph::ApplyReport report;
  auto envs = a.store.write({{crdt::OpType::kPut, "live", "", std::make_shared<const boost::json::object>(obj("{}"))}}, &report);
  ASSERT_TRUE(envs.ok());
  for (auto& m : encodeLiveBatch(a.store, *envs, report.firstSeq)) {
    auto r = sb.receive(m);
    ASSERT_TRUE(r.ok()) << r.status().toString();
    EXPECT_EQ(sb.changedIds(), std::vector<std::string>{"live"});
  }
  EXPECT_TRUE(b.store.exists("live"));
  EXPECT_EQ(b.store.watermark(1).seq, a.store.log().head());
}

TEST_F(SyncTest, ProtocolErrorsAreClearAndApplyNothing) {
  Replica a(clock, 1), b(clock, 2);
  fill(b, 3);
  SyncSession sa(a.store, a.verifier);
  // Ops before HELLO.
  graph::ApplyReport rep;
  auto envs = b.store.write({{crdt::OpType::kPut, "x", "", std::make_shared<const boost::json::object>(obj("{}"))}}, &rep);
  auto live = encodeLiveBatch(b.store, *envs, rep.firstSeq);
  auto r = sa.receive(live[0]);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(a.store.recordCount(), 0u);
  // A future protocol version.
  Bytes v2 = live[0];
  v2[1] = 2;
  EXPECT_EQ(sa.receive(v2).status().code(), Code::kUnsupportedVersion);
  // Garbage.
  EXPECT_FALSE(sa.receive(Bytes{0xc1}).ok());
  EXPECT_FALSE(sa.receive(Bytes{}).ok());
  // An oversized message is refused before decoding.
  Limits tiny;
  tiny.maxMessageBytes = 16;
  graph::Store small(clock, {3, 9, 60'000, 10, tiny});
  SyncSession ss(small, a.verifier);
  EXPECT_EQ(ss.receive(live[0]).status().code(), Code::kTooLarge);
  // HELLO from ourselves.
  SyncSession self1(a.store, a.verifier), self2(a.store, a.verifier);
  EXPECT_EQ(self1.receive(self2.start()).status().code(), Code::kInvalidArgument);
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
    SyncSession sa(a.store, a.verifier), sb(b.store, b.verifier);
    std::vector<Bytes> toB{sa.start()}, toA{sb.start()};
    for (int round = 0; round < 20 && (!toA.empty() || !toB.empty()); ++round) {
      std::vector<Bytes> nA, nB;
      for (auto [inbox, session, outbox] : {std::tuple{&toB, &sb, &nA}, std::tuple{&toA, &sa, &nB}}) {
        for (auto& m : *inbox) {
          corpus.push_back(m);
          auto r = session->receive(m);
          ASSERT_TRUE(r.ok()) << r.status().toString();
          for (auto& x : *r) outbox->push_back(x);
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
    SyncSession s(fresh.store, fresh.verifier);
    s.start();
    (void)s.receive(corpus[1]);  // a HELLO so later messages are in context
    std::string before = digestHex(fresh.store);
    auto r = s.receive(m);
    if (!r.ok()) EXPECT_EQ(digestHex(fresh.store), before) << r.status().toString();
  }
}

}  // namespace
}  // namespace cellgraph::sync
