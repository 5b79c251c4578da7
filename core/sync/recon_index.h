// ReconIndex: the store's node records as a sorted list of reconciliation
// items (id, item hash) with prefix sums, so the fingerprint of any id range
// costs two binary searches. Rebuilt lazily when the store has changed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/base/hash.h"
#include "core/graph/store.h"

namespace cellgraph::sync {

class ReconIndex {
 public:
  explicit ReconIndex(const graph::Store& store) : store_(store) {}

  // Index range [begin, end) of ids in [lower, upper); no upper = +infinity.
  struct Span {
    std::size_t begin, end;
    std::size_t size() const { return end - begin; }
  };
  Span span(const std::string& lower, const std::optional<std::string>& upper);
  Fingerprint fingerprint(Span s);
  const std::string& id(std::size_t i) { return *ids_[i]; }
  const Hash128& hash(std::size_t i) { return hashes_[i]; }
  // Brings the index up to date with the store.
  void refresh();

 private:
  const graph::Store& store_;
  std::uint64_t builtVersion_ = ~0ull;
  std::vector<const std::string*> ids_;
  std::vector<Hash128> hashes_;
  std::vector<Hash128> prefix_;  // prefix_[i] = sum of hashes_[0..i)
};

}  // namespace cellgraph::sync
