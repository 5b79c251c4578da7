#include "core/query/predicate.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/crdt/value_codec.h"
#include "core/query/geo.h"
#include "core/query/text.h"

namespace cellgraph::query {
namespace json = boost::json;
namespace {

Status bad(const std::string& where, const std::string& what) { return Status::invalidArgument("query " + where + ": " + what); }

std::vector<std::string> splitPath(std::string_view p) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '.') {
      out.emplace_back(p.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool isOperatorObject(const json::value& v) {
  if (!v.is_object() || v.get_object().empty()) return false;
  for (const auto& kv : v.get_object()) {
    if (kv.key().empty() || kv.key()[0] != '$') return false;
  }
  return true;
}

Result<double> number(const json::value& v, const std::string& where) {
  if (!v.is_number()) return bad(where, "expects a number");
  return crdt::numberOf(v);
}

Result<Condition> geoCondition(Op op, const json::value& operand, const std::string& where) {
  Condition c{op, operand, nullptr, {}, {}};
  if (!operand.is_object()) return bad(where, "expects an object");
  const auto& o = operand.get_object();
  const char* const nearKeys[] = {"latitude", "longitude", "radius"};
  const char* const bboxKeys[] = {"minLat", "maxLat", "minLng", "maxLng"};
  const char* const* keys = op == Op::kNear ? nearKeys : bboxKeys;
  int count = op == Op::kNear ? 3 : 4;
  for (int i = 0; i < count; ++i) {
    const json::value* v = o.if_contains(keys[i]);
    if (!v) return bad(where, std::string("needs \"") + keys[i] + "\"");
    CG_ASSIGN_OR_RETURN(c.geo[i], number(*v, where + "." + keys[i]));
  }
  if (op == Op::kNear && c.geo[2] < 0) return bad(where, "radius must not be negative");
  return c;
}

Result<Condition> condition(const std::string& name, const json::value& operand, const std::string& where) {
  static const std::pair<const char*, Op> kOps[] = {
      {"$eq", Op::kEq}, {"$ne", Op::kNe}, {"$gt", Op::kGt}, {"$gte", Op::kGte}, {"$lt", Op::kLt},
      {"$lte", Op::kLte}, {"$in", Op::kIn}, {"$nin", Op::kNin}, {"$between", Op::kBetween},
      {"$exists", Op::kExists}, {"$startsWith", Op::kStartsWith}, {"$endsWith", Op::kEndsWith},
      {"$contains", Op::kContains}, {"$like", Op::kLike}, {"$regex", Op::kRegex}, {"$text", Op::kText},
      {"$near", Op::kNear}, {"$bbox", Op::kBbox}};
  const std::string at = where + "." + name;
  for (const auto& [n, op] : kOps) {
    if (name != n) continue;
    Condition c{op, operand, nullptr, {}, {}};
    switch (op) {
      case Op::kGt: case Op::kGte: case Op::kLt: case Op::kLte:
        if (!operand.is_number() && !operand.is_string()) return bad(at, "expects a number or a string");
        break;
      case Op::kIn: case Op::kNin:
        if (!operand.is_array()) return bad(at, "expects an array");
        break;
      case Op::kBetween:
        if (!operand.is_array() || operand.get_array().size() != 2) return bad(at, "expects [min, max]");
        for (const auto& x : operand.get_array()) {
          if (!x.is_number() && !x.is_string()) return bad(at, "bounds must be numbers or strings");
        }
        break;
      case Op::kExists:
        if (!operand.is_bool()) return bad(at, "expects true or false");
        break;
      case Op::kStartsWith: case Op::kEndsWith:
        if (!operand.is_string()) return bad(at, "expects a string");
        break;
      case Op::kContains:
        if (operand.is_object() || operand.is_array()) return bad(at, "expects a string or a scalar");
        break;
      case Op::kLike: {
        if (!operand.is_string()) return bad(at, "expects a string");
        auto r = Regex::like(operand.get_string());
        if (!r.ok()) return r.status().withContext("query " + at);
        c.regex = std::make_shared<const Regex>(std::move(r).value());
        break;
      }
      case Op::kRegex: {
        if (!operand.is_string()) return bad(at, "expects a string");
        auto r = Regex::compile(operand.get_string(), true);
        if (!r.ok()) return r.status().withContext("query " + at);
        c.regex = std::make_shared<const Regex>(std::move(r).value());
        break;
      }
      case Op::kText:
        if (!operand.is_string()) return bad(at, "expects a string");
        c.text = normalizeText(operand.get_string());
        break;
      case Op::kNear: case Op::kBbox: return geoCondition(op, operand, at);
      default: break;
    }
    return c;
  }
  return bad(at, "unknown operator " + name);
}

Result<Expr> compileObject(const json::object& q, const std::string& where, bool allowEdge, const json::value** edgeOut);

Result<Expr> compileField(const std::string& key, const json::value& cond, const std::string& where) {
  Expr e;
  e.kind = Expr::kField;
  e.path = splitPath(key);
  for (const auto& part : e.path) {
    if (part.empty()) return bad(where, "empty segment in the field path '" + key + "'");
  }
  const std::string at = where.empty() ? key : where + "." + key;
  if (isOperatorObject(cond)) {
    for (const auto& kv : cond.get_object()) {
      CG_ASSIGN_OR_RETURN(Condition c, condition(std::string(kv.key()), kv.value(), at));
      e.conditions.push_back(std::move(c));
    }
  } else {
    if (cond.is_object()) {
      for (const auto& kv : cond.get_object()) {
        if (!kv.key().empty() && kv.key()[0] == '$') return bad(at, "mixes operators and plain keys");
      }
    }
    e.conditions.push_back({Op::kEq, cond, nullptr, {}, {}});
  }
  return e;
}

Result<Expr> compileList(const json::value& v, Expr::Kind kind, const std::string& at) {
  if (!v.is_array() || v.get_array().empty()) return bad(at, "expects a non-empty array of queries");
  Expr e;
  e.kind = kind;
  std::size_t i = 0;
  for (const auto& x : v.get_array()) {
    std::string here = at + "[" + std::to_string(i++) + "]";
    if (!x.is_object()) return bad(here, "expects a query object");
    CG_ASSIGN_OR_RETURN(Expr child, compileObject(x.get_object(), here, false, nullptr));
    e.children.push_back(std::move(child));
  }
  return e;
}

Result<Expr> compileObject(const json::object& q, const std::string& where, bool allowEdge, const json::value** edgeOut) {
  Expr all;
  all.kind = Expr::kAnd;
  for (const auto& kv : q) {
    std::string key(kv.key());
    std::string at = where.empty() ? key : where + "." + key;
    if (key == "$and" || key == "$or") {
      CG_ASSIGN_OR_RETURN(Expr e, compileList(kv.value(), key == "$and" ? Expr::kAnd : Expr::kOr, at));
      all.children.push_back(std::move(e));
    } else if (key == "$not") {
      if (!kv.value().is_object()) return bad(at, "expects a query object");
      CG_ASSIGN_OR_RETURN(Expr inner, compileObject(kv.value().get_object(), at, false, nullptr));
      Expr e;
      e.kind = Expr::kNot;
      e.children.push_back(std::move(inner));
      all.children.push_back(std::move(e));
    } else if (key == "$edge") {
      if (!allowEdge) return bad(at, "$edge is allowed only at the top level of a query or of another $edge");
      if (!kv.value().is_object()) return bad(at, "expects a query object");
      *edgeOut = &kv.value();
    } else if (key == "$near" || key == "$bbox") {
      CG_ASSIGN_OR_RETURN(Condition c, geoCondition(key == "$near" ? Op::kNear : Op::kBbox, kv.value(), at));
      Expr e;
      e.kind = Expr::kGeo;
      e.conditions.push_back(std::move(c));
      all.children.push_back(std::move(e));
    } else if (!key.empty() && key[0] == '$') {
      return bad(at, "unknown operator " + key);
    } else {
      CG_ASSIGN_OR_RETURN(Expr e, compileField(key, kv.value(), where));
      all.children.push_back(std::move(e));
    }
  }
  return all;
}

Result<CompiledQuery> compileLevel(const json::object& q, const std::string& where, int depth) {
  if (depth > 16) return Status::tooLarge("query: $edge nests deeper than 16 levels");
  CompiledQuery out;
  const json::value* edge = nullptr;
  CG_ASSIGN_OR_RETURN(out.where, compileObject(q, where, true, &edge));
  if (edge) {
    CG_ASSIGN_OR_RETURN(CompiledQuery sub, compileLevel(edge->get_object(), where.empty() ? "$edge" : where + ".$edge", depth + 1));
    out.edge = std::make_unique<CompiledQuery>(std::move(sub));
  }
  return out;
}

// ---- evaluation ----

int typeRank(const json::value* v) {
  if (!v) return 0;
  switch (v->kind()) {
    case json::kind::null: return 1;
    case json::kind::bool_: return 2;
    case json::kind::int64: case json::kind::uint64: case json::kind::double_: return 3;
    case json::kind::string: return 4;
    case json::kind::array: return 5;
    case json::kind::object: return 6;
  }
  return 7;
}

// One step per value compared, plus one per 64 bytes of equal-length strings.
bool equalValues(const json::value& a, const json::value& b, Budget& budget) {
  if (!budget.take(1)) return false;
  if (a.is_number() && b.is_number()) return crdt::numberOf(a) == crdt::numberOf(b);
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) if (!equalValues(x[i], y[i], budget)) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const json::value* o = y.if_contains(kv.key());
      if (!o || !equalValues(kv.value(), *o, budget)) return false;
    }
    return true;
  }
  if (a.is_string() && a.get_string().size() == b.get_string().size() && !budget.take(a.get_string().size() / 64)) return false;
  return a == b;
}

// Ordering for $gt/$lt/$between: numbers with numbers, strings with strings.
std::optional<int> orderOf(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    double x = crdt::numberOf(a), y = crdt::numberOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    int c = a.get_string().compare(b.get_string());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return std::nullopt;
}

bool coordinates(const json::object* o, double& lat, double& lng) {
  if (!o->contains("latitude") && !o->contains("lat")) {
    const json::value* loc = o->if_contains("location");
    if (!loc || !loc->is_object()) return false;
    o = &loc->get_object();
  }
  const json::value* la = o->if_contains("latitude");
  if (!la) la = o->if_contains("lat");
  const json::value* ln = o->if_contains("longitude");
  if (!ln) ln = o->if_contains("lng");
  if (!la || !ln || !la->is_number() || !ln->is_number()) return false;
  lat = crdt::numberOf(*la);
  lng = crdt::numberOf(*ln);
  return true;
}

bool geoMatch(const Condition& c, const json::object* o) {
  double lat, lng;
  if (!o || !coordinates(o, lat, lng)) return false;
  if (c.op == Op::kNear) return haversineKm(c.geo[0], c.geo[1], lat, lng) <= c.geo[2];
  return lat >= c.geo[0] && lat <= c.geo[1] && lng >= c.geo[2] && lng <= c.geo[3];
}

bool regexMatch(const Regex& re, std::string_view text, Budget& budget) {
  auto r = re.matches(text, budget);
  return r.ok() && *r;
}

// A condition on one scalar (or whole) value, as `op` (which overrides
// c.op for $ne/$nin); `v` is never null here.
bool scalarMatch(const Condition& c, Op op, const json::value& v, Budget& budget) {
  if (!budget.take(1)) return false;
  auto str = [&]() -> std::string_view { return v.get_string(); };
  switch (op) {
    case Op::kEq: return equalValues(v, c.operand, budget);
    case Op::kGt: { auto o = orderOf(v, c.operand); return o && *o > 0; }
    case Op::kGte: { auto o = orderOf(v, c.operand); return o && *o >= 0; }
    case Op::kLt: { auto o = orderOf(v, c.operand); return o && *o < 0; }
    case Op::kLte: { auto o = orderOf(v, c.operand); return o && *o <= 0; }
    case Op::kIn:
      for (const auto& x : c.operand.get_array()) {
        if (equalValues(v, x, budget)) return true;
        if (budget.exhausted()) return false;
      }
      return false;
    case Op::kBetween: {
      auto lo = orderOf(v, c.operand.get_array()[0]), hi = orderOf(v, c.operand.get_array()[1]);
      return lo && hi && *lo >= 0 && *hi <= 0;
    }
    case Op::kStartsWith:
      return v.is_string() && budget.take(c.operand.get_string().size()) && str().starts_with(c.operand.get_string());
    case Op::kEndsWith:
      return v.is_string() && budget.take(c.operand.get_string().size()) && str().ends_with(c.operand.get_string());
    case Op::kContains:
      if (v.is_string() && c.operand.is_string()) {
        return budget.take(str().size() + c.operand.get_string().size()) && containsLinear(str(), c.operand.get_string());
      }
      return equalValues(v, c.operand, budget);
    case Op::kLike:
    case Op::kRegex:
      return v.is_string() && regexMatch(*c.regex, str(), budget);
    case Op::kText:
      return v.is_string() && budget.take(2 * str().size() + c.text.size()) && containsNormalized(str(), c.text);
    default: return false;
  }
}

bool conditionMatch(const Condition& c, Op op, const json::value* v, Budget& budget) {
  switch (op) {
    case Op::kExists: return (v != nullptr) == c.operand.get_bool();
    case Op::kNe: return !conditionMatch(c, Op::kEq, v, budget);
    case Op::kNin: return !conditionMatch(c, Op::kIn, v, budget);
    case Op::kNear: case Op::kBbox:
      return budget.take(1) && geoMatch(c, v && v->is_object() ? &v->get_object() : nullptr);
    default: break;
  }
  if (!v) return false;
  if (scalarMatch(c, op, *v, budget)) return true;
  if (v->is_array()) {  // any element
    for (const auto& e : v->get_array()) {
      if (scalarMatch(c, op, e, budget)) return true;
      if (budget.exhausted()) return false;
    }
  }
  return false;
}

// One step per node; the answer is meaningless once the budget is exhausted.
bool evaluate(const Expr& e, const NodeView& node, Budget& budget) {
  if (!budget.take(1)) return false;
  switch (e.kind) {
    case Expr::kAnd:
      for (const auto& c : e.children) if (!evaluate(c, node, budget)) return false;
      return true;
    case Expr::kOr:
      for (const auto& c : e.children) {
        if (evaluate(c, node, budget)) return true;
        if (budget.exhausted()) return false;
      }
      return false;
    case Expr::kNot: return !evaluate(e.children[0], node, budget);
    case Expr::kGeo: return geoMatch(e.conditions[0], &node.value);
    case Expr::kField: {
      json::value scratch;
      const json::value* v = fieldValue(node, e.path, scratch);
      for (const auto& c : e.conditions) if (!conditionMatch(c, c.op, v, budget)) return false;
      return true;
    }
  }
  return false;
}

}  // namespace

Result<CompiledQuery> compileQuery(const json::object& query) { return compileLevel(query, "", 0); }

const json::value* fieldValue(const NodeView& node, const std::vector<std::string>& path, json::value& scratch) {
  const json::value* cur = node.value.if_contains(path[0]);
  if (!cur) {
    if (path.size() == 1 && path[0] == "id") {
      scratch = json::string(node.id);
      return &scratch;
    }
    return nullptr;
  }
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (!cur->is_object()) return nullptr;
    cur = cur->get_object().if_contains(path[i]);
    if (!cur) return nullptr;
  }
  return cur;
}

Result<bool> matches(const Expr& e, const NodeView& node, Budget& budget) {
  bool m = evaluate(e, node, budget);
  if (budget.exhausted()) return budget.exceeded();
  return m;
}

namespace {

// An object's members in key order, whatever order they were inserted in.
std::vector<const json::key_value_pair*> byKey(const json::object& o) {
  std::vector<const json::key_value_pair*> members;
  members.reserve(o.size());
  for (const auto& kv : o) members.push_back(&kv);
  std::sort(members.begin(), members.end(), [](auto* x, auto* y) { return x->key() < y->key(); });
  return members;
}

}  // namespace

// Arrays element by element, then the shorter first; objects member by
// member in key order (key, then value), then the smaller first. Values are
// nested at most Limits::maxDepth deep (crdt/value_codec.h), which bounds
// the recursion.
int compareValues(const json::value* a, const json::value* b) {
  int ra = typeRank(a), rb = typeRank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (!a || a->is_null()) return 0;
  if (a->is_bool()) return a->get_bool() == b->get_bool() ? 0 : (a->get_bool() ? 1 : -1);
  if (auto o = orderOf(*a, *b)) return *o;
  const auto sizes = [](std::size_t x, std::size_t y) { return x < y ? -1 : x > y ? 1 : 0; };
  if (a->is_array()) {
    const auto &x = a->get_array(), &y = b->get_array();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (int c = compareValues(&x[i], &y[i])) return c;
    }
    return sizes(x.size(), y.size());
  }
  const auto x = byKey(a->get_object()), y = byKey(b->get_object());
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (int c = x[i]->key().compare(y[i]->key())) return c < 0 ? -1 : 1;
    if (int c = compareValues(&x[i]->value(), &y[i]->value())) return c;
  }
  return sizes(x.size(), y.size());
}

}  // namespace cellgraph::query
