// Clock: the host's wall time, injected into the core (never read globally)
// so tests drive time with ManualClock.
#pragma once

#include <chrono>
#include <cstdint>

namespace cellgraph {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch. May jump backwards (NTP); callers
  // that need monotonic time (the HLC) cope with that themselves.
  virtual std::uint64_t nowMs() = 0;
};

class SystemClock final : public Clock {
 public:
  std::uint64_t nowMs() override {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::uint64_t startMs = 1'700'000'000'000ull) : now_(startMs) {}
  std::uint64_t nowMs() override { return now_; }
  void set(std::uint64_t ms) { now_ = ms; }
  void advance(std::uint64_t ms) { now_ += ms; }

 private:
  std::uint64_t now_;
};

}  // namespace cellgraph
