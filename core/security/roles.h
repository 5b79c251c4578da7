// Roles and who held which one when (ARCHITECTURE.md "Security";
// PROTOCOL.md §10).
//
// RoleTable: roles from lowest to highest, each adding permissions to those
// below it. The standard ladder is guest [read, sync] < user [write, link]
// < manager [publish] < admin [delete, assign] < superadmin [] . The lowest
// role is every identity's without a grant; the highest is held only by the
// superadmins fixed in the options and can never be granted.
//
// Authority: the grants this replica knows (candidates) and, computed from
// them, each identity's role timeline. A grant is valid when its grantor,
// at the grant's clock, held `assign`, the grantee is not the grantor and
// not a superadmin, the role is not the highest, not above the grantor's,
// and (unless the grantor is a superadmin) the grantee's role just before
// was below the grantor's. Validity is decided in one pass over the
// candidates in clock order, so it is a function of the candidate set and
// never of the order they arrived in. roleAt(X, T) is the role of X's
// latest valid grant clocked before T when T's wall time lies in its
// [notBefore, expiresAt), else the lowest role; superadmins always hold the
// highest.
//
// Bounds: at most maxCandidates grants (beyond, add() refuses); one
// recompute is O(G log G) over G candidates.
//
// Depends on base and hlc (a role is held at a clock): the one place where
// core/security reaches past base, because authorization is ordered by the
// same clocks the merge is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/status.h"
#include "core/hlc/hlc.h"

namespace cellgraph::security {

enum Permission : std::uint32_t {
  kRead = 1u << 0,
  kSync = 1u << 1,
  kWrite = 1u << 2,
  kLink = 1u << 3,
  kPublish = 1u << 4,
  kDelete = 1u << 5,
  kAssign = 1u << 6,
  // bits 7..31: the application's own permissions, by name
};

class RoleTable {
 public:
  struct Role {
    std::string name;
    std::uint32_t permissions = 0;  // its own and every lower role's
  };
  static constexpr std::size_t kMaxRoles = 16;

  static RoleTable standard();
  // `roles` lowest first, each {name, the permissions it adds}; names are
  // 1..32 bytes of [a-z0-9_-], permissions the built-in names or up to 25
  // of the application's own. At least two roles.
  static Result<RoleTable> make(const std::vector<std::pair<std::string, std::vector<std::string>>>& roles);

  std::size_t size() const { return roles_.size(); }
  std::uint8_t highest() const { return static_cast<std::uint8_t>(roles_.size() - 1); }
  const Role& role(std::uint8_t level) const { return roles_[level]; }
  std::optional<std::uint8_t> find(std::string_view name) const;
  // The bit for a permission name, built-in or the application's; 0 if unknown.
  std::uint32_t permission(std::string_view name) const;

 private:
  std::vector<Role> roles_;
  std::vector<std::string> custom_;  // application permissions, bit 7 upwards
};

using Identity = std::string;  // a 32-byte Ed25519 public key, as bytes

struct Grant {
  std::string id;  // the record that carries it
  Identity grantor, grantee;
  hlc::Timestamp clock;
  std::uint8_t role = 0;
  std::uint64_t notBefore = 0;
  std::uint64_t expiresAt = UINT64_MAX;
};

class Authority {
 public:
  Authority(RoleTable table, std::vector<Identity> superadmins, std::size_t maxCandidates = 65'536);

  const RoleTable& table() const { return table_; }
  bool isSuperadmin(const Identity& who) const { return superadmins_.count(who) > 0; }
  std::uint8_t roleAt(const Identity& who, const hlc::Timestamp& at) const;
  bool can(const Identity& who, const hlc::Timestamp& at, std::uint32_t permission) const {
    return (table_.role(roleAt(who, at)).permissions & permission) == permission;
  }

  // A candidate for `g.id`; the later clock wins an id held twice (as the
  // store's register does). False when nothing changed; an error when the
  // candidate table is full.
  Result<bool> add(const Grant& g);
  // Why `g` would not be valid by the timelines known now (the grant rule
  // above), or ok. For a local grant, clocked after everything known here.
  Status checkGrant(const Grant& g) const;
  bool holds(const std::string& id, const hlc::Timestamp& clock) const;
  bool valid(const std::string& id) const { return valid_.count(id) > 0; }
  std::size_t candidateCount() const { return byId_.size(); }
  std::size_t validCount() const { return valid_.size(); }

  struct Change {
    Identity who;
    hlc::Timestamp from;  // the timeline may differ for clocks after this one
  };
  // Recomputes validity and timelines after add()s. Returns the identities
  // whose timelines changed, and the grant ids that became valid (or whose
  // valid version changed: a reissue) or invalid.
  struct Recomputed {
    std::vector<Change> changes;
    std::vector<std::string> nowValid, nowInvalid;
  };
  Recomputed recompute();

 private:
  // The grant rule, with roles looked up by `roleOf(identity, clock)`.
  template <class RoleOf>
  Status grantRule(const Grant& g, RoleOf roleOf) const;

  RoleTable table_;
  std::set<Identity> superadmins_;
  std::size_t maxCandidates_;
  std::unordered_map<std::string, Grant> byId_;
  std::map<std::string, hlc::Timestamp> valid_;  // valid grant ids, with the clock of the version held
  // Valid grants per grantee, in clock order.
  std::unordered_map<Identity, std::vector<Grant>> timelines_;
};

}  // namespace cellgraph::security
