#include "core/mesh/topology.h"

#include <algorithm>
#include <bit>

namespace cellgraph::mesh {
namespace {

PeerKey bitAt(PeerKey key, unsigned depth) { return (key >> (63 - depth)) & 1; }

Cell child(const Cell& c, PeerKey bit) {
  return {c.prefix | (bit << (63 - c.depth)), c.depth + 1};
}

// The subtree that parts from `c`'s prefix at bit d (d < c.depth).
Cell siblingAt(const Cell& c, unsigned d) {
  PeerKey above = d == 0 ? 0 : c.prefix & (~PeerKey{0} << (64 - d));
  return {above | ((bitAt(c.prefix, d) ^ 1) << (63 - d)), d + 1};
}

// splitmix64: a fixed, well-mixed rank within a cell.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

Cell Topology::descend(Cell c, PeerKey guide) const {
  while (c.depth < 64 && roster_.countPrefix(c.prefix, c.depth) > config_.cellSize) {
    Cell next = child(c, bitAt(guide, c.depth));
    if (roster_.countPrefix(next.prefix, next.depth) <= 1) next = child(c, bitAt(guide, c.depth) ^ 1);
    c = next;
  }
  return c;
}

Cell Topology::cellOf(PeerKey key) const { return descend({}, key); }

PeerKey Topology::placeOf(PeerKey key) const {
  Cell c = cellOf(key);
  if (c.contains(key)) return key;
  return c.prefix | (c.depth >= 64 ? 0 : key & (~PeerKey{0} >> c.depth));
}

std::vector<const Member*> Topology::members(const Cell& c) const {
  std::vector<const Member*> out;
  roster_.forEachPrefix(c.prefix, c.depth, [&](const Member& m) { out.push_back(&m); });
  // A guest comes from a subtree that parts from the cell's path and holds
  // only that member.
  for (unsigned d = 0; d < c.depth; ++d) {
    Cell s = siblingAt(c, d);
    if (roster_.countPrefix(s.prefix, s.depth) != 1) continue;
    const Member& lone = roster_.at(roster_.rank(s.prefix));
    if (cellOf(lone.key) == c) out.push_back(&lone);
  }
  return out;
}

std::vector<const Member*> Topology::ranked(const Cell& c) const {
  std::vector<const Member*> out = members(c);
  std::uint64_t salt = mix(c.prefix ^ c.depth);
  auto score = [&](const Member* m) { return std::pair{m->demoted(), mix(m->key ^ salt)}; };
  std::sort(out.begin(), out.end(), [&](const Member* a, const Member* b) {
    auto sa = score(a), sb = score(b);
    return sa != sb ? sa < sb : a->id < b->id;
  });
  return out;
}

const Member* Topology::holder(const std::vector<const Member*>& r, unsigned level, unsigned replica) const {
  if (r.empty()) return nullptr;
  std::size_t healthy = static_cast<std::size_t>(
      std::find_if(r.begin(), r.end(), [](const Member* m) { return m->demoted(); }) - r.begin());
  std::size_t pool = healthy >= std::min(config_.linkReplicas, r.size()) && healthy > 0 ? healthy : r.size();
  return r[(level * config_.linkReplicas + replica) % pool];
}

std::vector<Link> Topology::linksOf(const Member& m) const {
  std::vector<Link> out;
  Cell own = cellOf(m.key);
  auto mine = ranked(own);
  for (unsigned d = 0; d < own.depth; ++d) {
    for (unsigned r = 0; r < config_.linkReplicas; ++r) {
      if (holder(mine, d, r) != &m) continue;
      Cell sibling = siblingAt(own, d);
      // A lone member over there is a guest on this side: no cell to link.
      if (roster_.countPrefix(sibling.prefix, sibling.depth) <= 1) continue;
      Cell target = descend(sibling, m.key ^ (PeerKey{1} << (63 - d)));
      auto theirs = ranked(target);
      const Member* to = holder(theirs, d, r);
      // Symmetric when the target's own level-d link comes back to this cell:
      // then both ends name the same pair. Otherwise spread the incoming
      // links of a shallow cell over its members.
      Cell ownSide{sibling.prefix ^ (PeerKey{1} << (63 - d)), d + 1};
      if (descend(ownSide, to->key ^ (PeerKey{1} << (63 - d))) != own) {
        to = theirs[mix(own.prefix ^ (std::uint64_t{d} << 8 | r) ^ mix(own.depth)) % theirs.size()];
      }
      out.push_back({d, r, &m, to, target});
    }
  }
  return out;
}

std::vector<const Member*> Topology::bridges(const Cell& c) const {
  auto r = ranked(c);
  std::vector<const Member*> out;
  for (unsigned d = 0; d < c.depth; ++d) {
    for (unsigned k = 0; k < config_.linkReplicas; ++k) {
      const Member* h = holder(r, d, k);
      if (h && std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
    }
  }
  return out;
}

std::vector<const Member*> Topology::neighbours(const Member& m) const {
  std::vector<const Member*> out = members(cellOf(m.key));
  std::erase(out, &m);
  for (const Link& l : linksOf(m)) {
    if (l.to != &m && std::find(out.begin(), out.end(), l.to) == out.end()) out.push_back(l.to);
  }
  return out;
}

bool Topology::targets(const Member& from, const Member& to) const {
  for (const Link& l : linksOf(from)) {
    if (l.to == &to) return true;
  }
  return false;
}

bool Topology::linked(const Member& a, const Member& b) const {
  return cellOf(a.key) == cellOf(b.key) || targets(a, b) || targets(b, a);
}

std::size_t Topology::cellEstimate() const {
  std::size_t n = roster_.size();
  return std::max<std::size_t>(1, (2 * n + config_.cellSize - 1) / config_.cellSize);
}

unsigned Topology::ttl() const {
  std::size_t cells = roster_.size() <= config_.cellSize ? 1 : cellEstimate();
  return 2 * static_cast<unsigned>(std::bit_width(cells - 1)) + 3;
}

}  // namespace cellgraph::mesh
