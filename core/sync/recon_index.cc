#include "core/sync/recon_index.h"

#include <algorithm>

namespace cellgraph::sync {

void ReconIndex::refresh(std::size_t paidBytes, bool force) {
  if (builtVersion_ == store_.version()) return;
  credit_ += paidBytes;
  bool cleared = builtGeneration_ != store_.generation();
  if (!force && !cleared && credit_ * kRecordsPerByte < store_.recordCount()) return;
  credit_ = 0;
  ++rebuilds_;
  builtGeneration_ = store_.generation();
  const auto& records = store_.records();
  ids_.clear();
  hashes_.clear();
  prefix_.clear();
  ids_.reserve(records.size());
  hashes_.reserve(records.size());
  prefix_.reserve(records.size() + 1);
  prefix_.push_back({});
  for (const auto& [id, node] : records) {
    ids_.push_back(&id);
    hashes_.push_back(node.itemHash);
    prefix_.push_back(prefix_.back() + node.itemHash);
  }
  builtVersion_ = store_.version();
}

ReconIndex::Span ReconIndex::span(const std::string& lower, const std::optional<std::string>& upper) const {
  auto less = [](const std::string* a, const std::string& b) { return *a < b; };
  std::size_t b = std::lower_bound(ids_.begin(), ids_.end(), lower, less) - ids_.begin();
  std::size_t e = upper ? std::lower_bound(ids_.begin() + b, ids_.end(), *upper, less) - ids_.begin() : ids_.size();
  return {b, std::max(b, e)};
}

Fingerprint ReconIndex::fingerprint(Span s) const {
  return {prefix_[s.end] - prefix_[s.begin], s.size()};
}

}  // namespace cellgraph::sync
