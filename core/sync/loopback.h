// Runs two sessions against each other in-process until neither has
// anything to send: for tests, benchmarks and tools that need the real
// protocol without a network. Messages of one flight are delivered in
// order; a flight is one hop in each direction at once.
#pragma once

#include <cstdint>
#include <string>

#include "core/sync/session.h"

namespace cellgraph::sync {

struct LoopbackResult {
  Status status;
  int flights = 0;  // one-way flights until quiet; round trips = (flights + 1) / 2
  std::uint64_t bytes = 0, messages = 0;
  CatchUp plan = CatchUp::kNone;  // the first non-trivial plan of either side
};

// Both sessions must be fresh (start() not yet called).
LoopbackResult runLoopback(SyncSession& a, SyncSession& b, int maxFlights = 10'000);

}  // namespace cellgraph::sync
