// QueryEngine: runs map() queries over a Store.
//
// Pipeline: select (planner) -> filter -> $edge expansion -> sort -> $after
// -> $before -> $limit. Sorting is by `field` (a dot path; by id when absent),
// ascending unless `order` is "desc", ties broken by id in the same
// direction; values order as compareValues() says. Cursors are node ids:
//   - a cursor that is in the result marks its position;
//   - a live node outside the result is placed by its sort key;
//   - a removed or unknown node is placed by id when sorting by id, and is
//     kNotFound otherwise.
// $limit with only $before keeps the items nearest the cursor.
//
// $edge: the rest of the query selects start nodes; the result is every node
// reachable from them by one or more visible edges (cycle-safe, each node
// once) that matches the $edge sub-query; a nested $edge repeats this from
// those nodes.
//
// Indexes: a field queried with $eq/$in (equality index) or with ranges or
// as the sort field (ordered index) `indexAfterUses` times gets an index,
// kept current by onChanged(). The planner uses an `id` condition, then an
// equality index, then an ordered index, else scans; a sorted query with a
// $limit and an ordered index on its field walks the index and stops early.
// lastPlan() tells which was used and how many nodes were examined.
//
// Work budget: a run takes its work from a Budget of options.workBudget steps
// (budget.h): one per record or index entry the planner visits, one per edge
// $edge examines, one per record put into a new index, and what predicate
// evaluation takes (predicate.h: per predicate node, value tested, string
// byte scanned, regex VM step). Past the budget run() answers kTooLarge
// "query exceeds its work budget of N steps", so no query over any data runs
// for long: work is paid for before it is done, except that a regex match
// may finish the position it is at (at most 2 x 4096 VM steps). Sorting and the window
// (O(k log k) on the k candidates, which were all paid for) are not counted.
// An index is built only when the remaining budget pays for it: it is an
// optimisation, so a query never fails because of one.
//
// kDefaultWorkBudget = 200,000,000 steps. Measured on 100,000 nodes with
// short strings (tests/native/query_test.cc QueryBudget.*, which prints
// them): $regex "^ad.*e \\d+$" 11.0 M steps, $like "%lace%" 15.8 M, $text
// 4.6 M; a 10,000-descendant $edge 20,000. So realistic scans stay 12x or
// more below it, while one regex match on a 256 KiB value may take up to
// 2.1 G steps (regex.h), far above. A step costs 3 to 10 ns natively, so a
// query that exhausts the budget stops after about 0.6 s (measured with the
// 491-byte pattern of regex_test.cc), about 1.7 s in wasm (node, measured).
//
// Not thread-safe. The store must outlive the engine, and every change to
// the store must be reported through onChanged() before the next query.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/graph/store.h"
#include "core/query/predicate.h"

namespace cellgraph::query {

struct QueryOptions {
  boost::json::object query;
  std::vector<std::string> field;  // sort path; empty: by id
  bool descending = false;
  std::optional<std::size_t> limit;
  std::optional<std::string> after, before;
};

// Reads {query, field, order, $limit, $after, $before}; unknown keys are an error.
Result<QueryOptions> parseQueryOptions(const boost::json::value& options);

struct PlanInfo {
  std::string access;        // "scan", "id", "eq-index <path>", "range-index <path>", "sorted-index <path>"
  std::size_t examined = 0;  // nodes whose predicate was evaluated
  std::uint64_t work = 0;    // budget steps taken (<= the budget)
};

inline constexpr std::uint64_t kDefaultWorkBudget = 200'000'000;

struct EngineOptions {
  std::size_t indexAfterUses = 2;
  std::uint64_t workBudget = kDefaultWorkBudget;  // per run(), steps (see above)
};

class QueryEngine {
 public:
  explicit QueryEngine(const graph::Store& store, std::size_t indexAfterUses = 2);
  QueryEngine(const graph::Store& store, EngineOptions options);
  ~QueryEngine();

  Result<std::vector<std::string>> run(const QueryOptions& options);
  // With a query compiled once (live subscriptions re-run theirs).
  Result<std::vector<std::string>> run(const QueryOptions& options, const CompiledQuery& compiled);
  void onChanged(const std::vector<std::string>& ids);

  const PlanInfo& lastPlan() const { return plan_; }
  std::size_t indexCount() const;
  const graph::Store& store() const { return store_; }
  std::uint64_t workBudget() const { return options_.workBudget; }

  // For live subscriptions: whether a live node matches (false when it is
  // not live), taking the work from `budget`; and ordering.
  Result<bool> nodeMatches(const Expr& where, const std::string& id, Budget& budget) const;
  // Orders ids the way results are sorted; `key` is the sort field of each.
  struct Keyed {
    std::optional<boost::json::value> key;  // absent: the field is missing
    std::string id;
  };
  Keyed keyed(const std::vector<std::string>& field, const std::string& id) const;
  static bool before(const Keyed& a, const Keyed& b, bool descending);
  // A sort entry pointing into the store (valid until the store changes):
  // what run() sorts, so no value is copied.
  struct Ref {
    const boost::json::value* key;  // null: missing
    const std::string* id;
  };
  static bool before(const Ref& a, const Ref& b, bool descending);
  static Ref refOf(const Keyed& k) { return {k.key ? &*k.key : nullptr, &k.id}; }
  // Applies cursors and limit to a sorted list (see the header comment).
  Result<std::vector<std::string>> window(const std::vector<Ref>& sorted, const QueryOptions& options) const;

 private:
  struct Indexes;
  Result<std::vector<std::string>> select(const Expr& where, const QueryOptions* sortHint, bool* sortedOut, Budget& budget);
  Result<std::vector<std::string>> descendants(const std::vector<std::string>& starts, const CompiledQuery& sub,
                                               Budget& budget);
  Result<std::vector<std::string>> evaluate(const QueryOptions& options, const CompiledQuery& compiled, Budget& budget);
  void countUses(const Expr& where, const QueryOptions& options, Budget& budget);

  const graph::Store& store_;
  EngineOptions options_;
  std::unique_ptr<Indexes> indexes_;
  PlanInfo plan_;
};

}  // namespace cellgraph::query
