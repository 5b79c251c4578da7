#include "core/query/live.h"

#include <unordered_set>

namespace cellgraph::query {

namespace {

void diff(std::uint32_t sub, const std::vector<std::string>& before, const std::vector<std::string>& after,
          const std::unordered_set<std::string>& changed, std::vector<ChangeEvent>& out) {
  std::unordered_set<std::string> was(before.begin(), before.end()), is(after.begin(), after.end());
  for (const auto& id : before) if (!is.count(id)) out.push_back({sub, id, Action::kRemoved});
  for (const auto& id : after) {
    if (!was.count(id)) out.push_back({sub, id, Action::kAdded});
    else if (changed.count(id)) out.push_back({sub, id, Action::kUpdated});
  }
}

}  // namespace

std::vector<std::string> LiveQueries::windowOf(const Sub& s) const {
  const QueryOptions& o = s.options;
  std::vector<std::string> out;
  if (!o.after && !o.before) {
    for (const auto& k : s.matching) {
      if (o.limit && out.size() >= *o.limit) break;
      out.push_back(k.id);
    }
    return out;
  }
  std::vector<QueryEngine::Ref> sorted;
  sorted.reserve(s.matching.size());
  for (const auto& k : s.matching) sorted.push_back(QueryEngine::refOf(k));
  auto w = engine_.window(sorted, o);
  return w.ok() ? std::move(w).value() : std::vector<std::string>{};  // the cursor node is gone: empty window
}

Result<std::uint32_t> LiveQueries::subscribe(QueryOptions options, std::vector<std::string>* initial) {
  auto sub = std::make_unique<Sub>();
  CG_ASSIGN_OR_RETURN(sub->compiled, compileQuery(options.query));
  sub->options = std::move(options);
  sub->windowed = sub->options.limit || sub->options.after || sub->options.before;
  sub->matching = std::set<QueryEngine::Keyed, Less>(Less{sub->options.descending});
  if (sub->compiled.edge) {
    auto first = engine_.run(sub->options, sub->compiled);
    if (!first.ok() && first.status().code() != Code::kNotFound) return first.status();
    if (first.ok()) sub->window = std::move(first).value();
    if (initial) *initial = sub->window;
  } else {
    QueryOptions all = sub->options;
    all.limit.reset();
    all.after.reset();
    all.before.reset();
    CG_ASSIGN_OR_RETURN(std::vector<std::string> ids, engine_.run(all, sub->compiled));
    for (const auto& id : ids) {
      QueryEngine::Keyed k = engine_.keyed(sub->options.field, id);
      sub->keyOf[id] = k.key;
      sub->matching.insert(std::move(k));
    }
    // A cursor node that is not (yet) here gives an empty window, filled in
    // when the node arrives, e.g. by sync.
    if (sub->windowed) sub->window = windowOf(*sub);
    if (initial) *initial = sub->windowed ? sub->window : windowOf(*sub);
  }
  std::uint32_t id = next_++;
  subs_[id] = std::move(sub);
  return id;
}

bool LiveQueries::unsubscribe(std::uint32_t id) { return subs_.erase(id) > 0; }

std::vector<std::string> LiveQueries::currentOf(const Sub& s) const {
  if (!s.failed.ok()) return {};
  return (s.windowed || s.compiled.edge) ? s.window : windowOf(s);
}

std::vector<std::string> LiveQueries::current(std::uint32_t id) const {
  auto it = subs_.find(id);
  return it == subs_.end() ? std::vector<std::string>{} : currentOf(*it->second);
}

Status LiveQueries::status(std::uint32_t id) const {
  auto it = subs_.find(id);
  if (it == subs_.end()) return Status::notFound("no live query " + std::to_string(id));
  return it->second->failed;
}

void LiveQueries::fail(std::uint32_t subId, Sub& s, Status why, std::vector<ChangeEvent>& out) {
  for (const auto& id : currentOf(s)) out.push_back({subId, id, Action::kRemoved});
  out.push_back({subId, why.toString(), Action::kFailed});
  s.failed = std::move(why);
  s.matching.clear();
  s.keyOf.clear();
  s.window.clear();
}

void LiveQueries::applyEdge(std::uint32_t subId, Sub& s, const std::unordered_set<std::string>& changed,
                            std::vector<ChangeEvent>& out) {
  auto now = engine_.run(s.options, s.compiled);
  evaluations_ += engine_.lastPlan().examined;
  if (!now.ok() && now.status().code() == Code::kTooLarge) return fail(subId, s, now.status(), out);
  std::vector<std::string> after = now.ok() ? std::move(now).value() : std::vector<std::string>{};
  diff(subId, s.window, after, changed, out);
  s.window = std::move(after);
}

void LiveQueries::applyChanges(std::uint32_t subId, Sub& s, const std::vector<std::string>& changedIds,
                               const std::unordered_set<std::string>& changed, std::vector<ChangeEvent>& out) {
  // Evaluate the whole batch first, so a budget failure leaves the state as
  // it was before the batch.
  Budget budget(engine_.workBudget());
  std::vector<bool> matches(changedIds.size());
  for (std::size_t i = 0; i < changedIds.size(); ++i) {
    ++evaluations_;
    auto m = engine_.nodeMatches(s.compiled.where, changedIds[i], budget);
    if (!m.ok()) return fail(subId, s, m.status(), out);
    matches[i] = *m;
  }
  struct Touch { const std::string* id; bool was, is; };
  std::vector<Touch> touched;
  for (std::size_t i = 0; i < changedIds.size(); ++i) {
    const std::string& id = changedIds[i];
    bool is = matches[i];
    auto it = s.keyOf.find(id);
    bool was = it != s.keyOf.end();
    if (!was && !is) continue;
    if (was) {
      s.matching.erase(QueryEngine::Keyed{it->second, id});
      s.keyOf.erase(it);
    }
    if (is) {
      QueryEngine::Keyed k = engine_.keyed(s.options.field, id);
      s.keyOf[id] = k.key;
      s.matching.insert(std::move(k));
    }
    touched.push_back({&id, was, is});
  }
  // A changed cursor node can move the window without being a member.
  bool cursorMoved = (s.options.after && changed.count(*s.options.after)) ||
                     (s.options.before && changed.count(*s.options.before));
  if (touched.empty() && !cursorMoved) return;
  if (s.windowed) {
    std::vector<std::string> after = windowOf(s);
    diff(subId, s.window, after, changed, out);
    s.window = std::move(after);
    return;
  }
  for (const auto& t : touched) {
    out.push_back({subId, *t.id, t.was && t.is ? Action::kUpdated : t.is ? Action::kAdded : Action::kRemoved});
  }
}

std::vector<ChangeEvent> LiveQueries::apply(const std::vector<std::string>& changedIds) {
  evaluations_ = 0;
  std::vector<ChangeEvent> out;
  if (changedIds.empty()) return out;
  std::unordered_set<std::string> changed(changedIds.begin(), changedIds.end());
  for (auto& [subId, sp] : subs_) {
    Sub& s = *sp;
    if (!s.failed.ok()) continue;
    if (s.compiled.edge) applyEdge(subId, s, changed, out);
    else applyChanges(subId, s, changedIds, changed, out);
  }
  return out;
}

}  // namespace cellgraph::query
