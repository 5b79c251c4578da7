// Hybrid logical clock: (wall ms, counter, peer).
//
// Timestamps are totally ordered by wall, then counter, then peer, so ties
// between replicas break the same way everywhere. now() never goes backwards
// even when the host clock does. update(remote) moves the clock past a
// remote timestamp, unless that timestamp is more than maxAheadMs ahead of
// our wall clock: then it is refused with kClockSkew (never clamped), and the
// op carrying it can be offered again later, when our clock has caught up.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "core/base/clock.h"
#include "core/base/status.h"

namespace cellgraph::hlc {

using PeerId = std::uint64_t;

struct Timestamp {
  std::uint64_t wall = 0;
  std::uint32_t counter = 0;
  PeerId peer = 0;
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
  bool isZero() const { return wall == 0 && counter == 0 && peer == 0; }
  std::string toString() const;  // "wall.counter@peerhex"
};

class Hlc {
 public:
  // `clock` must outlive the Hlc.
  Hlc(Clock& clock, PeerId self, std::uint64_t maxAheadMs = 60'000);

  Timestamp now();
  // Checks the bound without touching the clock.
  Status check(const Timestamp& remote) const;
  bool tooFarAhead(const Timestamp& remote) const;
  // check(), then advances past `remote` on success.
  Status update(const Timestamp& remote);
  // Moves past `remote` unconditionally (this replica's own stored history).
  void observe(const Timestamp& remote);
  const Timestamp& last() const { return last_; }
  // The host's wall clock now, in ms (what now() and check() compare with).
  std::uint64_t physicalMs() const { return clock_.nowMs(); }
  PeerId self() const { return self_; }
  std::uint64_t maxAheadMs() const { return maxAheadMs_; }

 private:
  Clock& clock_;
  PeerId self_;
  std::uint64_t maxAheadMs_;
  Timestamp last_;
};

}  // namespace cellgraph::hlc
