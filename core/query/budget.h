// Budget: the work a query may still do, in steps.
//
// A step is one unit of work that takes bounded time: one Pike VM step of a
// regex (regex.h), one predicate node or one value tested by a condition
// (predicate.h), one byte scanned by a string condition, one record or edge
// visited by the engine (engine.h). Whoever does work takes its steps first
// (or, for a regex, checks what remains as it goes), so a query stops within
// one bounded unit of its limit, whatever the query and the data.
//
// Exhaustion is sticky: once a take() fails, every later take() fails too and
// the work in progress unwinds; the caller that owns the budget turns it into
// exceeded(). Not thread-safe; one budget per query evaluation.
#pragma once

#include <cstdint>
#include <string>

#include "core/base/status.h"

namespace cellgraph::query {

class Budget {
 public:
  explicit Budget(std::uint64_t steps) : limit_(steps), left_(steps) {}

  // Takes n steps; false, and exhausted from then on, when fewer remain.
  bool take(std::uint64_t n) {
    if (exhausted_ || n > left_) {
      exhausted_ = true;
      left_ = 0;
      return false;
    }
    left_ -= n;
    return true;
  }
  bool exhausted() const { return exhausted_; }
  std::uint64_t remaining() const { return left_; }
  std::uint64_t limit() const { return limit_; }
  // Steps taken so far; the limit once exhausted.
  std::uint64_t used() const { return limit_ - left_; }

  Status exceeded() const {
    return Status::tooLarge("query exceeds its work budget of " + std::to_string(limit_) + " steps");
  }

 private:
  std::uint64_t limit_;
  std::uint64_t left_;
  bool exhausted_ = false;
};

}  // namespace cellgraph::query
