// Clock: the host's wall time, injected into the core (never read globally)
// so tests drive time with ManualClock.
#pragma once

#include <ctime>
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
  // timespec_get, not std::chrono::system_clock::now(): libc++'s throws
  // system_error when the OS clock fails, which linked its error formatting
  // (printf and all, 3 KB gzip) into the wasm.
  std::uint64_t nowMs() override {
    std::timespec ts{};
    if (std::timespec_get(&ts, TIME_UTC) != TIME_UTC) return 0;
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1'000'000;
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
