// AllocMeter: the heap the process holds, measured by interposing malloc,
// calloc, realloc and free (operator new and msgpack-c's zone both end up
// there). Linked only into cellgraph_bounds_tests, never into a sanitizer
// build (ASan owns malloc there).
//
//   AllocMeter::Scope s;   ...   s.peak()  // bytes above the level at construction
#pragma once

#include <cstddef>

namespace cellgraph::testing {

class AllocMeter {
 public:
  static std::size_t current();
  // Restarts the peak at the current level.
  static void resetPeak();
  static std::size_t peak();

  class Scope {
   public:
    Scope() : base_(current()) { resetPeak(); }
    std::size_t peak() const { return AllocMeter::peak() > base_ ? AllocMeter::peak() - base_ : 0; }

   private:
    std::size_t base_;
  };
};

}  // namespace cellgraph::testing
