#include "core/graph/store.h"

#include <gtest/gtest.h>

#include "core/sync/session.h"
#include "test_util.h"

namespace cellgraph::graph {
namespace {
using testing::digestHex;
using testing::obj;
using testing::Replica;

Envelope put(std::string id, const char* json, hlc::Timestamp t) {
  return {{OpType::kPut, std::move(id), "", std::make_shared<const boost::json::object>(obj(json))}, t, {}, {}};
}
Envelope rm(std::string id, hlc::Timestamp t) { return {{OpType::kRemove, std::move(id), "", nullptr}, t, {}, {}}; }
Envelope edge(OpType type, std::string s, std::string t, hlc::Timestamp c) { return {{type, std::move(s), std::move(t), nullptr}, c, {}, {}}; }

class StoreTest : public ::testing::Test {
 protected:
  ManualClock clock{1'700'000'000'000};
  const std::uint64_t T = 1'700'000'000'000;
  crdt::StructuralVerifier verifier;
  ApplyReport apply(Store& s, std::vector<Envelope> batch) {
    auto r = s.applyRemote(batch, verifier);
    EXPECT_TRUE(r.ok()) << r.status().toString();
    return r.ok() ? *r : ApplyReport{};
  }
};

TEST_F(StoreTest, PutReplacesTheWholeValueAndLastWriterWins) {
  Replica a(clock, 1);
  apply(a.store, {put("n", R"({"v":1,"old":true})", {T, 0, 2}), put("n", R"({"v":2})", {T + 5, 0, 3})});
  EXPECT_EQ(*a.store.find("n")->value, obj(R"({"v":2})"));
  auto r = apply(a.store, {put("n", R"({"v":0})", {T + 1, 0, 9})});  // older: ignored
  EXPECT_EQ(r.stale, 1u);
  EXPECT_EQ(*a.store.find("n")->value, obj(R"({"v":2})"));
}

TEST_F(StoreTest, EqualWallAndCounterBreakTiesOnPeerEverywhere) {
  Replica a(clock, 1), b(clock, 2);
  auto lo = put("n", R"({"who":"peer5"})", {T, 0, 5}), hi = put("n", R"({"who":"peer6"})", {T, 0, 6});
  apply(a.store, {lo, hi});
  apply(b.store, {hi, lo});
  EXPECT_EQ(*a.store.find("n")->value, obj(R"({"who":"peer6"})"));
  EXPECT_EQ(digestHex(a.store), digestHex(b.store));
}

TEST_F(StoreTest, ReusedClockWithDifferentContentResolvesTheSameEverywhere) {
  Replica a(clock, 1), b(clock, 2);
  auto x = put("n", R"({"x":1})", {T, 0, 5}), y = put("n", R"({"y":1})", {T, 0, 5});
  apply(a.store, {x, y});
  apply(b.store, {y, x});
  EXPECT_EQ(digestHex(a.store), digestHex(b.store));
  auto dup = apply(a.store, {x, y});
  EXPECT_EQ(dup.applied, 0u);
}

TEST_F(StoreTest, RemoveLeavesATombstoneThatOlderPutsCannotCrossButNewerPutsDo) {
  Replica a(clock, 1);
  apply(a.store, {put("n", R"({"v":1})", {T, 0, 2}), rm("n", {T + 10, 0, 2})});
  ASSERT_NE(a.store.find("n"), nullptr);
  EXPECT_FALSE(a.store.exists("n"));
  EXPECT_TRUE(a.store.find("n")->removed);
  EXPECT_EQ(a.store.liveCount(), 0u);
  apply(a.store, {put("n", R"({"v":"stale"})", {T + 5, 0, 3})});
  EXPECT_FALSE(a.store.exists("n"));
  apply(a.store, {put("n", R"({"v":"new"})", {T + 20, 0, 3})});
  EXPECT_TRUE(a.store.exists("n"));
  EXPECT_EQ(a.store.liveCount(), 1u);
}

TEST_F(StoreTest, TombstonesOutliveTheOpLogWindow) {
  Replica a(clock, 1, /*window=*/4), stale(clock, 2);
  ASSERT_TRUE(a.store.put("doomed", obj(R"({"secret":1})")).ok());
  apply(stale.store, {put("doomed", R"({"secret":1})", a.store.find("doomed")->clock)});
  ASSERT_TRUE(a.store.remove("doomed").ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(a.store.put("filler" + std::to_string(i), obj("{}")).ok());
  EXPECT_GT(a.store.log().firstSeq(), 2u);  // the remove has left the log
  // The stale peer reconnects and offers its old copy, by every path.
  auto r = testing::syncPair(a, stale, {}, /*knownPeers=*/false);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.plan, sync::CatchUp::kRecon);
  EXPECT_FALSE(a.store.exists("doomed"));
  EXPECT_FALSE(stale.store.exists("doomed"));
  EXPECT_EQ(digestHex(a.store), digestHex(stale.store));
}

TEST_F(StoreTest, ConcurrentLinksFromDifferentPeersAllSurvive) {
  Replica a(clock, 1), b(clock, 2);
  for (Replica* r : {&a, &b}) apply(r->store, {put("s", "{}", {T, 0, 9}), put("x", "{}", {T, 0, 9}), put("y", "{}", {T, 0, 9})});
  clock.advance(1);
  auto la = a.store.link("s", "x");
  auto lb = b.store.link("s", "y");
  ASSERT_TRUE(la.ok() && lb.ok());
  apply(a.store, {*lb});
  apply(b.store, {*la});
  EXPECT_EQ(a.store.visibleEdges(*a.store.find("s")), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(digestHex(a.store), digestHex(b.store));
}

TEST_F(StoreTest, EachEdgeIsItsOwnLastWriterWinsElement) {
  Replica a(clock, 1);
  apply(a.store, {put("s", "{}", {T, 0, 9}), put("t", "{}", {T, 0, 9}),
                  edge(OpType::kLink, "s", "t", {T + 1, 0, 2}), edge(OpType::kUnlink, "s", "t", {T + 3, 0, 3}),
                  edge(OpType::kLink, "s", "t", {T + 2, 0, 4})});
  EXPECT_TRUE(a.store.visibleEdges(*a.store.find("s")).empty());
  apply(a.store, {edge(OpType::kLink, "s", "t", {T + 4, 0, 4})});
  EXPECT_EQ(a.store.visibleEdges(*a.store.find("s")).size(), 1u);
}

TEST_F(StoreTest, EdgesToRemovedNodesAreHiddenAndEdgesMayArriveBeforeTheirNodes) {
  Replica a(clock, 1);
  apply(a.store, {edge(OpType::kLink, "s", "t", {T + 1, 0, 2})});  // nodes not here yet
  EXPECT_FALSE(a.store.exists("s"));
  apply(a.store, {put("t", "{}", {T, 0, 2}), put("s", "{}", {T, 0, 2})});
  EXPECT_EQ(a.store.visibleEdges(*a.store.find("s")), std::vector<std::string>{"t"});
  apply(a.store, {rm("t", {T + 2, 0, 2})});
  EXPECT_TRUE(a.store.visibleEdges(*a.store.find("s")).empty());
}

TEST_F(StoreTest, AnyOrderWithDuplicatesGivesTheSameState) {
  std::vector<Envelope> ops = {put("a", R"({"n":1})", {T, 0, 1}), put("a", R"({"n":2})", {T, 1, 2}),
                               rm("a", {T + 1, 0, 3}), put("b", "{}", {T, 0, 1}),
                               edge(OpType::kLink, "b", "a", {T + 2, 0, 1}), edge(OpType::kUnlink, "b", "a", {T + 2, 0, 2}),
                               put("a", R"({"n":3})", {T + 3, 0, 1})};
  std::string expected;
  std::vector<int> order(ops.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  int permutations = 0;
  do {
    Replica r(clock, 7);
    std::vector<Envelope> batch;
    for (int i : order) batch.push_back(ops[i]);
    batch.push_back(ops[order[0]]);  // a duplicate
    apply(r.store, batch);
    if (expected.empty()) expected = digestHex(r.store);
    ASSERT_EQ(digestHex(r.store), expected);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()) && permutations < 2000);
}

TEST_F(StoreTest, LocalLinkNeedsBothNodesAndABadBatchChangesNothing) {
  Replica a(clock, 1);
  ASSERT_TRUE(a.store.put("s", obj("{}")).ok());
  EXPECT_EQ(a.store.link("s", "missing").status().code(), Code::kNotFound);
  std::string before = digestHex(a.store);
  std::uint64_t head = a.store.log().head();
  std::vector<Op> batch = {{OpType::kPut, "t", "", std::make_shared<const boost::json::object>(obj("{}"))},
                           {OpType::kLink, "s", "t", nullptr},
                           {OpType::kLink, "s", "nope", nullptr}};
  auto r = a.store.write(batch);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "op 2: cannot link to missing node 'nope'");
  EXPECT_EQ(digestHex(a.store), before);
  EXPECT_EQ(a.store.log().head(), head);
  batch.pop_back();  // a link to a node created earlier in the same batch is fine
  EXPECT_TRUE(a.store.write(batch).ok());
}

TEST_F(StoreTest, OneBadRemoteEnvelopeRefusesTheWholeBatch) {
  Replica a(clock, 1);
  std::vector<Envelope> batch = {put("ok", "{}", {T, 0, 2}), put("", "{}", {T, 0, 2})};
  auto r = a.store.applyRemote(batch, verifier);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(a.store.recordCount(), 0u);
  EXPECT_EQ(a.store.log().head(), 0u);
}

TEST_F(StoreTest, OpsTooFarAheadAreDeferredNotClampedAndApplyLater) {
  Replica a(clock, 1);
  auto future = put("f", "{}", {T + 3'600'000, 0, 2});
  auto r = apply(a.store, {future, put("now", "{}", {T, 0, 2})});
  EXPECT_EQ(r.deferred, 1u);
  EXPECT_EQ(r.applied, 1u);
  EXPECT_FALSE(a.store.exists("f"));
  EXPECT_LT(a.store.clock().last().wall, T + 3'600'000);
  clock.advance(3'600'000);
  EXPECT_EQ(apply(a.store, {future}).applied, 1u);
  EXPECT_TRUE(a.store.exists("f"));
}

TEST_F(StoreTest, ReloadingOwnStateIsNeverDeferredForSkew) {
  ManualClock later(T + 3'600'000);  // the state was written an hour "ahead"
  Store original(later, {1, 7, 60'000, 100, {}});
  ASSERT_TRUE(original.put("kept", obj(R"({"v":1})")).ok());
  auto saved = sync::encodeStateMessages(original, nullptr, 0);
  Store reloaded(clock, {1, 8, 60'000, 100, {}});  // the device clock went back
  for (const auto& m : saved) {
    auto r = sync::loadOpsMessage(reloaded, verifier, m);
    ASSERT_TRUE(r.ok()) << r.status().toString();
    EXPECT_EQ(r->deferred, 0u);
  }
  EXPECT_TRUE(reloaded.exists("kept"));
  auto next = reloaded.put("kept", obj(R"({"v":2})"));  // and new writes still win
  ASSERT_TRUE(next.ok());
  EXPECT_GT(next->clock, original.find("kept")->clock);
  EXPECT_FALSE(sync::loadOpsMessage(reloaded, verifier, Bytes{0x93, 0x01, 0x01, 0x01}).ok());
}

TEST_F(StoreTest, LocalValuesAreCheckedAgainstLimits) {
  ManualClock c;
  Limits limits;
  limits.maxDepth = 2;
  Store s(c, {1, 99, 60'000, 100, limits});
  EXPECT_EQ(s.put("deep", obj(R"({"a":{"b":{"c":1}}})")).status().code(), Code::kTooLarge);
  EXPECT_EQ(s.put(std::string("bad\xff", 4), obj("{}")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.recordCount(), 0u);
}

}  // namespace
}  // namespace cellgraph::graph
