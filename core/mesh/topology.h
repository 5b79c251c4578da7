// Cells, bridges and inter-cell links: a pure function of a roster.
//
// Cells. The 64-bit key space is cut like a binary trie: a key prefix whose
// alive population exceeds `cellSize` splits in two; a prefix with at most
// `cellSize` members is a leaf, and a leaf holding two or more members is a
// cell. A split's half that holds one member is no cell: that member is a
// guest of the cell its key's path leads to in the other half (descending
// past lone halves the same way). Why: a cell of one holds every link of its
// depth alone, and the links that the far side aims at it as well, about
// twice the depth (20 connections at 10,000 peers); two members share them.
// So a room of more than `cellSize` members has cells of 2..cellSize members
// plus, rarely, a guest, and a join or a leave changes only the cells under
// one parent (and a guest's host): the rest of the room keeps its topology.
// Every peer in a cell connects to every other (a clique).
//
// Rank. Inside a cell members are ordered healthy first (no flag set),
// then by a hash of (key, cell prefix). A suspected or degraded member
// sinks to the end and loses its bridge duty at once; nobody has to agree
// on anything but the roster.
//
// Links. A cell of depth D (prefix bits p0..pD-1) has one link per level
// d < D to the sibling subtree (p0..pd-1, !pd): the target cell is found by
// descending that subtree along the bits of the slot holder's own key with
// bit d flipped, so in a balanced region the link is exactly the hypercube
// edge "flip bit d", and it is the same link seen from both ends. Each level
// has `linkReplicas` slots; slot (d, r) is held by the member at position
// (d·R + r) mod h of the healthy rank (h healthy members, or all when fewer
// than R are healthy) and connects to the holder of the same slot in the
// target cell. Holders of at least one slot are the cell's bridges.
// Diameter: one link per differing prefix bit plus a hop inside a cell on
// either end, so at most 2·depth + 1 hops; depth is about log2(cells).
//
// Cost: cellOf is O(depth · log n); members O(depth · log n) plus a cellOf
// per lone half on the cell's path; linksOf O(depth² · log n). Nothing is
// cached here: the owner (Mesh) recomputes after membership changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/mesh/roster.h"

namespace cellgraph::mesh {

struct TopologyConfig {
  std::size_t cellSize = 8;      // members per cell, at most (≥ 2)
  std::size_t linkReplicas = 1;  // parallel links per level (≥ 1)
};

struct Cell {
  PeerKey prefix = 0;  // the prefix bits, left-aligned (low 64-depth bits zero)
  unsigned depth = 0;
  friend bool operator==(const Cell&, const Cell&) = default;
  bool contains(PeerKey k) const { return depth == 0 || (k >> (64 - depth)) == (prefix >> (64 - depth)); }
};

struct Link {
  unsigned level = 0;
  unsigned replica = 0;
  const Member* from = nullptr;  // the slot holder in the source cell
  const Member* to = nullptr;    // the holder of the same slot in the target cell
  Cell target;
};

class Topology {
 public:
  Topology(const Roster& roster, TopologyConfig config) : roster_(roster), config_(config) {}

  // The cell a key belongs to (for a guest: its host, which does not
  // contain the key).
  Cell cellOf(PeerKey key) const;
  // Where a key sits for routing: the key itself, or for a guest its host's
  // prefix completed with the key's low bits.
  PeerKey placeOf(PeerKey key) const;
  // Members of a cell: those under its prefix, then its guests.
  std::vector<const Member*> members(const Cell& c) const;
  std::size_t population(const Cell& c) const { return members(c).size(); }
  // Members of a cell in rank order.
  std::vector<const Member*> ranked(const Cell& c) const;
  // The members holding at least one link slot of the cell.
  std::vector<const Member*> bridges(const Cell& c) const;
  // The links a member holds (slots it is the holder of), to their targets.
  std::vector<Link> linksOf(const Member& m) const;
  // Whom `m` dials or keeps: its cell and the targets of its links.
  std::vector<const Member*> neighbours(const Member& m) const;
  // True when either side's neighbours include the other.
  bool linked(const Member& a, const Member& b) const;
  // True when one of `from`'s links goes to `to`.
  bool targets(const Member& from, const Member& to) const;
  // The holder of link slot (level, replica) in a cell; nullptr if empty.
  const Member* slotHolder(const Cell& c, unsigned level, unsigned replica) const { return holder(ranked(c), level, replica); }

  // Upper estimate of the number of cells: every split prefix holds more
  // than cellSize members, so cells ≤ 2n/cellSize.
  std::size_t cellEstimate() const;
  // Hops a broadcast may take: 2·⌈log2 cells⌉ + 3.
  unsigned ttl() const;

 private:
  Cell descend(Cell from, PeerKey guide) const;
  const Member* holder(const std::vector<const Member*>& rankedMembers, unsigned level, unsigned replica) const;

  const Roster& roster_;
  TopologyConfig config_;
};

}  // namespace cellgraph::mesh
