// The query parser and evaluator (core/query/engine.h, predicate.h) on a
// small fixed store: 40 nodes with strings, numbers, arrays, nested
// objects, coordinates, edges (a cycle among them) and tombstones. Input: map
// options as JSON text. Properties:
//   - parse and run never crash; an error is a clean Status (kInvalidArgument,
//     kTooLarge or kNotFound) with a message;
//   - the work stays within the budget (lastPlan().work <= the budget);
//   - a result holds live node ids, each once, in the stated order (by the
//     sort field then id, `order` respected), at most $limit of them;
//   - an engine that indexes at once (and runs twice, so the second run uses
//     its indexes), one that never indexes, and one with a small budget agree:
//     the same answer, or the small budget's kTooLarge.
#include <cstdint>
#include <set>
#include <string>

#include <boost/json.hpp>

#include "core/base/clock.h"
#include "core/graph/store.h"
#include "core/query/engine.h"
#include "tests/fuzz/fuzz_check.h"

using namespace cellgraph;
namespace json = boost::json;

namespace {

constexpr std::uint64_t kBudget = 2'000'000;
constexpr std::uint64_t kSmallBudget = 3'000;

const char* const kWords[] = {"alpha", "Beta", "gamma", "Déjà vu", "zeta", "ΣΟΦΙΑ", "Ünïcödé", "", "a%b_c", "[x]"};

json::object nodeValue(int i) {
  json::object v;
  if (i % 5) v["n"] = i % 7;
  if (i % 3) v["s"] = kWords[i % 10];
  if (i % 4 == 0) v["f"] = i / 4.0;
  if (i % 6 == 0) v["tags"] = json::array{kWords[i % 10], i % 3, json::array{i}};
  if (i % 7 == 0) v["geo"] = json::object{{"latitude", i % 10}, {"longitude", (i * 3) % 10}};
  if (i % 8 == 0) v["latitude"] = 40 + i % 5;
  if (i % 8 == 0) v["longitude"] = -3 + i % 4;
  if (i % 9 == 0) v["obj"] = json::object{{"a", i}, {"b", json::object{{"c", kWords[i % 10]}}}};
  if (i % 11 == 0) v["id"] = "shadow" + std::to_string(i);
  if (i % 13 == 0) v["z"] = nullptr;
  if (i % 10 == 1) v["b"] = i % 4 == 1;
  return v;
}

struct Fixture {
  ManualClock clock;
  graph::Store store{clock, {1, 2, 60'000, 1000, {}}};
  Fixture() {
    for (int i = 0; i < 40; ++i) (void)store.put("k" + std::to_string(i), nodeValue(i));
    for (int i = 0; i < 40; ++i) {
      (void)store.link("k" + std::to_string(i), "k" + std::to_string((i * 7 + 3) % 40));
      if (i % 3 == 0) (void)store.link("k" + std::to_string(i), "k" + std::to_string((i + 1) % 40));
    }
    for (int i : {5, 17, 29}) (void)store.remove("k" + std::to_string(i));
  }
};

const graph::Store& store() {
  static Fixture f;
  return f.store;
}

void checkError(const Status& s) {
  FUZZ_CHECK(s.code() == Code::kInvalidArgument || s.code() == Code::kTooLarge || s.code() == Code::kNotFound);
  FUZZ_CHECK(!s.message().empty());
}

void checkOrder(const query::QueryEngine& engine, const query::QueryOptions& o, const std::vector<std::string>& ids) {
  if (o.limit) FUZZ_CHECK(ids.size() <= *o.limit);
  std::set<std::string> seen;
  for (const auto& id : ids) {
    FUZZ_CHECK(store().exists(id));
    FUZZ_CHECK(seen.insert(id).second);
  }
  for (std::size_t i = 1; i < ids.size(); ++i) {
    auto a = engine.keyed(o.field, ids[i - 1]), b = engine.keyed(o.field, ids[i]);
    FUZZ_CHECK(query::QueryEngine::before(a, b, o.descending));
  }
}

// Plans differ in the work they take, so a kTooLarge on either side says
// nothing; otherwise the answers are the same.
void agree(const Result<std::vector<std::string>>& a, const Result<std::vector<std::string>>& b) {
  if (a.ok() && b.ok()) {
    FUZZ_CHECK(*a == *b);
    return;
  }
  if ((!a.ok() && a.status().code() == Code::kTooLarge) || (!b.ok() && b.status().code() == Code::kTooLarge)) return;
  FUZZ_CHECK(a.ok() == b.ok());
  FUZZ_CHECK(a.status().code() == b.status().code());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  json::error_code ec;
  json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;
  auto options = query::parseQueryOptions(v);
  if (!options.ok()) {
    checkError(options.status());
    return 0;
  }
  query::QueryEngine eager(store(), query::EngineOptions{1, kBudget});
  query::QueryEngine plain(store(), query::EngineOptions{1'000'000, kBudget});
  query::QueryEngine small(store(), query::EngineOptions{1'000'000, kSmallBudget});
  auto first = eager.run(*options);
  FUZZ_CHECK(eager.lastPlan().work <= kBudget);
  auto indexed = eager.run(*options);
  FUZZ_CHECK(eager.lastPlan().work <= kBudget);
  auto scanned = plain.run(*options);
  FUZZ_CHECK(plain.lastPlan().work <= kBudget);
  auto limited = small.run(*options);
  FUZZ_CHECK(small.lastPlan().work <= kSmallBudget);

  for (const auto* r : {&first, &indexed, &scanned, &limited}) {
    if (r->ok()) checkOrder(plain, *options, **r);
    else checkError(r->status());
  }
  agree(first, scanned);
  agree(indexed, scanned);
  agree(limited, scanned);
  return 0;
}
