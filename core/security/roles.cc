#include "core/security/roles.h"

#include <algorithm>

namespace cellgraph::security {
namespace {

constexpr std::pair<std::string_view, std::uint32_t> kBuiltIn[] = {
    {"read", kRead}, {"sync", kSync}, {"write", kWrite}, {"link", kLink},
    {"publish", kPublish}, {"delete", kDelete}, {"assign", kAssign}};

bool validName(std::string_view n) {
  if (n.empty() || n.size() > 32) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::uint8_t roleOf(const std::vector<Grant>* timeline, const hlc::Timestamp& at) {
  if (!timeline || timeline->empty()) return 0;
  auto it = std::lower_bound(timeline->begin(), timeline->end(), at,
                             [](const Grant& g, const hlc::Timestamp& t) { return g.clock < t; });
  if (it == timeline->begin()) return 0;
  const Grant& g = *std::prev(it);
  return at.wall >= g.notBefore && at.wall < g.expiresAt ? g.role : 0;
}

}  // namespace

RoleTable RoleTable::standard() {
  return make({{"guest", {"read", "sync"}},
               {"user", {"write", "link"}},
               {"manager", {"publish"}},
               {"admin", {"delete", "assign"}},
               {"superadmin", {}}})
      .value();
}

Result<RoleTable> RoleTable::make(const std::vector<std::pair<std::string, std::vector<std::string>>>& roles) {
  if (roles.size() < 2 || roles.size() > kMaxRoles) {
    return Status::invalidArgument("a role table has 2 to " + std::to_string(kMaxRoles) + " roles");
  }
  RoleTable t;
  std::uint32_t inherited = 0;
  for (const auto& [name, adds] : roles) {
    if (!validName(name)) return Status::invalidArgument("role name '" + name + "' is not 1..32 of [a-z0-9_-]");
    if (t.find(name)) return Status::invalidArgument("role '" + name + "' is listed twice");
    for (const std::string& p : adds) {
      std::uint32_t bit = t.permission(p);
      if (!bit) {
        if (!validName(p)) return Status::invalidArgument("permission name '" + p + "' is not 1..32 of [a-z0-9_-]");
        if (t.custom_.size() >= 25) return Status::invalidArgument("a role table names at most 25 own permissions");
        t.custom_.push_back(p);
        bit = 1u << (6 + t.custom_.size());
      }
      inherited |= bit;
    }
    t.roles_.push_back({name, inherited});
  }
  return t;
}

std::optional<std::uint8_t> RoleTable::find(std::string_view name) const {
  for (std::size_t i = 0; i < roles_.size(); ++i) {
    if (roles_[i].name == name) return static_cast<std::uint8_t>(i);
  }
  return std::nullopt;
}

std::uint32_t RoleTable::permission(std::string_view name) const {
  for (const auto& [n, bit] : kBuiltIn) {
    if (n == name) return bit;
  }
  for (std::size_t i = 0; i < custom_.size(); ++i) {
    if (custom_[i] == name) return 1u << (7 + i);
  }
  return 0;
}

Authority::Authority(RoleTable table, std::vector<Identity> superadmins, std::size_t maxCandidates)
    : table_(std::move(table)), superadmins_(superadmins.begin(), superadmins.end()), maxCandidates_(maxCandidates) {}

std::uint8_t Authority::roleAt(const Identity& who, const hlc::Timestamp& at) const {
  if (isSuperadmin(who)) return table_.highest();
  auto it = timelines_.find(who);
  return roleOf(it == timelines_.end() ? nullptr : &it->second, at);
}

template <class RoleOf>
Status Authority::grantRule(const Grant& g, RoleOf roleOf) const {
  std::uint8_t mine = roleOf(g.grantor, g.clock);
  const std::string& name = table_.role(mine).name;
  if (!(table_.role(mine).permissions & kAssign)) return Status::unauthorized("role " + name + " cannot assign roles");
  if (g.grantee == g.grantor) return Status::unauthorized("nobody grants a role to themselves");
  if (isSuperadmin(g.grantee)) return Status::unauthorized("a superadmin's role is fixed by the options");
  if (g.role >= table_.highest()) return Status::unauthorized("the highest role is never granted");
  if (g.role > mine) return Status::unauthorized("role " + name + " cannot grant a higher role");
  if (!isSuperadmin(g.grantor) && roleOf(g.grantee, g.clock) >= mine) {
    return Status::unauthorized("role " + name + " cannot change the role of an equal or higher role");
  }
  return {};
}

Status Authority::checkGrant(const Grant& g) const {
  return grantRule(g, [this](const Identity& who, const hlc::Timestamp& at) { return roleAt(who, at); });
}

Result<bool> Authority::add(const Grant& g) {
  auto it = byId_.find(g.id);
  if (it != byId_.end()) {
    if (g.clock <= it->second.clock) return false;
    it->second = g;
    return true;
  }
  if (byId_.size() >= maxCandidates_) {
    return Status::tooLarge("this database already knows " + std::to_string(byId_.size()) + " grants");
  }
  byId_.emplace(g.id, g);
  return true;
}

bool Authority::holds(const std::string& id, const hlc::Timestamp& clock) const {
  auto it = byId_.find(id);
  return it != byId_.end() && it->second.clock >= clock;
}

Authority::Recomputed Authority::recompute() {
  std::vector<const Grant*> order;
  order.reserve(byId_.size());
  for (const auto& [id, g] : byId_) order.push_back(&g);
  std::sort(order.begin(), order.end(), [](const Grant* a, const Grant* b) {
    return a->clock != b->clock ? a->clock < b->clock : a->id < b->id;
  });
  std::unordered_map<Identity, std::vector<Grant>> next;
  std::map<std::string, hlc::Timestamp> valid;
  auto roleIn = [&](const Identity& who, const hlc::Timestamp& at) -> std::uint8_t {
    if (isSuperadmin(who)) return table_.highest();
    auto it = next.find(who);
    return roleOf(it == next.end() ? nullptr : &it->second, at);
  };
  for (const Grant* g : order) {
    if (!grantRule(*g, roleIn).ok()) continue;
    next[g->grantee].push_back(*g);
    valid.emplace(g->id, g->clock);
  }
  Recomputed out;
  for (const auto& [id, clock] : valid) {
    auto it = valid_.find(id);
    if (it == valid_.end() || it->second != clock) out.nowValid.push_back(id);
  }
  for (const auto& [id, clock] : valid_) {
    if (!valid.count(id)) out.nowInvalid.push_back(id);
  }
  auto compare = [&](const Identity& who, const std::vector<Grant>* a, const std::vector<Grant>* b) {
    static const std::vector<Grant> none;
    const auto& x = a ? *a : none;
    const auto& y = b ? *b : none;
    std::size_t i = 0;
    while (i < x.size() && i < y.size() && x[i].id == y[i].id && x[i].clock == y[i].clock) ++i;
    if (i == x.size() && i == y.size()) return;
    hlc::Timestamp from = i < x.size() ? x[i].clock : y[i].clock;
    if (i < x.size() && i < y.size()) from = std::min(x[i].clock, y[i].clock);
    out.changes.push_back({who, from});
  };
  for (const auto& [who, t] : timelines_) {
    auto it = next.find(who);
    compare(who, &t, it == next.end() ? nullptr : &it->second);
  }
  for (const auto& [who, t] : next) {
    if (!timelines_.count(who)) compare(who, nullptr, &t);
  }
  timelines_ = std::move(next);
  valid_ = std::move(valid);
  return out;
}

}  // namespace cellgraph::security
