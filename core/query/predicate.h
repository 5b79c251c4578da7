// Compiling a JSON query into a predicate over nodes, and evaluating it.
//
// A query is an object whose keys are field paths (dot-separated, into the
// node's value; `id` addresses the node id unless the value has an `id`) or
// the logical operators $and, $or, $not, or the geo operators $near, $bbox
// (on the node's latitude/longitude, flat or under `location`). A field's
// condition is a bare value ($eq) or an object of operators:
//   $eq $ne $gt $gte $lt $lte $in $nin $between $exists
//   $startsWith $endsWith $contains $like $regex $text $near $bbox
// A field holding an array matches when any element matches (and $eq/$in
// also compare the whole array). $edge is handled by the engine (engine.h):
// compile() returns it separately. Every error names the offending part.
//
// Evaluation takes its work from a Budget (budget.h), so no node value can
// make one evaluation run long: one step per predicate node, per value a
// condition tests (each array element, each value $eq/$in compare, nested
// ones included), per byte a string condition scans ($startsWith and
// $endsWith the needle, $contains haystack + needle, $text twice the
// haystack + needle: both search in linear time), per 64 bytes of two equal-
// length strings $eq compares, and the VM steps of $regex/$like (regex.h).
// Each is taken before the work it pays for, except a regex match, which may
// finish the position it is at.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/base/status.h"
#include "core/query/budget.h"
#include "core/query/regex.h"

namespace cellgraph::query {

enum class Op : std::uint8_t {
  kEq, kNe, kGt, kGte, kLt, kLte, kIn, kNin, kBetween, kExists,
  kStartsWith, kEndsWith, kContains, kLike, kRegex, kText, kNear, kBbox,
};

struct Condition {
  Op op;
  boost::json::value operand;
  std::shared_ptr<const Regex> regex;  // $like, $regex
  std::string text;                    // $text, normalized
  double geo[4] = {0, 0, 0, 0};        // $near: lat, lng, radius km; $bbox: minLat, maxLat, minLng, maxLng
};

struct Expr {
  enum Kind : std::uint8_t { kAnd, kOr, kNot, kField, kGeo } kind = kAnd;
  std::vector<std::string> path;       // kField; kGeo: the field holding coordinates (empty: the value itself)
  std::vector<Condition> conditions;   // kField/kGeo, all must hold
  std::vector<Expr> children;          // kAnd/kOr/kNot
};

struct CompiledQuery {
  Expr where;                              // selects nodes (start nodes when edge is set)
  std::unique_ptr<CompiledQuery> edge;     // $edge: filter on descendants, may nest
};

Result<CompiledQuery> compileQuery(const boost::json::object& query);

// What a predicate looks at: the node's id and value.
struct NodeView {
  const std::string& id;
  const boost::json::object& value;
};

// Whether the node satisfies `e`; budget.exceeded() when the budget runs out
// (it then stays exhausted).
Result<bool> matches(const Expr& e, const NodeView& node, Budget& budget);

// The value at `path` in the node; null when missing. The path `id` falls
// back to the node id, built in `scratch`: the result lives as long as both
// the node's value and `scratch`.
const boost::json::value* fieldValue(const NodeView& node, const std::vector<std::string>& path,
                                     boost::json::value& scratch);

// Total order used for sorting: missing < null < bools < numbers < strings <
// arrays < objects; numbers numerically, strings by code point, arrays
// element by element (a prefix first), objects member by member in key
// order (a subset of leading keys first).
int compareValues(const boost::json::value* a, const boost::json::value* b);

}  // namespace cellgraph::query
