// Helpers shared by the native tests: stores on a manual clock, JSON
// literals, and a driver that runs two sync sessions to quiescence.
#pragma once

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/base/clock.h"
#include "core/base/hex.h"
#include "core/crdt/verifier.h"
#include "core/graph/store.h"
#include "core/sync/loopback.h"
#include "core/sync/session.h"

namespace cellgraph::testing {

inline boost::json::object obj(const char* json) { return boost::json::parse(json).as_object(); }

struct Replica {
  ManualClock& clock;
  graph::Store store;
  crdt::StructuralVerifier verifier;
  Replica(ManualClock& c, hlc::PeerId id, std::size_t window = 10'000)
      : clock(c), store(c, graph::StoreOptions{id, 0x1000 + id, 60'000, window, {}}) {}
};

inline std::string digestHex(const graph::Store& s) { return encodeHex(s.digest()); }

struct SyncResult {
  bool ok = true;
  std::string error;
  int flights = 0;
  std::uint64_t bytes = 0, messages = 0;
  sync::CatchUp plan = sync::CatchUp::kNone;
};

// Runs sessions between a and b until neither has anything to send.
inline SyncResult syncPair(Replica& a, Replica& b, sync::SessionOptions opt = {}, bool knownPeers = true) {
  sync::SessionOptions oa = opt, ob = opt;
  if (knownPeers) {
    oa.expectedPeer = b.store.options().replicaId;
    ob.expectedPeer = a.store.options().replicaId;
  }
  sync::SyncSession sa(a.store, a.verifier, oa), sb(b.store, b.verifier, ob);
  sync::LoopbackResult r = sync::runLoopback(sa, sb);
  return {r.status.ok(), r.status.toString(), r.flights, r.bytes, r.messages, r.plan};
}

}  // namespace cellgraph::testing
