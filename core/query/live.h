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
//
// Bounded work: subscribe() runs the query under the engine's work budget
// and reports kTooLarge there when it does not fit. Each apply() gives every
// subscription a fresh budget of the same size for the whole batch (the
// changed nodes' evaluations, or the re-run of an $edge query), so one batch
// costs at most subscriptions x budget, and one node's re-evaluation is
// bounded by the per-match bounds of regex.h. A subscription whose batch does
// not fit fails: it emits `removed` for what it held, reports the kTooLarge
// through status(), and is not evaluated again (a fresh query would not fit
// either); unsubscribe() it.
// The engine must be told of the same changes first (engine.onChanged).
// The engine must outlive this object.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/query/engine.h"

namespace cellgraph::query {

// kFailed: the subscription stopped (see above); `id` holds the error's message.
enum class Action : std::uint8_t { kAdded = 1, kUpdated = 2, kRemoved = 3, kFailed = 4 };

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
  // The subscription's current results, in order (empty once it failed).
  std::vector<std::string> current(std::uint32_t id) const;
  // Ok, or why the subscription stopped (kTooLarge), or kNotFound.
  Status status(std::uint32_t id) const;
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
    Status failed;
  };
  std::vector<std::string> windowOf(const Sub& s) const;
  std::vector<std::string> currentOf(const Sub& s) const;
  void applyEdge(std::uint32_t subId, Sub& s, const std::unordered_set<std::string>& changed, std::vector<ChangeEvent>& out);
  void applyChanges(std::uint32_t subId, Sub& s, const std::vector<std::string>& changedIds,
                    const std::unordered_set<std::string>& changed, std::vector<ChangeEvent>& out);
  void fail(std::uint32_t subId, Sub& s, Status why, std::vector<ChangeEvent>& out);

  QueryEngine& engine_;
  std::map<std::uint32_t, std::unique_ptr<Sub>> subs_;
  std::uint32_t next_ = 1;
  std::uint64_t evaluations_ = 0;
};

}  // namespace cellgraph::query
