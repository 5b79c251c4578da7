// ReconIndex: the store's node records as a sorted list of reconciliation
// items (id, item hash) with prefix sums, so the fingerprint of any id range
// costs two binary searches.
//
// Rebuilding costs O(records), so it is paid for: a rebuild happens when
// the index is stale and either it is forced (a session starting
// reconciliation) or the RECON bytes received since the last rebuild cover
// records / kRecordsPerByte. Otherwise answers come from the index as it was,
// which only hides changes made during the reconciliation (they travel as
// live batches). So a peer that changes the store between RECON messages
// cannot make each message cost O(records). A cleared store always rebuilds.
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
  Span span(const std::string& lower, const std::optional<std::string>& upper) const;
  Fingerprint fingerprint(Span s) const;
  const std::string& id(std::size_t i) const { return *ids_[i]; }
  const Hash128& hash(std::size_t i) const { return hashes_[i]; }
  static constexpr std::size_t kRecordsPerByte = 16;
  // Credits `paidBytes` of RECON input, then rebuilds if stale and paid for
  // (or `force`). Call before a round of span()/fingerprint() calls.
  void refresh(std::size_t paidBytes, bool force);
  std::uint64_t rebuilds() const { return rebuilds_; }

 private:
  const graph::Store& store_;
  std::uint64_t builtVersion_ = ~0ull, builtGeneration_ = ~0ull;
  std::uint64_t credit_ = 0, rebuilds_ = 0;
  std::vector<const std::string*> ids_;
  std::vector<Hash128> hashes_;
  std::vector<Hash128> prefix_;  // prefix_[i] = sum of hashes_[0..i)
};

}  // namespace cellgraph::sync
