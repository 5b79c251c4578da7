// Helpers shared by the native tests: stores on a manual clock, JSON
// literals, and a driver that runs two sync sessions to quiescence.
#pragma once

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <map>

#include "core/api/gate.h"
#include "core/base/clock.h"
#include "core/base/hex.h"
#include "core/crdt/verifier.h"
#include "core/graph/store.h"
#include "core/sync/loopback.h"
#include "core/sync/session.h"

namespace cellgraph::testing {

inline boost::json::object obj(const char* json) { return boost::json::parse(json).as_object(); }

// The gate and the store, for tests that drive SyncSessions without an
// Engine (the engine's own sink also holds deferred ops for later).
struct GatedSink final : sync::OpSink {
  graph::Store& store;
  crdt::Verifier& verifier;
  GatedSink(graph::Store& s, crdt::Verifier& v) : store(s), verifier(v) {}
  Result<graph::ApplyReport> apply(std::vector<crdt::Envelope> envelopes, std::uint32_t linkTag = 0) override {
    CG_ASSIGN_OR_RETURN(api::GateDecision d, api::gate(std::move(envelopes), verifier, store.clock()));
    graph::ApplyReport r = store.apply(d.accepted, graph::Source::kPeer, nullptr, linkTag);
    r.deferred = d.deferred.size();
    return r;
  }
};

// A store with the pieces a session needs, and one link watermark per peer
// replica, kept across sessions as an engine keeps them per link.
struct Replica {
  ManualClock& clock;
  graph::Store store;
  crdt::StructuralVerifier verifier;
  GatedSink sink{store, verifier};
  sync::ReconIndex index{store};
  std::map<hlc::PeerId, sync::LinkWatermark> links;
  Replica(ManualClock& c, hlc::PeerId id, std::size_t window = 10'000, Limits limits = {})
      : clock(c), store(c, graph::StoreOptions{id, 0x1000 + id, 60'000, window, limits}), verifier(limits) {}
  // The link to replica `peer` is tagged with its id.
  std::unique_ptr<sync::SyncSession> session(hlc::PeerId peer, sync::SessionOptions options = {}) {
    sync::LinkWatermark& w = links[peer];
    w.tag = static_cast<std::uint32_t>(peer);
    return std::make_unique<sync::SyncSession>(store, sink, w, index, options);
  }
};

inline std::string digestHex(const graph::Store& s) { return encodeHex(s.digest()); }

struct SyncResult {
  bool ok = true;
  std::string error;
  int flights = 0;
  std::uint64_t bytes = 0, messages = 0;
  sync::CatchUp plan = sync::CatchUp::kNone;
};

// Runs sessions between a and b until neither has anything to send. With
// knownPeers false the link is new: neither side holds a watermark for it.
inline SyncResult syncPair(Replica& a, Replica& b, sync::SessionOptions opt = {}, bool knownPeers = true) {
  hlc::PeerId ida = a.store.options().replicaId, idb = b.store.options().replicaId;
  if (!knownPeers) {
    a.links[idb] = {};
    b.links[ida] = {};
  }
  auto sa = a.session(idb, opt), sb = b.session(ida, opt);
  sync::LoopbackResult r = sync::runLoopback(*sa, *sb);
  return {r.status.ok(), r.status.toString(), r.flights, r.bytes, r.messages, r.plan};
}

}  // namespace cellgraph::testing
