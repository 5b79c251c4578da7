// Live subscriptions. The property: for random graphs and random batches,
// after every batch each subscription's live result equals re-running its
// query from scratch (on an engine without indexes, so indexes are checked
// too), and its events turn the previous result into the new one.
#include "core/query/live.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "test_util.h"

namespace cellgraph::query {
namespace {
namespace json = boost::json;
using testing::obj;

QueryOptions options(const char* text) {
  auto o = parseQueryOptions(json::parse(text));
  EXPECT_TRUE(o.ok()) << o.status().toString();
  return *o;
}

TEST(Live, EventsForAddedUpdatedRemovedAndTheLimitWindow) {
  ManualClock clock;
  graph::Store store(clock, {1, 2, 60'000, 100, {}});
  QueryEngine engine(store);
  LiveQueries live(engine);
  auto change = [&](auto&& op) {
    graph::ApplyReport report;
    auto r = store.write(op, &report);
    EXPECT_TRUE(r.ok()) << r.status().toString();
    engine.onChanged(report.changedIds);
    return live.apply(report.changedIds);
  };
  auto put = [&](const char* id, const char* v) {
    return change(std::vector<crdt::Op>{{crdt::OpType::kPut, id, "", std::make_shared<const json::object>(obj(v))}});
  };
  put("a", R"({"score":1})");
  std::vector<std::string> initial;
  auto top2 = live.subscribe(options(R"({"field":"score","order":"desc","$limit":2})"), &initial);
  auto all = live.subscribe(options(R"({"query":{"score":{"$gte":0}}})"), &initial);
  ASSERT_TRUE(top2.ok() && all.ok());
  auto ev = put("b", R"({"score":5})");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].subscription, *top2);
  EXPECT_EQ(ev[0].action, Action::kAdded);
  ev = put("c", R"({"score":9})");  // enters the top 2, pushes "a" out
  std::multiset<std::tuple<std::uint32_t, std::string, int>> got;
  for (auto& e : ev) got.insert({e.subscription, e.id, static_cast<int>(e.action)});
  EXPECT_EQ(got, (std::multiset<std::tuple<std::uint32_t, std::string, int>>{
                     {*top2, "a", 3}, {*top2, "c", 1}, {*all, "c", 1}}));
  EXPECT_EQ(live.current(*top2), (std::vector<std::string>{"c", "b"}));
  ev = put("b", R"({"score":6})");
  EXPECT_EQ(ev.size(), 2u);  // updated in both
  ev = put("z", R"({"other":true})");  // matches nothing
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(live.lastEvaluations(), 2u);  // one check per subscription, not a re-run
  ev = change(std::vector<crdt::Op>{{crdt::OpType::kRemove, "c", "", nullptr}});
  got.clear();
  for (auto& e : ev) got.insert({e.subscription, e.id, static_cast<int>(e.action)});
  EXPECT_EQ(got, (std::multiset<std::tuple<std::uint32_t, std::string, int>>{
                     {*top2, "c", 3}, {*top2, "a", 1}, {*all, "c", 3}}));
  EXPECT_TRUE(live.unsubscribe(*top2));
  EXPECT_FALSE(live.unsubscribe(*top2));
}

// A live query must be bounded like a one-shot one: refused where it is
// created when its first run does not fit the budget; failed, with its
// members removed, when a batch does not fit; never evaluated again.
TEST(Live, TheWorkBudgetBoundsSubscriptionsAndTheirBatches) {
  ManualClock clock;
  graph::Store store(clock, {1, 2, 60'000, 100, {}});
  QueryEngine engine(store, EngineOptions{2, 400});
  LiveQueries live(engine);
  auto put = [&](std::vector<std::pair<std::string, std::string>> nodes) {
    std::vector<crdt::Op> ops;
    for (auto& [id, v] : nodes) ops.push_back({crdt::OpType::kPut, id, "", std::make_shared<const json::object>(obj(v.c_str()))});
    graph::ApplyReport report;
    EXPECT_TRUE(store.write(std::move(ops), &report).ok());
    engine.onChanged(report.changedIds);
    return live.apply(report.changedIds);
  };
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 40; ++i) many.push_back({"m" + std::to_string(i), R"({"s":"a fairly long string to scan"})"});
  put(many);
  const char* scan = R"({"query":{"s":{"$regex":"z+q"}}})";
  auto refused = live.subscribe(options(scan), nullptr);
  EXPECT_EQ(refused.status().code(), Code::kTooLarge);
  EXPECT_EQ(live.size(), 0u);

  ManualClock clock2;
  graph::Store fresh(clock2, {1, 2, 60'000, 100, {}});
  QueryEngine engine2(fresh, EngineOptions{2, 400});
  LiveQueries live2(engine2);
  ASSERT_TRUE(fresh.put("a", obj(R"({"s":"xq"})")).ok());
  engine2.onChanged({"a"});
  std::vector<std::string> initial;
  auto sub = live2.subscribe(options(R"({"query":{"s":{"$regex":"q"}}})"), &initial);
  ASSERT_TRUE(sub.ok()) << sub.status().toString();
  EXPECT_EQ(initial, std::vector<std::string>{"a"});
  EXPECT_TRUE(live2.status(*sub).ok());
  std::vector<crdt::Op> ops;
  for (int i = 0; i < 40; ++i) {
    ops.push_back({crdt::OpType::kPut, "b" + std::to_string(i), "",
                   std::make_shared<const json::object>(obj(R"({"s":"another long string, no match"})"))});
  }
  graph::ApplyReport report;
  ASSERT_TRUE(fresh.write(std::move(ops), &report).ok());
  engine2.onChanged(report.changedIds);
  auto events = live2.apply(report.changedIds);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, "a");
  EXPECT_EQ(events[0].action, Action::kRemoved);
  EXPECT_EQ(events[1].action, Action::kFailed) << "the subscriber hears why, once";
  EXPECT_EQ(events[1].id.rfind("TOO_LARGE: ", 0), 0u) << events[1].id;
  EXPECT_EQ(live2.status(*sub).code(), Code::kTooLarge);
  EXPECT_TRUE(live2.current(*sub).empty());
  ASSERT_TRUE(fresh.put("c", obj(R"({"s":"q"})")).ok());
  engine2.onChanged({"c"});
  EXPECT_TRUE(live2.apply({"c"}).empty());  // failed: not evaluated again
  EXPECT_EQ(live2.lastEvaluations(), 0u);
  EXPECT_TRUE(live2.unsubscribe(*sub));
  EXPECT_EQ(live2.status(*sub).code(), Code::kNotFound);
}

json::object randomValue(std::mt19937_64& rng) {
  static const char* words[] = {"alpha", "Beta", "gamma", "Déjà vu", "zeta"};
  json::object v;
  if (rng() % 5) v["n"] = static_cast<std::int64_t>(rng() % 20);
  if (rng() % 3) v["s"] = words[rng() % 5];
  if (rng() % 4 == 0) v["tags"] = json::array{words[rng() % 5], static_cast<std::int64_t>(rng() % 3)};
  if (rng() % 3 == 0) v["geo"] = json::object{{"latitude", static_cast<double>(rng() % 10)}, {"longitude", static_cast<double>(rng() % 10)}};
  return v;
}

const char* kQueries[] = {
    R"({})",
    R"({"query":{"n":{"$gte":5}}})",
    R"({"query":{"n":{"$lt":10}},"field":"n","$limit":4})",
    R"({"query":{"s":{"$in":["alpha","zeta"]}},"field":"s","order":"desc"})",
    R"({"query":{"$or":[{"n":3},{"tags":"Beta"}]}})",
    R"({"query":{"$not":{"s":{"$exists":true}}},"$limit":3})",
    R"({"query":{"s":{"$text":"deja"}}})",
    R"({"query":{"s":{"$regex":"^[ab]"}},"field":"n","$limit":2,"$after":"k3"})",
    R"({"field":"n","order":"desc","$limit":5})",
    R"({"query":{"geo":{"$bbox":{"minLat":0,"maxLat":4,"minLng":0,"maxLng":4}}}})",
    R"({"query":{"n":{"$between":[2,8]},"$edge":{"n":{"$gt":3}}}})",
    R"({"query":{"id":{"$in":["k1","k2"]},"$edge":{"$edge":{}}},"$limit":3})",
    R"({"$after":"k5","$before":"k9"})",
};

TEST(Live, PropertyLiveResultsEqualFreshQueriesAfterEveryBatch) {
  int seeds = 60;
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(seed);
    ManualClock clock;
    graph::Store store(clock, {1, 2, 60'000, 100, {}});
    QueryEngine engine(store, /*indexAfterUses=*/1);   // indexes at once
    QueryEngine fresh(store, /*indexAfterUses=*/1'000'000);  // never indexes
    LiveQueries live(engine);
    std::vector<std::uint32_t> subs;
    std::vector<std::vector<std::string>> model;
    for (const char* q : kQueries) {
      std::vector<std::string> initial;
      auto id = live.subscribe(options(q), &initial);
      ASSERT_TRUE(id.ok()) << q << ": " << id.status().toString();
      subs.push_back(*id);
      model.push_back(initial);
    }
    for (int batch = 0; batch < 40; ++batch) {
      std::vector<crdt::Op> ops;
      for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k) {
        std::string id = "k" + std::to_string(rng() % 16), target = "k" + std::to_string(rng() % 16);
        switch (rng() % 6) {
          case 0: case 1: case 2:
            ops.push_back({crdt::OpType::kPut, id, "", std::make_shared<const json::object>(randomValue(rng))});
            break;
          case 3: ops.push_back({crdt::OpType::kRemove, id, "", nullptr}); break;
          case 4: ops.push_back({crdt::OpType::kLink, id, target, nullptr}); break;
          case 5: ops.push_back({crdt::OpType::kUnlink, id, target, nullptr}); break;
        }
      }
      graph::ApplyReport report;
      if (!store.write(std::move(ops), &report).ok()) continue;
      engine.onChanged(report.changedIds);
      fresh.onChanged(report.changedIds);
      auto events = live.apply(report.changedIds);
      for (std::size_t i = 0; i < subs.size(); ++i) {
        SCOPED_TRACE(std::string("seed ") + std::to_string(seed) + " batch " + std::to_string(batch) + " query " + kQueries[i]);
        auto expected = fresh.run(options(kQueries[i]));
        std::vector<std::string> want = expected.ok() ? *expected : std::vector<std::string>{};
        ASSERT_EQ(live.current(subs[i]), want);
        // The events turn the previous result into the new one, as sets.
        std::set<std::string> s(model[i].begin(), model[i].end());
        for (const auto& e : events) {
          if (e.subscription != subs[i]) continue;
          if (e.action == Action::kAdded) ASSERT_TRUE(s.insert(e.id).second) << "added twice: " << e.id;
          if (e.action == Action::kRemoved) ASSERT_EQ(s.erase(e.id), 1u) << "removed but absent: " << e.id;
          if (e.action == Action::kUpdated) ASSERT_TRUE(s.count(e.id)) << "updated but absent: " << e.id;
        }
        ASSERT_EQ(s, std::set<std::string>(want.begin(), want.end()));
        model[i] = want;
      }
    }
  }
}

}  // namespace
}  // namespace cellgraph::query
