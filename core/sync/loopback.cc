#include "core/sync/loopback.h"

#include <utility>
#include <vector>

namespace cellgraph::sync {

LoopbackResult runLoopback(SyncSession& a, SyncSession& b, int maxFlights) {
  LoopbackResult r;
  std::vector<Bytes> toA{b.start()}, toB{a.start()};
  for (r.flights = 1; !toA.empty() || !toB.empty(); ++r.flights) {
    if (r.flights > maxFlights) {
      r.status = Status::internal("sync did not quiesce within " + std::to_string(maxFlights) + " flights");
      return r;
    }
    std::vector<Bytes> nextA, nextB;
    for (auto [inbox, session, outbox] : {std::tuple{&toA, &a, &nextB}, std::tuple{&toB, &b, &nextA}}) {
      for (const Bytes& m : *inbox) {
        auto replies = session->receive(m);
        if (!replies.ok()) {
          r.status = replies.status();
          return r;
        }
        for (auto& x : *replies) outbox->push_back(*x);
      }
    }
    toA = std::move(nextA);
    toB = std::move(nextB);
  }
  --r.flights;
  r.bytes = a.stats().bytesSent + b.stats().bytesSent;
  r.messages = a.stats().messagesSent + b.stats().messagesSent;
  r.plan = a.incomingPlan() != CatchUp::kNone ? a.incomingPlan() : b.incomingPlan();
  if (!a.synced() || !b.synced()) r.status = Status::internal("sessions went quiet without both reporting synced");
  return r;
}

}  // namespace cellgraph::sync
