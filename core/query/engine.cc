#include "core/query/engine.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "core/crdt/value_codec.h"

namespace cellgraph::query {
namespace json = boost::json;

namespace {

std::string joinPath(const std::vector<std::string>& p) {
  std::string s;
  for (const auto& x : p) s += (s.empty() ? "" : ".") + x;
  return s;
}

std::string valueKey(const json::value& v) {
  Bytes b;
  crdt::ByteSink sink{b};
  crdt::Packer pk(sink);
  crdt::packValue(pk, v);
  return std::string(b.begin(), b.end());
}

bool isRangeOp(Op op) { return op == Op::kGt || op == Op::kGte || op == Op::kLt || op == Op::kLte || op == Op::kBetween; }

}  // namespace

Result<QueryOptions> parseQueryOptions(const json::value& v) {
  QueryOptions o;
  if (v.is_null()) return o;
  if (!v.is_object()) return Status::invalidArgument("map options must be an object");
  for (const auto& kv : v.get_object()) {
    std::string key(kv.key());
    const json::value& x = kv.value();
    if (key == "query") {
      if (!x.is_object()) return Status::invalidArgument("map option 'query' must be an object");
      o.query = x.get_object();
    } else if (key == "field") {
      if (!x.is_string() || x.get_string().empty()) return Status::invalidArgument("map option 'field' must be a non-empty string");
      std::string_view f = x.get_string();
      std::size_t start = 0;
      for (std::size_t i = 0; i <= f.size(); ++i) {
        if (i == f.size() || f[i] == '.') {
          if (i == start) return Status::invalidArgument("map option 'field' has an empty path segment");
          o.field.emplace_back(f.substr(start, i - start));
          start = i + 1;
        }
      }
    } else if (key == "order") {
      if (x != "asc" && x != "desc") return Status::invalidArgument("map option 'order' must be \"asc\" or \"desc\"");
      o.descending = x == "desc";
    } else if (key == "$limit") {
      if (!x.is_number() || crdt::numberOf(x) < 0 || std::trunc(crdt::numberOf(x)) != crdt::numberOf(x)) {
        return Status::invalidArgument("map option '$limit' must be a non-negative integer");
      }
      double limit = crdt::numberOf(x);  // a double past SIZE_MAX cannot be cast: no limit then
      if (limit < 18446744073709551615.0) o.limit = static_cast<std::size_t>(limit);
    } else if (key == "$after" || key == "$before") {
      if (!x.is_string()) return Status::invalidArgument("map option '" + key + "' must be a node id");
      (key == "$after" ? o.after : o.before) = std::string(x.get_string());
    } else if (key != "realtime") {
      return Status::invalidArgument("unknown map option '" + key + "'");
    }
  }
  return o;
}

struct QueryEngine::Indexes {
  struct Eq {
    std::unordered_map<std::string, std::unordered_set<std::string>> buckets;
    std::unordered_map<std::string, std::vector<std::string>> keysOf;
  };
  struct KeyLess {
    bool operator()(const Keyed& a, const Keyed& b) const { return QueryEngine::before(a, b, false); }
  };
  struct Sorted {
    std::set<Keyed, KeyLess> entries;
    std::unordered_map<std::string, std::optional<json::value>> keyOf;
  };
  std::map<std::vector<std::string>, Eq> eq;
  std::map<std::vector<std::string>, Sorted> sorted;
  std::map<std::vector<std::string>, std::size_t> eqUses, sortUses;
};

QueryEngine::QueryEngine(const graph::Store& store, std::size_t indexAfterUses)
    : QueryEngine(store, EngineOptions{indexAfterUses, kDefaultWorkBudget}) {}
QueryEngine::QueryEngine(const graph::Store& store, EngineOptions options)
    : store_(store), options_(options), indexes_(std::make_unique<Indexes>()) {}
QueryEngine::~QueryEngine() = default;

std::size_t QueryEngine::indexCount() const { return indexes_->eq.size() + indexes_->sorted.size(); }

QueryEngine::Keyed QueryEngine::keyed(const std::vector<std::string>& field, const std::string& id) const {
  Keyed k{std::nullopt, id};
  if (field.empty()) return k;
  const graph::NodeRecord* n = store_.find(id);
  if (!n || !n->exists()) return k;
  json::value scratch;
  if (const json::value* v = fieldValue({id, *n->value}, field, scratch)) k.key = *v;
  return k;
}

bool QueryEngine::before(const Keyed& a, const Keyed& b, bool descending) {
  int c = compareValues(a.key ? &*a.key : nullptr, b.key ? &*b.key : nullptr);
  if (c == 0) c = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return descending ? c > 0 : c < 0;
}

bool QueryEngine::before(const Ref& a, const Ref& b, bool descending) {
  int c = compareValues(a.key, b.key);
  if (c == 0) c = a.id->compare(*b.id);
  return descending ? c > 0 : c < 0;
}

Result<bool> QueryEngine::nodeMatches(const Expr& where, const std::string& id, Budget& budget) const {
  if (!budget.take(1)) return budget.exceeded();
  const graph::NodeRecord* n = store_.find(id);
  if (!n || !n->exists()) return false;
  return matches(where, {id, *n->value}, budget);
}

namespace {

template <typename Eq>
void reindexEq(const graph::Store& store, const std::vector<std::string>& path, Eq& idx, const std::string& id) {
  if (auto it = idx.keysOf.find(id); it != idx.keysOf.end()) {
    for (const auto& k : it->second) {
      auto b = idx.buckets.find(k);
      if (b != idx.buckets.end() && (b->second.erase(id), b->second.empty())) idx.buckets.erase(b);
    }
    idx.keysOf.erase(it);
  }
  const graph::NodeRecord* n = store.find(id);
  if (!n || !n->exists()) return;
  json::value scratch;
  const json::value* v = fieldValue({id, *n->value}, path, scratch);
  if (!v) return;
  std::vector<std::string> keys{valueKey(*v)};  // arrays: the whole and each element
  if (v->is_array()) for (const auto& e : v->get_array()) keys.push_back(valueKey(e));
  for (const auto& k : keys) idx.buckets[k].insert(id);
  idx.keysOf[id] = std::move(keys);
}

template <typename Sorted>
void reindexSorted(const QueryEngine& engine, const std::vector<std::string>& path, Sorted& idx, const std::string& id) {
  if (auto it = idx.keyOf.find(id); it != idx.keyOf.end()) {
    idx.entries.erase(QueryEngine::Keyed{it->second, id});
    idx.keyOf.erase(it);
  }
  if (!engine.store().exists(id)) return;
  QueryEngine::Keyed k = engine.keyed(path, id);
  idx.keyOf[id] = k.key;
  idx.entries.insert(std::move(k));
}

}  // namespace

void QueryEngine::onChanged(const std::vector<std::string>& ids) {
  for (auto& [path, idx] : indexes_->eq) for (const auto& id : ids) reindexEq(store_, path, idx, id);
  for (auto& [path, idx] : indexes_->sorted) for (const auto& id : ids) reindexSorted(*this, path, idx, id);
}

void QueryEngine::countUses(const Expr& where, const QueryOptions& options, Budget& budget) {
  // Building visits every record once; skipped (the query scans) unless the
  // budget can pay for it, so that building never exhausts it.
  auto affordable = [&] {
    std::uint64_t cost = store_.records().size();
    return cost < budget.remaining() && budget.take(cost);
  };
  auto eq = [&](const std::vector<std::string>& path) {
    if (++indexes_->eqUses[path] < options_.indexAfterUses || indexes_->eq.count(path) || !affordable()) return;
    auto& idx = indexes_->eq[path];
    for (const auto& [id, n] : store_.records()) if (n.exists()) reindexEq(store_, path, idx, id);
  };
  auto sorted = [&](const std::vector<std::string>& path) {
    if (++indexes_->sortUses[path] < options_.indexAfterUses || indexes_->sorted.count(path) || !affordable()) return;
    auto& idx = indexes_->sorted[path];
    for (const auto& [id, n] : store_.records()) if (n.exists()) reindexSorted(*this, path, idx, id);
  };
  if (where.kind == Expr::kAnd) {
    for (const auto& c : where.children) {
      if (c.kind != Expr::kField) continue;
      for (const auto& cond : c.conditions) {
        if (cond.op == Op::kEq || cond.op == Op::kIn) eq(c.path);
        if (isRangeOp(cond.op)) sorted(c.path);
      }
    }
  }
  if (!options.field.empty() && options.limit) sorted(options.field);
}

Result<std::vector<std::string>> QueryEngine::select(const Expr& where, const QueryOptions* sortHint, bool* sortedOut,
                                                     Budget& budget) {
  *sortedOut = false;
  std::vector<std::string> out;
  auto test = [&](const std::string& id) {
    ++plan_.examined;
    auto m = nodeMatches(where, id, budget);
    if (m.ok() && *m) out.push_back(id);
  };
  auto done = [&]() -> Result<std::vector<std::string>> {
    if (budget.exhausted()) return budget.exceeded();
    return std::move(out);
  };
  // Find the best access path among top-level conjuncts.
  const Expr* idCond = nullptr;
  const Expr* eqCond = nullptr;
  const Expr* rangeCond = nullptr;
  if (where.kind == Expr::kAnd) {
    for (const auto& c : where.children) {
      if (c.kind != Expr::kField) continue;
      for (const auto& cond : c.conditions) {
        if ((cond.op == Op::kEq || cond.op == Op::kIn) && c.path.size() == 1 && c.path[0] == "id" && !idCond) idCond = &c;
        if ((cond.op == Op::kEq || cond.op == Op::kIn) && indexes_->eq.count(c.path) && !eqCond) eqCond = &c;
        if (isRangeOp(cond.op) && indexes_->sorted.count(c.path) && !rangeCond) rangeCond = &c;
      }
    }
  }
  auto operands = [](const Expr& e) {
    std::vector<const json::value*> vals;
    for (const auto& cond : e.conditions) {
      if (cond.op == Op::kEq) vals.push_back(&cond.operand);
      if (cond.op == Op::kIn) for (const auto& x : cond.operand.get_array()) vals.push_back(&x);
      if (cond.op == Op::kEq || cond.op == Op::kIn) break;
    }
    return vals;
  };
  if (idCond) {
    plan_.access = "id";
    std::unordered_set<std::string> seen;
    for (const json::value* v : operands(*idCond)) {
      if (budget.exhausted()) break;
      if (v->is_string() && seen.insert(std::string(v->get_string())).second) test(std::string(v->get_string()));
    }
    return done();
  }
  bool canWalk = sortHint && sortHint->limit && !sortHint->field.empty() && !sortHint->after && !sortHint->before &&
                 indexes_->sorted.count(sortHint->field);
  if (eqCond && canWalk) {
    // Walking the sort order examines about limit x (nodes / matches) nodes;
    // the equality index examines every match. Take the cheaper.
    std::size_t matches = 0;
    const auto& idx = indexes_->eq.at(eqCond->path);
    for (const json::value* v : operands(*eqCond)) {
      auto b = idx.buckets.find(valueKey(*v));
      if (b != idx.buckets.end()) matches += b->second.size();
    }
    double walk = matches ? static_cast<double>(*sortHint->limit) * store_.liveCount() / matches : store_.liveCount();
    if (walk < static_cast<double>(matches)) eqCond = nullptr;
  }
  if (eqCond) {
    plan_.access = "eq-index " + joinPath(eqCond->path);
    const auto& idx = indexes_->eq.at(eqCond->path);
    std::unordered_set<std::string> seen;
    for (const json::value* v : operands(*eqCond)) {
      auto b = idx.buckets.find(valueKey(*v));
      if (b == idx.buckets.end()) continue;
      for (const auto& id : b->second) {
        if (budget.exhausted()) break;
        if (seen.insert(id).second) test(id);
      }
    }
    return done();
  }
  if (canWalk) {
    plan_.access = "sorted-index " + joinPath(sortHint->field);
    const auto& entries = indexes_->sorted.at(sortHint->field).entries;
    auto walk = [&](auto begin, auto end) {
      for (auto it = begin; it != end && out.size() < *sortHint->limit && !budget.exhausted(); ++it) test(it->id);
    };
    if (sortHint->descending) walk(entries.rbegin(), entries.rend());
    else walk(entries.begin(), entries.end());
    *sortedOut = true;
    return done();
  }
  if (rangeCond) {
    plan_.access = "range-index " + joinPath(rangeCond->path);
    const auto& entries = indexes_->sorted.at(rangeCond->path).entries;
    // Numbers and strings sort after missing/null/bools: scan the key range.
    std::optional<json::value> lo, hi;
    for (const auto& cond : rangeCond->conditions) {
      if (cond.op == Op::kGt || cond.op == Op::kGte) lo = cond.operand;
      if (cond.op == Op::kLt || cond.op == Op::kLte) hi = cond.operand;
      if (cond.op == Op::kBetween) { lo = cond.operand.get_array()[0]; hi = cond.operand.get_array()[1]; }
    }
    auto it = lo ? entries.lower_bound(Keyed{lo, ""}) : entries.begin();
    for (; it != entries.end() && !budget.exhausted(); ++it) {
      if (hi && it->key && compareValues(&*it->key, &*hi) > 0) break;
      test(it->id);
    }
    return done();
  }
  plan_.access = "scan";
  for (const auto& [id, n] : store_.records()) {
    if (!budget.take(1)) break;  // tombstones cost a step too
    if (!n.exists()) continue;
    ++plan_.examined;
    auto m = matches(where, {id, *n.value}, budget);
    if (m.ok() && *m) out.push_back(id);
  }
  return done();
}

Result<std::vector<std::string>> QueryEngine::descendants(const std::vector<std::string>& starts, const CompiledQuery& sub,
                                                          Budget& budget) {
  // Multi-source BFS over visible edges: present edges to live nodes.
  using Entry = std::pair<const std::string*, const graph::NodeRecord*>;
  std::unordered_set<const graph::NodeRecord*> visited;
  std::deque<Entry> queue;
  auto push = [&](const graph::NodeRecord& from) {
    if (!from.exists()) return;
    for (const auto& [target, edge] : from.edges) {
      if (!budget.take(1)) return;
      if (!edge.present) continue;
      auto it = store_.records().find(target);
      if (it == store_.records().end() || !it->second.exists()) continue;
      if (visited.insert(&it->second).second) queue.push_back({&it->first, &it->second});
    }
  };
  for (const auto& s : starts) {
    if (const graph::NodeRecord* n = store_.find(s)) push(*n);
  }
  std::vector<std::string> found;
  while (!queue.empty() && !budget.exhausted()) {
    auto [id, node] = queue.front();
    queue.pop_front();
    ++plan_.examined;
    auto m = matches(sub.where, {*id, *node->value}, budget);
    if (m.ok() && *m) found.push_back(*id);
    push(*node);
  }
  if (budget.exhausted()) return budget.exceeded();
  if (sub.edge) return descendants(found, *sub.edge, budget);
  return found;
}

Result<std::vector<std::string>> QueryEngine::window(const std::vector<Ref>& sorted, const QueryOptions& o) const {
  auto position = [&](const std::string& cursor, bool afterCursor) -> Result<std::size_t> {
    // Index of the first item strictly after (afterCursor) or at-or-after the cursor.
    auto it = std::find_if(sorted.begin(), sorted.end(), [&](const Ref& k) { return *k.id == cursor; });
    if (it != sorted.end()) return static_cast<std::size_t>(it - sorted.begin()) + (afterCursor ? 1 : 0);
    Keyed c = keyed(o.field, cursor);
    bool live = store_.exists(cursor);
    if (!live && !o.field.empty()) {
      return Status::notFound("cursor '" + cursor + "' is not a live node; it can only place itself when sorting by id");
    }
    Ref cr = refOf(c);
    return static_cast<std::size_t>(std::partition_point(sorted.begin(), sorted.end(),
        [&](const Ref& k) { return before(k, cr, o.descending); }) - sorted.begin());
  };
  std::size_t begin = 0, end = sorted.size();
  if (o.after) { CG_ASSIGN_OR_RETURN(begin, position(*o.after, true)); }
  if (o.before) { CG_ASSIGN_OR_RETURN(end, position(*o.before, false)); }
  if (end < begin) end = begin;
  if (o.limit && end - begin > *o.limit) {
    if (o.before && !o.after) begin = end - *o.limit;  // nearest the cursor
    else end = begin + *o.limit;
  }
  std::vector<std::string> out;
  out.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i) out.push_back(*sorted[i].id);
  return out;
}

Result<std::vector<std::string>> QueryEngine::run(const QueryOptions& options) {
  CG_ASSIGN_OR_RETURN(CompiledQuery compiled, compileQuery(options.query));
  return run(options, compiled);
}

Result<std::vector<std::string>> QueryEngine::run(const QueryOptions& options, const CompiledQuery& compiled) {
  plan_ = {};
  Budget budget(options_.workBudget);
  auto out = evaluate(options, compiled, budget);
  plan_.work = budget.used();
  return out;
}

Result<std::vector<std::string>> QueryEngine::evaluate(const QueryOptions& options, const CompiledQuery& compiled,
                                                       Budget& budget) {
  countUses(compiled.where, options, budget);
  bool alreadySorted = false;
  CG_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      select(compiled.where, compiled.edge ? nullptr : &options, &alreadySorted, budget));
  if (compiled.edge) { CG_ASSIGN_OR_RETURN(ids, descendants(ids, *compiled.edge, budget)); }
  if (alreadySorted) return ids;  // walked in order and limited
  std::vector<Ref> sorted;
  sorted.reserve(ids.size());
  std::vector<json::value> scratch(options.field.empty() ? 0 : ids.size());  // one per node: keys stay distinct
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const graph::NodeRecord* n = store_.find(ids[i]);
    sorted.push_back({options.field.empty() ? nullptr : fieldValue({ids[i], *n->value}, options.field, scratch[i]), &ids[i]});
  }
  auto less = [&](const Ref& a, const Ref& b) { return before(a, b, options.descending); };
  if (options.limit && !options.after && !options.before && *options.limit < sorted.size()) {
    std::partial_sort(sorted.begin(), sorted.begin() + static_cast<long>(*options.limit), sorted.end(), less);
    sorted.resize(*options.limit);
  } else {
    std::sort(sorted.begin(), sorted.end(), less);
  }
  return window(sorted, options);
}

}  // namespace cellgraph::query
