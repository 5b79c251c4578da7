#include "core/mesh/roster.h"

#include <algorithm>
#include <tuple>

#include "core/base/hash.h"

namespace cellgraph::mesh {

PeerKey keyOf(std::string_view id) {
  auto h = sha256(asBytes(id));
  PeerKey k = 0;
  for (int i = 0; i < 8; ++i) k = (k << 8) | h[i];
  return k;
}

Member mergeMembers(const Member& a, const Member& b) {
  if (a.incarnation != b.incarnation) return a.incarnation > b.incarnation ? a : b;
  if (!a.sameClaim(b)) {
    auto claim = [](const Member& m) { return std::make_tuple(m.state, m.flags & kOwnFlags, std::string_view(m.sig)); };
    return claim(a) > claim(b) ? a : b;
  }
  Member m = a;
  m.flags = static_cast<std::uint8_t>(a.flags | b.flags);
  return m;
}

namespace {
std::uint64_t itemHash(const Member& m) {
  std::uint64_t x = m.key ^ ((std::uint64_t{m.incarnation} << 8 | m.flags) * 0x9E3779B97F4A7C15ull);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

bool lessThan(const Member& m, PeerKey key, std::string_view id) {
  return m.key != key ? m.key < key : std::string_view(m.id) < id;
}
}  // namespace

std::size_t Roster::chunkFor(PeerKey key, std::string_view id) const {
  // The last chunk whose first member is not after (key, id). Searched on
  // heads_, one cache line for many chunks, not on the chunks themselves.
  auto j = static_cast<std::size_t>(std::upper_bound(heads_.begin(), heads_.end(), key) - heads_.begin());
  while (j > 0 && heads_[j - 1] == key && std::string_view(chunks_[j - 1].front().id) > id) --j;
  return j == 0 ? 0 : j - 1;
}

const Member* Roster::find(PeerKey key, std::string_view id) const {
  if (chunks_.empty()) return nullptr;
  const auto& c = chunks_[chunkFor(key, id)];
  auto it = std::lower_bound(c.begin(), c.end(), 0, [&](const Member& m, int) { return lessThan(m, key, id); });
  return it != c.end() && it->key == key && it->id == id ? &*it : nullptr;
}

const Member* Roster::tombstone(std::string_view id) const {
  auto it = tombs_.find(std::string(id));
  return it == tombs_.end() ? nullptr : &it->second.member;
}

void Roster::reindex(std::size_t from) {
  before_.resize(chunks_.size());
  heads_.resize(chunks_.size());
  std::size_t n = from == 0 ? 0 : before_[from - 1] + chunks_[from - 1].size();
  for (std::size_t i = from; i < chunks_.size(); ++i) {
    before_[i] = n;
    heads_[i] = chunks_[i].front().key;
    n += chunks_[i].size();
  }
  total_ = n;
}

void Roster::insertAlive(const Member& m) {
  digest_ += itemHash(m);
  if (chunks_.empty()) {
    chunks_.push_back({m});
    reindex(0);
    return;
  }
  std::size_t i = chunkFor(m.key, m.id);
  auto& c = chunks_[i];
  auto it = std::lower_bound(c.begin(), c.end(), 0, [&](const Member& x, int) { return lessThan(x, m.key, m.id); });
  c.insert(it, m);
  if (c.size() > 2 * kChunk) {
    std::vector<Member> upper(std::make_move_iterator(c.begin() + kChunk), std::make_move_iterator(c.end()));
    c.resize(kChunk);
    c.shrink_to_fit();
    upper.shrink_to_fit();
    chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(upper));
  }
  reindex(i);
}

void Roster::eraseAlive(PeerKey key, std::string_view id) {
  std::size_t i = chunkFor(key, id);
  auto& c = chunks_[i];
  auto it = std::lower_bound(c.begin(), c.end(), 0, [&](const Member& x, int) { return lessThan(x, key, id); });
  digest_ -= itemHash(*it);
  c.erase(it);
  if (c.empty()) chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(i));
  reindex(i == 0 ? 0 : i - 1);
}

Roster::Change Roster::apply(const Member& update, std::int64_t now) {
  if (const Member* current = find(update.key, update.id)) {
    Member merged = mergeMembers(*current, update);
    if (merged == *current) return Change::kNone;
    if (merged.alive()) {
      digest_ += itemHash(merged) - itemHash(*current);
      const_cast<Member*>(current)->incarnation = merged.incarnation;  // same slot, same order
      const_cast<Member*>(current)->flags = merged.flags;
      const_cast<Member*>(current)->sig = merged.sig;
      return Change::kUpdated;
    }
    eraseAlive(update.key, update.id);
    tombs_[merged.id] = {merged, now};
    return Change::kLeft;
  }
  if (auto t = tombs_.find(update.id); t != tombs_.end()) {
    Member merged = mergeMembers(t->second.member, update);
    if (!merged.alive()) {
      bool changed = !(merged == t->second.member);
      t->second.member = merged;
      return changed ? Change::kUpdated : Change::kNone;
    }
    tombs_.erase(t);
    insertAlive(merged);
    return Change::kJoined;
  }
  if (!update.alive()) {
    tombs_[update.id] = {update, now};
    return Change::kUpdated;
  }
  insertAlive(update);
  return Change::kJoined;
}

std::size_t Roster::rank(PeerKey k) const {
  if (chunks_.empty()) return 0;
  // The last chunk whose first key is below k holds the boundary.
  auto it = std::lower_bound(heads_.begin(), heads_.end(), k);
  if (it == heads_.begin()) return 0;
  std::size_t i = static_cast<std::size_t>(it - heads_.begin()) - 1;
  const auto& c = chunks_[i];
  auto pos = std::lower_bound(c.begin(), c.end(), k, [](const Member& m, PeerKey key) { return m.key < key; });
  return before_[i] + static_cast<std::size_t>(pos - c.begin());
}

std::size_t Roster::countPrefix(PeerKey lo, unsigned depth) const {
  if (depth == 0) return total_;
  PeerKey hi = lo + (PeerKey{1} << (64 - depth));
  return (hi == 0 ? total_ : rank(hi)) - rank(lo);
}

const Member& Roster::at(std::size_t r) const {
  auto it = std::upper_bound(before_.begin(), before_.end(), r);
  std::size_t i = static_cast<std::size_t>(it - before_.begin()) - 1;
  return chunks_[i][r - before_[i]];
}

void Roster::forEachPrefix(PeerKey lo, unsigned depth, const std::function<void(const Member&)>& fn) const {
  std::size_t from = depth == 0 ? 0 : rank(lo);
  std::size_t n = countPrefix(lo, depth);
  for (std::size_t r = from; r < from + n; ++r) fn(at(r));
}

void Roster::forEach(const std::function<void(const Member&)>& fn) const {
  for (const auto& c : chunks_) for (const auto& m : c) fn(m);
}

std::vector<Member> Roster::snapshot() const {
  std::vector<Member> out;
  out.reserve(total_ + tombs_.size());
  forEach([&](const Member& m) { out.push_back(m); });
  for (const auto& [id, t] : tombs_) out.push_back(t.member);
  return out;
}

void Roster::expire(std::int64_t now) {
  std::erase_if(tombs_, [&](const auto& e) { return now - e.second.since > tombstoneMs_; });
}

}  // namespace cellgraph::mesh
