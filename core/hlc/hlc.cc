#include "core/hlc/hlc.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace cellgraph::hlc {

std::string Timestamp::toString() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llu.%u@%016llx", static_cast<unsigned long long>(wall), counter,
                static_cast<unsigned long long>(peer));
  return buf;
}

Hlc::Hlc(Clock& clock, PeerId self, std::uint64_t maxAheadMs)
    : clock_(clock), self_(self), maxAheadMs_(maxAheadMs) {}

namespace {
// Advances (wall, counter) to be strictly after `floor` and at least `physical`.
void advance(Timestamp& t, std::uint64_t physical, const Timestamp& floor) {
  if (physical > floor.wall) {
    t.wall = physical;
    t.counter = 0;
  } else if (floor.counter == std::numeric_limits<std::uint32_t>::max()) {
    t.wall = floor.wall + 1;  // counter exhausted: borrow one millisecond
    t.counter = 0;
  } else {
    t.wall = floor.wall;
    t.counter = floor.counter + 1;
  }
}
}  // namespace

Timestamp Hlc::now() {
  Timestamp t;
  t.peer = self_;
  advance(t, clock_.nowMs(), last_);
  last_ = t;
  return t;
}

bool Hlc::tooFarAhead(const Timestamp& remote) const {
  std::uint64_t physical = clock_.nowMs();
  return remote.wall > physical && remote.wall - physical > maxAheadMs_;
}

Status Hlc::check(const Timestamp& remote) const {
  std::uint64_t physical = clock_.nowMs();
  if (tooFarAhead(remote)) {
    return Status::clockSkew("timestamp " + remote.toString() + " is " + std::to_string(remote.wall - physical) +
                             " ms ahead of this clock (limit " + std::to_string(maxAheadMs_) + " ms)");
  }
  return {};
}

Status Hlc::update(const Timestamp& remote) {
  CG_RETURN_IF_ERROR(check(remote));
  observe(remote);
  return {};
}

void Hlc::observe(const Timestamp& remote) {
  if (remote.wall < last_.wall || (remote.wall == last_.wall && remote.counter <= last_.counter)) return;
  // Keep last_ strictly after `remote` so the next local op orders after it.
  Timestamp floor = std::max(last_, Timestamp{remote.wall, remote.counter, 0});
  Timestamp t;
  t.peer = self_;
  std::uint64_t physical = clock_.nowMs();
  if (physical > floor.wall) {
    t.wall = physical;
    t.counter = 0;
    // physical is past both; nothing else to do
  } else {
    t.wall = floor.wall;
    t.counter = floor.counter;  // now() will add one
  }
  last_ = t;
}

}  // namespace cellgraph::hlc
