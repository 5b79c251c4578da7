// mesh_sim: the cellular mesh at 100, 1,000 and 10,000 peers, beside a full
// mesh and the seed system's published formulas (reference/genosdb.md §3.3).
// Prints numbers; never passes or fails.
//
//   mesh_sim [--peers 100,1000,10000] [--cell 8] [--replicas 1] [--churn 0.1]
//            [--steady-seconds 20] [--churn-seconds 120] [--settle-seconds 20]
//            [--loss 0.01] [--seed 1]
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/mesh_sim/simulator.h"

using cellgraph::meshsim::SimConfig;
using cellgraph::meshsim::SimReport;

namespace {

std::vector<std::size_t> parseList(const char* s) {
  std::vector<std::size_t> out;
  for (const char* p = s; *p;) {
    out.push_back(std::strtoul(p, const_cast<char**>(&p), 10));
    if (*p == ',') ++p;
  }
  return out;
}

// GenosRTC cells, as documented: cellSize 10, cells = ceil(N/10),
// connections = N·(cellSize−1)/2 + cells·log2(cells), TTL = 2·ceil(log2(cells+1)) + 3.
double seedConnectionsPerPeer(std::size_t n) {
  double cells = std::ceil(static_cast<double>(n) / 10.0);
  double total = static_cast<double>(n) * 9.0 / 2.0 + cells * std::log2(std::max(2.0, cells));
  return 2.0 * total / static_cast<double>(n);
}
unsigned seedTtl(std::size_t n) {
  double cells = std::ceil(static_cast<double>(n) / 10.0);
  return static_cast<unsigned>(std::min(150.0, std::ceil(std::log2(cells + 1)) * 2 + 3));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{100, 1000, 10000};
  SimConfig base;
  base.churnPerMinute = 0.1;
  base.steadyMs = 20'000;
  base.churnMs = 120'000;
  base.settleMs = 20'000;
  base.mesh.dedupWindow = 1024;  // ~10 s of floods at 10k peers and 10%/min churn; keeps 10k peers in RAM
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--peers") sizes = parseList(v);
    else if (k == "--cell") base.mesh.topology.cellSize = std::strtoul(v, nullptr, 10);
    else if (k == "--replicas") base.mesh.topology.linkReplicas = std::strtoul(v, nullptr, 10);
    else if (k == "--churn") base.churnPerMinute = std::strtod(v, nullptr);
    else if (k == "--steady-seconds") base.steadyMs = std::strtol(v, nullptr, 10) * 1000;
    else if (k == "--churn-seconds") base.churnMs = std::strtol(v, nullptr, 10) * 1000;
    else if (k == "--settle-seconds") base.settleMs = std::strtol(v, nullptr, 10) * 1000;
    else if (k == "--loss") base.loss = std::strtod(v, nullptr);
    else if (k == "--seed") base.seed = std::strtoull(v, nullptr, 10);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  std::printf("cellular mesh simulator: cellSize %zu, %zu link replica(s), churn %.0f%%/min for %llds, "
              "latency %lld-%lld ms, loss %.1f%% (retransmitted), seed %llu\n\n",
              base.mesh.topology.cellSize, base.mesh.topology.linkReplicas, base.churnPerMinute * 100,
              static_cast<long long>(base.churnMs / 1000), static_cast<long long>(base.latencyMinMs),
              static_cast<long long>(base.latencyMaxMs), base.loss * 100, static_cast<unsigned long long>(base.seed));
  std::vector<SimReport> reports;
  for (std::size_t n : sizes) {
    SimConfig c = base;
    c.peers = n;
    // Time the repair of about 100 crashes and 100 joins, or of every one.
    double events = static_cast<double>(n) * c.churnPerMinute * static_cast<double>(c.churnMs) / 60'000;
    if (events > 0) c.probeFraction = std::min(1.0, 100 / events);
    std::fprintf(stderr, "simulating %zu peers...\n", n);
    reports.push_back(cellgraph::meshsim::runSimulation(c));
  }
  auto row = [&](const char* name, auto fn) {
    std::printf("%-44s", name);
    for (std::size_t i = 0; i < sizes.size(); ++i) std::printf(" %14s", fn(sizes[i], reports[i]).c_str());
    std::printf("\n");
  };
  auto num = [](double v, int digits = 1) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", digits, v);
    return std::string(b);
  };
  auto pct = [](double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.3f%%", v * 100);
    return std::string(b);
  };
  row("peers", [&](std::size_t n, const SimReport&) { return std::to_string(n); });
  row("cells", [&](std::size_t, const SimReport& r) { return std::to_string(r.cells); });
  row("connections/peer mean (cells)", [&](std::size_t, const SimReport& r) { return num(r.connectionsMean); });
  row("connections/peer max (cells)", [&](std::size_t, const SimReport& r) { return std::to_string(r.connectionsMax); });
  row("connections/peer (full mesh)", [&](std::size_t n, const SimReport&) { return std::to_string(n - 1); });
  row("connections/peer (seed formula, cell 10)", [&](std::size_t n, const SimReport&) { return num(seedConnectionsPerPeer(n)); });
  row("broadcast delivery, no churn", [&](std::size_t, const SimReport& r) { return pct(r.deliverySteady); });
  row("broadcast delivery, churn, flood only", [&](std::size_t, const SimReport& r) { return pct(r.deliveryChurnFlood); });
  row("broadcast delivery, churn, + lazy repair", [&](std::size_t, const SimReport& r) { return pct(r.deliveryChurnMesh); });
  row("broadcast delivery, churn, + sync catch-up", [&](std::size_t, const SimReport& r) { return pct(r.deliveryChurn); });
  row("first copies by lazy repair / by sync", [&](std::size_t, const SimReport& r) { return std::to_string(r.repaired) + " / " + std::to_string(r.caughtUp); });
  row("broadcast hops p50 / p99", [&](std::size_t, const SimReport& r) { return num(r.hops.p50, 0) + " / " + num(r.hops.p99, 0); });
  row("hop bound 2*ceil(log2 cells)+3", [&](std::size_t, const SimReport& r) { return std::to_string(r.hopBound); });
  row("TTL (cells) / TTL (seed formula)", [&](std::size_t n, const SimReport& r) { return std::to_string(r.ttl) + " / " + std::to_string(seedTtl(n)); });
  row("frames received per delivery", [&](std::size_t, const SimReport& r) { return num(r.copiesPerDelivery, 2); });
  row("directed delivery", [&](std::size_t, const SimReport& r) { return pct(r.directedDelivery); });
  row("directed hops p50 / p99", [&](std::size_t, const SimReport& r) { return num(r.directedHops.p50, 0) + " / " + num(r.directedHops.p99, 0); });
  row("crashes / joins during churn", [&](std::size_t, const SimReport& r) { return std::to_string(r.crashes) + " / " + std::to_string(r.joins); });
  auto seconds = [&](const cellgraph::meshsim::Percentiles& p) {
    return p.samples ? num(p.p50 / 1000) + " / " + num(p.p99 / 1000) : std::string("-");
  };
  row("crash repair: left every view p50/p99 s", [&](std::size_t, const SimReport& r) { return seconds(r.evictMs); });
  row("join repair: placed + linked p50/p99 s", [&](std::size_t, const SimReport& r) { return seconds(r.joinMs); });
  row("frames per peer per second", [&](std::size_t, const SimReport& r) { return std::to_string(r.framesPerPeerPerSecond); });
  row("rosters / gossip frames / updates passed", [&](std::size_t, const SimReport& r) {
    return std::to_string(r.rostersSent) + " / " + std::to_string(r.gossipSent) + " / " + std::to_string(r.memberUpdates);
  });
  row("frames refused / of them, link gone", [&](std::size_t, const SimReport& r) {
    return std::to_string(r.refused) + " / " + std::to_string(r.refusedUnlinked);
  });
  row("signature checks per peer per second", [&](std::size_t n, const SimReport& r) {
    double seconds = static_cast<double>(base.steadyMs + base.churnMs + base.settleMs) / 1000.0;
    return num(static_cast<double>(r.signaturesVerified) / static_cast<double>(n) / seconds);
  });
  row("deferred: members / dials / repairs / rosters", [&](std::size_t, const SimReport& r) {
    return std::to_string(r.membersDeferred) + " / " + std::to_string(r.dialsDeferred) + " / " +
           std::to_string(r.repliesDeclined) + " / " + std::to_string(r.rostersDeferred);
  });
  row("wall time s", [&](std::size_t, const SimReport& r) { return num(r.wallSeconds); });
  return 0;
}
