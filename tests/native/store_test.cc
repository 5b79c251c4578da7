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
  // Through the verification gate, as everything from a peer goes.
  Result<ApplyReport> gated(Store& s, std::vector<Envelope> batch) {
    return testing::GatedSink(s, verifier).apply(std::move(batch));
  }
  ApplyReport apply(Store& s, std::vector<Envelope> batch) {
    auto r = gated(s, std::move(batch));
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
  auto r = gated(a.store, batch);
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

// Finding 11: 100,000 removes or unlinks of ids that never existed left
// 100,000 permanent tombstones. Ghost records from peers are capped; the
// node's own remove arrives again by reconciliation once the node exists.
TEST_F(StoreTest, GhostRecordsFromPeersAreCapped) {
  ManualClock c{T};
  StoreOptions options{1, 5, 60'000, 100, {}};
  options.maxGhostRecords = 10;
  Store s(c, options);
  std::vector<Envelope> batch;
  for (int i = 0; i < 1000; ++i) batch.push_back(rm("ghost" + std::to_string(i), {T, 0, 2}));
  for (int i = 0; i < 1000; ++i) batch.push_back(edge(OpType::kUnlink, "phantom" + std::to_string(i), "x", {T, 0, 2}));
  auto r = apply(s, batch);
  EXPECT_EQ(r.applied, 10u);
  EXPECT_EQ(r.overQuota, 1990u);
  EXPECT_EQ(s.recordCount(), 10u);
  EXPECT_EQ(s.ghostCount(), 10u);
  // A ghost that becomes a real node leaves the quota; the remove's clock still wins over older puts.
  EXPECT_EQ(apply(s, {put("ghost0", "{}", {T - 1, 0, 3})}).stale, 1u);
  EXPECT_EQ(apply(s, {put("ghost0", "{}", {T + 1, 0, 3})}).applied, 1u);
  EXPECT_EQ(s.ghostCount(), 9u);
  EXPECT_EQ(apply(s, {rm("another", {T, 0, 2})}).applied, 1u);
  // Puts and links of unknown nodes are no ghosts; local removes are not capped.
  EXPECT_EQ(apply(s, {put("real", "{}", {T, 0, 2}), edge(OpType::kLink, "real2", "real", {T, 0, 2})}).applied, 2u);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(s.remove("local" + std::to_string(i)).ok());
  EXPECT_EQ(s.recordCount(), 10u + 1 + 2 + 20);
}

TEST_F(StoreTest, RecordsFromPeersAreCappedButLocalWritesAreNot) {
  ManualClock c{T};
  StoreOptions options{1, 5, 60'000, 100, {}};
  options.maxRecords = 5;
  Store s(c, options);
  std::vector<Envelope> batch;
  for (int i = 0; i < 8; ++i) batch.push_back(put("p" + std::to_string(i), "{}", {T, 0, 2}));
  auto r = apply(s, batch);
  EXPECT_EQ(r.applied, 5u);
  EXPECT_EQ(r.overQuota, 3u);
  EXPECT_EQ(apply(s, {put("p0", R"({"v":2})", {T + 1, 0, 2})}).applied, 1u);  // existing records still change
  EXPECT_TRUE(s.put("mine", obj("{}")).ok());
  EXPECT_EQ(s.recordCount(), 6u);
}

TEST_F(StoreTest, StampingChangesNothingVisibleAndRefusesAClockThatWasNeverSet) {
  ManualClock c{T};
  Store s(c, {1, 5, 60'000, 100, {}});
  auto stamped = s.stamp({{OpType::kPut, "x", "", std::make_shared<const boost::json::object>(obj("{}"))}});
  ASSERT_TRUE(stamped.ok());
  EXPECT_EQ(s.recordCount(), 0u);
  EXPECT_EQ(s.log().head(), 0u);
  EXPECT_GE(stamped->front().clock.wall, T);
  // Finding 8: a host clock at zero must not yield a zero clock that every peer refuses.
  ManualClock zero{0};
  Store z(zero, {1, 6, 60'000, 100, {}});
  auto bad = z.put("x", obj("{}"));
  EXPECT_EQ(bad.status().code(), Code::kInternal);
  EXPECT_EQ(z.recordCount(), 0u);
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
