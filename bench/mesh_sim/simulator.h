// A discrete-event simulator of N peers running the real core/mesh code.
//
// Each simulated peer is a mesh::Mesh; the simulator plays its host: it
// carries frames over links with a per-pair latency, opens links after a
// signaling-plus-ICE delay, crashes peers (silently: their links go quiet)
// and starts newcomers that announce through a "relay" every peer hears.
// Links behave like WebRTC data channels: reliable and ordered, so a lost
// packet costs a retransmission delay, not the frame.
//
// Graph sync is modelled as what it does for delivery: when a link opens,
// each side gets the messages the other has (the session's catch-up).
// A peer's first copy of a broadcast counts as "flood" when the flood
// brought it, else as repaired: by the mesh's lazy repair (ihave/IWANT) or
// by a sync session's catch-up.
//
// Signatures are core/mesh/crypto.h's FakeCrypto (a keyed hash): the mesh
// checks every one as it would in the browser, at a fraction of the cost.
//
// Everything is seeded; the same config gives the same report (digest).
#pragma once

#include <cstdint>
#include <string>

#include "core/mesh/mesh.h"

namespace cellgraph::meshsim {

struct SimConfig {
  std::size_t peers = 1000;
  mesh::MeshConfig mesh;
  std::uint64_t seed = 1;
  std::int64_t latencyMinMs = 10, latencyMaxMs = 60;  // one way, fixed per pair
  double loss = 0.01;                                 // per frame, costs retransmitMs
  std::int64_t retransmitMs = 250;
  std::int64_t relayMs = 80;                          // one relay hop (signaling)
  std::int64_t iceMs = 150;                           // on top of signaling, per connection
  double churnPerMinute = 0.0;                        // fraction of peers replaced per minute
  std::int64_t steadyMs = 20'000, churnMs = 0, settleMs = 20'000;
  std::int64_t broadcastEveryMs = 100;
  std::int64_t directedEveryMs = 250;
  double probeFraction = 0.1;                         // churn events whose repair is timed
};

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
  std::size_t samples = 0;
};

struct SimReport {
  std::size_t peersAtEnd = 0, cells = 0;
  double connectionsMean = 0;
  std::size_t connectionsMax = 0;
  unsigned ttl = 0, hopBound = 0;
  std::uint64_t broadcastsSteady = 0, broadcastsChurn = 0;
  double deliverySteady = 0;      // by flood, messages sent without churn
  double deliveryChurnFlood = 0;  // by flood alone, messages sent during churn
  double deliveryChurnMesh = 0;   // flood or lazy repair
  double deliveryChurn = 0;       // flood, lazy repair or sync catch-up
  std::uint64_t repaired = 0, caughtUp = 0;  // first copies by lazy repair / by sync
  Percentiles hops, directedHops;
  double directedDelivery = 0;
  double copiesPerDelivery = 0;   // frames of app broadcasts received per first delivery
  Percentiles evictMs, joinMs;    // churn repair: a crash leaves every view / a newcomer is placed
  std::uint64_t crashes = 0, joins = 0;
  std::uint64_t framesPerPeerPerSecond = 0;
  std::uint64_t rostersSent = 0, gossipSent = 0, memberUpdates = 0;  // by alive peers
  // Bounds at work in an honest room (by alive peers): should all be near 0
  // but `refusedUnlinked` (frames in flight when a link closed).
  std::uint64_t refused = 0, refusedUnlinked = 0, signaturesVerified = 0;
  std::uint64_t membersDeferred = 0, dialsDeferred = 0, repliesDeclined = 0, rostersDeferred = 0;
  std::uint64_t digest = 0;       // determinism: a hash of every delivery
  double wallSeconds = 0;
};

SimReport runSimulation(const SimConfig& config);

}  // namespace cellgraph::meshsim
