// Data-core benchmark (native), through the engine (core/api/engine.h):
// local put throughput, remote batch apply throughput, and the cost of
// bringing two replicas together (bytes, round trips, time) as the database
// grows and as the differences grow.
//
//   core_bench [--json] [--sizes 10000,100000,1000000] [--diffs 0,10,1000,10000]
//
// --json prints one JSON object (for bench/core.bench.js, which sets the
// native numbers beside the wasm build and the rivals).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/api/boundary.h"
#include "core/api/engine.h"
#include "core/api/engine_net.h"
#include "core/base/clock.h"
#include "core/security/ed25519.h"

using namespace cellgraph;
namespace json = boost::json;

namespace {

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

crdt::Op putOp(const std::string& id, std::int64_t i) {
  return {crdt::OpType::kPut, id, "",
          std::make_shared<const json::object>(json::object{{"i", i}, {"name", "node"}})};
}

std::unique_ptr<api::Engine> engine(Clock& clock, hlc::PeerId id, std::size_t window) {
  api::EngineOptions o;
  o.store = {id, 0x5000 + id, 60'000, window, {}};
  o.compactAfterRecords = 1u << 30;  // a benchmark measures sync, not compaction
  return std::move(api::Engine::open(clock, o)).value();
}

void fill(api::EngineNet& net, std::size_t at, std::size_t n) {
  std::vector<crdt::Op> batch;
  for (std::size_t i = 0; i < n; ++i) {
    batch.push_back(putOp("n" + std::to_string(i), static_cast<std::int64_t>(i)));
    if (batch.size() == 10'000 || i + 1 == n) {
      (void)net.write(at, api::encodeOpBatch(batch));
      batch.clear();
    }
  }
}

// Local writes through the engine: decode, stamp, gate, encode the record
// and the live batch, apply, events (prepare + commit, as the worker does).
json::object localPut(std::size_t n) {
  SystemClock clock;
  auto one = engine(clock, 1, 10'000);
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    auto p = one->prepare(api::encodeOpBatch({putOp("n" + std::to_string(i), static_cast<std::int64_t>(i))}));
    (void)one->commit(p->ticket);
  }
  double single = n / seconds(t0);
  auto batched = engine(clock, 2, 10'000);
  api::EngineNet net;
  net.add(*batched, "b");
  t0 = std::chrono::steady_clock::now();
  fill(net, 0, n);
  double batch = n / seconds(t0);
  return {{"n", n}, {"singleOpsPerSec", single}, {"batchedOpsPerSec", batch}};
}

// Live batches of 1000 puts from a peer: decode, gate, apply, the record to persist.
json::object remoteApply(std::size_t n) {
  SystemClock clock;
  auto a = engine(clock, 1, n), b = engine(clock, 2, n);
  api::EngineNet net;
  net.add(*a, "a");
  net.add(*b, "b");
  net.connect(0, 1);
  net.run();
  for (std::size_t i = 0; i < n; i += 1000) {
    std::vector<crdt::Op> ops;
    for (std::size_t k = i; k < std::min(n, i + 1000); ++k) ops.push_back(putOp("n" + std::to_string(k), k));
    (void)net.write(0, api::encodeOpBatch(ops));
  }
  auto t0 = std::chrono::steady_clock::now();
  while (net.step(0, 1)) {}
  return {{"n", n}, {"batch", 1000}, {"opsPerSec", n / seconds(t0)}};
}

// Two replicas that share `n` nodes, then `d` differences (half written on
// each side), brought together by a session. recon: peers new to each
// other (no watermark), so reconciliation; delta: a returning peer.
json::array syncCost(std::size_t n, const std::vector<std::size_t>& diffs) {
  json::array rows;
  SystemClock clock;
  auto a = engine(clock, 1, 20'000), b = engine(clock, 2, 20'000);
  api::EngineNet net;
  net.add(*a, "a");
  net.add(*b, "b");
  fill(net, 0, n);
  auto measure = [&](const json::value& d) {
    std::uint64_t bytes0 = net.bytesDelivered();
    auto t0 = std::chrono::steady_clock::now();
    net.connect(0, 1);
    std::size_t flights = net.runFlights();
    double ms = seconds(t0) * 1000;
    if (a->store().digest() != b->store().digest()) {
      std::fprintf(stderr, "sync failed to converge\n");
      std::exit(1);
    }
    static const char* plans[] = {"none", "delta", "state", "recon"};
    const sync::SyncSession* s = b->session(net.node(0).name);
    rows.push_back({{"n", n}, {"d", d}, {"path", plans[static_cast<int>(s ? s->incomingPlan() : sync::CatchUp::kNone)]},
                    {"bytes", net.bytesDelivered() - bytes0}, {"roundTrips", (flights + 1) / 2}, {"ms", ms}});
    net.disconnect(0, 1);
  };
  measure("empty peer");
  std::size_t next = 0;
  int link = 0;
  for (std::size_t d : diffs) {
    for (const char* path : {"recon", "delta"}) {
      for (std::size_t i = 0; i < d; ++i, ++next) {
        (void)net.write(i % 2, api::encodeOpBatch({putOp("n" + std::to_string((next * 7919) % n), static_cast<std::int64_t>(next))}));
      }
      if (std::strcmp(path, "recon") == 0) {  // strangers: new link names, no watermarks
        ++link;
        net.node(0).name = "a" + std::to_string(link);
        net.node(1).name = "b" + std::to_string(link);
      }
      measure(d);
    }
  }
  return rows;
}

std::vector<std::size_t> parseList(const char* s) {
  std::vector<std::size_t> out;
  for (const char* p = s; *p;) {
    out.push_back(std::strtoull(p, const_cast<char**>(&p), 10));
    if (*p == ',') ++p;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool asJson = false;
  std::vector<std::size_t> sizes = {10'000, 100'000, 1'000'000}, diffs = {0, 10, 1000, 10'000};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) asJson = true;
    else if (!std::strcmp(argv[i], "--sizes") && i + 1 < argc) sizes = parseList(argv[++i]);
    else if (!std::strcmp(argv[i], "--diffs") && i + 1 < argc) diffs = parseList(argv[++i]);
  }
  (void)security::initCrypto();
  json::object out;
  out["localPut"] = localPut(100'000);
  out["remoteApply"] = remoteApply(100'000);
  json::array sync;
  for (std::size_t n : sizes) {
    for (auto& row : syncCost(n, diffs)) sync.push_back(row);
  }
  out["sync"] = sync;
  if (asJson) {
    std::printf("%s\n", json::serialize(out).c_str());
    return 0;
  }
  const auto& lp = out["localPut"].as_object();
  std::printf("native local put:    %10.0f ops/s one per write, %10.0f ops/s batched (100k nodes)\n",
              lp.at("singleOpsPerSec").to_number<double>(), lp.at("batchedOpsPerSec").to_number<double>());
  std::printf("native remote apply: %10.0f ops/s (batches of 1000, decode + verify + apply)\n",
              out["remoteApply"].as_object().at("opsPerSec").to_number<double>());
  std::printf("%-9s %-11s %-6s %12s %6s %10s\n", "nodes", "diffs", "path", "bytes", "RTT", "ms");
  for (const auto& r : sync) {
    const auto& o = r.as_object();
    std::string d = o.at("d").is_string() ? std::string(o.at("d").as_string()) : std::to_string(o.at("d").to_number<std::uint64_t>());
    std::printf("%-9llu %-11s %-6s %12llu %6lld %10.1f\n", static_cast<unsigned long long>(o.at("n").to_number<std::uint64_t>()),
                d.c_str(), o.at("path").as_string().c_str(), static_cast<unsigned long long>(o.at("bytes").to_number<std::uint64_t>()),
                static_cast<long long>(o.at("roundTrips").to_number<std::int64_t>()), o.at("ms").to_number<double>());
  }
  return 0;
}
