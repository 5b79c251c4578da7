// LiveQueries: map() subscriptions kept current as the store changes.
//
// After each applied batch, apply(changedIds) returns the change events of
// every subscription, in one list: `added`, `updated` or `removed` per node.
// A subscription without $edge looks only at the changed nodes, so a batch
// that touches none of its nodes costs one predicate check per changed node
// and emits nothing. A subscription with $limit or cursors keeps its window:
// nodes entering it are `added`, nodes leaving it `removed`, changed nodes
// that stay `updated`. A subscription with $edge re-runs its query (any
// change can alter reachability) and emits the difference.
//
// A cursor naming a node that is not here gives an empty window until the
// node arrives (a one-shot query reports kNotFound instead).
// The engine must be told of the same changes first (engine.onChanged).
// The engine must outlive this object.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/query/engine.h"

namespace cellgraph::query {

enum class Action : std::uint8_t { kAdded = 1, kUpdated = 2, kRemoved = 3 };

struct ChangeEvent {
  std::uint32_t subscription;
  std::string id;
  Action action;
};

class LiveQueries {
 public:
  explicit LiveQueries(QueryEngine& engine) : engine_(engine) {}

  // Registers a live query; `initial` receives its current results in order.
  Result<std::uint32_t> subscribe(QueryOptions options, std::vector<std::string>* initial);
  bool unsubscribe(std::uint32_t id);
  std::vector<ChangeEvent> apply(const std::vector<std::string>& changedIds);
  // The subscription's current results, in order.
  std::vector<std::string> current(std::uint32_t id) const;
  std::size_t size() const { return subs_.size(); }
  // Predicate evaluations during the last apply() (a test hook for "only
  // what the batch can affect").
  std::uint64_t lastEvaluations() const { return evaluations_; }

 private:
  struct Less {
    bool descending;
    bool operator()(const QueryEngine::Keyed& a, const QueryEngine::Keyed& b) const {
      return QueryEngine::before(a, b, descending);
    }
  };
  struct Sub {
    QueryOptions options;
    CompiledQuery compiled;
    bool windowed = false;
    std::set<QueryEngine::Keyed, Less> matching{Less{false}};
    std::unordered_map<std::string, std::optional<boost::json::value>> keyOf;
    std::vector<std::string> window;  // windowed and $edge subscriptions
  };
  std::vector<std::string> windowOf(const Sub& s) const;

  QueryEngine& engine_;
  std::map<std::uint32_t, std::unique_ptr<Sub>> subs_;
  std::uint32_t next_ = 1;
  std::uint64_t evaluations_ = 0;
};

}  // namespace cellgraph::query
