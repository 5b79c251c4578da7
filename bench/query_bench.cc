// Query benchmark (native): microseconds per query on 100k nodes, and the
// cost of one change with 100 live subscriptions. --json for bench/query.bench.js.
#include <chrono>
#include <cstdio>
#include <cstring>

#include <boost/json.hpp>

#include "core/base/clock.h"
#include "core/graph/store.h"
#include "core/query/live.h"
#include "core/security/ed25519.h"

using namespace cellgraph;
namespace json = boost::json;

namespace {

const char* kWords[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett"};

// The same data as bench/query.bench.js builds for the wasm build and the
// JavaScript baseline: 100k "items" plus a 3-level category graph.
void load(graph::Store& store, query::QueryEngine& engine) {
  std::vector<crdt::Op> ops;
  auto flush = [&] {
    graph::ApplyReport report;
    (void)store.write(std::move(ops), &report);
    engine.onChanged(report.changedIds);
    ops.clear();
  };
  for (int i = 0; i < 100'000; ++i) {
    json::object v{{"i", i}, {"group", i % 100}, {"score", static_cast<double>((i * 7919LL) % 100'000) / 100.0},
                   {"name", std::string(kWords[(i * 31) % 10]) + " " + kWords[(i * 17 + i / 10) % 10] + " " + std::to_string(i)},
                   {"type", "item"}};
    ops.push_back({crdt::OpType::kPut, "n" + std::to_string(i), "", std::make_shared<const json::object>(std::move(v))});
    if (ops.size() == 10'000) flush();
  }
  // Graph: 100 L0 -> 10 L1 each -> 10 L2 each -> 9 L3 each (101,000 edges).
  int next = 0;
  auto node = [&](const char* type) {
    std::string id = std::string("g") + std::to_string(next++);
    ops.push_back({crdt::OpType::kPut, id, "", std::make_shared<const json::object>(json::object{{"type", type}})});
    return id;
  };
  std::vector<std::pair<std::string, std::string>> edges;
  for (int a = 0; a < 100; ++a) {
    std::string l0 = node("L0");
    for (int b = 0; b < 10; ++b) {
      std::string l1 = node("L1");
      edges.push_back({l0, l1});
      for (int c = 0; c < 10; ++c) {
        std::string l2 = node("L2");
        edges.push_back({l1, l2});
        for (int d = 0; d < 9; ++d) edges.push_back({l2, node("L3")});
      }
    }
    flush();
  }
  for (auto& [s, t] : edges) {
    ops.push_back({crdt::OpType::kLink, s, t, nullptr});
    if (ops.size() == 10'000) flush();
  }
  flush();
}

double usPerQuery(query::QueryEngine& engine, const char* options, int reps, std::size_t* results) {
  auto o = query::parseQueryOptions(json::parse(options));
  if (!o.ok()) {
    std::fprintf(stderr, "%s: %s\n", options, o.status().toString().c_str());
    std::exit(1);
  }
  for (int i = 0; i < 3; ++i) (void)engine.run(*o);  // warm-up (and index building)
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) {
    auto r = engine.run(*o);
    *results = r->size();
  }
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / reps;
}

}  // namespace

int main(int argc, char** argv) {
  bool asJson = argc > 1 && !std::strcmp(argv[1], "--json");
  (void)security::initCrypto();
  SystemClock clock;
  graph::Store store(clock, {1, 2, 60'000, 10'000, {}});
  query::QueryEngine engine(store);
  auto tl = std::chrono::steady_clock::now();
  load(store, engine);
  std::fprintf(stderr, "loaded in %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - tl).count());
  struct Case { const char* name; const char* options; int reps; };
  const Case cases[] = {
      {"equality (1%)", R"({"query":{"group":42}})", 200},
      {"range (1%)", R"({"query":{"score":{"$gte":100,"$lt":110}}})", 200},
      {"$text", R"({"query":{"name":{"$text":"delta echo"}}})", 10},
      {"sorted, $limit 50", R"({"query":{"type":"item"},"field":"score","order":"desc","$limit":50})", 50},
      {"$edge depth 3", R"({"query":{"id":"g0","$edge":{"type":"L3"}}})", 200},
  };
  json::object out;
  json::array rows;
  for (const auto& c : cases) {
    std::size_t n = 0;
    double us = usPerQuery(engine, c.options, c.reps, &n);
    rows.push_back({{"name", c.name}, {"us", us}, {"results", n}, {"plan", engine.lastPlan().access}});
  }
  out["queries"] = rows;
  // One change with 100 live subscriptions.
  query::LiveQueries live(engine);
  for (int k = 0; k < 100; ++k) {
    std::string q = k % 2 ? R"({"query":{"group":)" + std::to_string(k) + "}}"
                          : R"({"query":{"group":)" + std::to_string(k) + R"(},"field":"score","$limit":20})";
    (void)live.subscribe(*query::parseQueryOptions(json::parse(q)), nullptr);
  }
  const int changes = 2000;
  auto t0 = std::chrono::steady_clock::now();
  std::size_t events = 0;
  for (int i = 0; i < changes; ++i) {
    graph::ApplyReport report;
    std::string id = "n" + std::to_string((i * 7919) % 100'000);
    (void)store.write({{crdt::OpType::kPut, id, "", std::make_shared<const json::object>(json::object{
                           {"group", (i * 7919) % 100}, {"score", static_cast<double>(i % 1000)}, {"type", "item"}})}},
                      &report);
    engine.onChanged(report.changedIds);
    events += live.apply(report.changedIds).size();
  }
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / changes;
  out["change100Subs"] = {{"us", us}, {"eventsPerChange", static_cast<double>(events) / changes}};
  if (asJson) {
    std::printf("%s\n", json::serialize(out).c_str());
    return 0;
  }
  for (const auto& r : rows) {
    const auto& o = r.as_object();
    std::printf("%-20s %10.1f µs  %6llu results  (%s)\n", o.at("name").as_string().c_str(), o.at("us").to_number<double>(),
                static_cast<unsigned long long>(o.at("results").to_number<std::uint64_t>()), o.at("plan").as_string().c_str());
  }
  std::printf("one change, 100 live subscriptions: %.1f µs\n", us);
  return 0;
}
