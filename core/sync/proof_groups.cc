#include "core/sync/proof_groups.h"

#include <cstring>

namespace cellgraph::sync {
namespace {

using security::Digest;
using security::kMaxGroup;

// The shape of a group's Merkle tree (op_signature.cc builds the same):
// level 0 holds the leaves, each level above half as many rounded up, an
// odd last node moved up as is. Nodes are numbered level by level.
struct Tree {
  explicit Tree(std::size_t count) {
    for (std::size_t n = count, at = 0;; n = (n + 1) / 2) {
      size[levels] = n;
      offset[levels] = at;
      at += n;
      ++levels;
      if (n == 1) break;
    }
  }
  std::size_t node(std::size_t level, std::size_t p) const { return offset[level] + p; }
  // Moved up without a sibling.
  bool promoted(std::size_t level, std::size_t p) const { return p == size[level] - 1 && size[level] % 2 == 1; }
  std::size_t pathLength(std::size_t leaf) const {
    std::size_t n = 0;
    for (std::size_t level = 0; level + 1 < levels; ++level, leaf /= 2) n += promoted(level, leaf) ? 0 : 1;
    return n;
  }
  std::size_t nodes() const { return offset[levels - 1] + 1; }
  std::size_t levels = 0;
  std::array<std::size_t, 8> size{}, offset{};
};

std::size_t arrayHeaderBytes(std::size_t n) { return n < 16 ? 1 : n < 65'536 ? 3 : 5; }
std::size_t binBytes(std::size_t n) { return n + (n < 256 ? 2 : n < 65'536 ? 3 : 5); }

Status malformed(const std::string& what) { return Status::invalidArgument("proof groups: " + what); }

}  // namespace

std::string ProofGroupsBuilder::keyOf(const crdt::Envelope& e) {
  std::string key(reinterpret_cast<const char*>(e.author.data()), e.author.size());
  key.append(reinterpret_cast<const char*>(e.signature.data()), 66);  // signature and (index, count): count is what matters
  key.erase(key.size() - 2, 1);                                       // drop the index
  return key;
}

std::optional<crdt::ProofRef> ProofGroupsBuilder::peek(const crdt::Envelope& e) const {
  if (e.author.size() != 32 || e.signature.size() < 66 || e.signature.size() > security::kMaxProofBytes) return std::nullopt;
  std::size_t leaf = e.signature[64], count = e.signature[65];
  if (count == 0 || count > kMaxGroup || leaf >= count) return std::nullopt;
  if (e.signature.size() != 66 + 32 * Tree(count).pathLength(leaf)) return std::nullopt;
  auto it = index_.find(keyOf(e));
  if (it == index_.end()) return crdt::ProofRef{static_cast<std::uint32_t>(groups_.size()), static_cast<std::uint8_t>(leaf)};
  if (groups_[it->second].known[leaf]) return std::nullopt;  // the same leaf again travels standalone
  return crdt::ProofRef{it->second, static_cast<std::uint8_t>(leaf)};
}

void ProofGroupsBuilder::commit(const crdt::Envelope& e, const crdt::ProofRef& ref) {
  bool fresh = ref.group == groups_.size();
  if (fresh) {
    Group& g = groups_.emplace_back();
    g.author = e.author;
    std::memcpy(g.signature.data(), e.signature.data(), 64);
    g.count = e.signature[65];
    index_.emplace(keyOf(e), ref.group);
  }
  Group& g = groups_[ref.group];
  std::size_t before = fresh ? 0 : entryBytes(g);
  Tree tree(g.count);
  const std::uint8_t* path = e.signature.data() + 66;
  std::size_t p = ref.leaf;
  for (std::size_t level = 0; level < tree.levels; ++level, p /= 2) {
    std::size_t n = tree.node(level, p);
    if (g.known[n]) break;  // a member below it walked up from here already
    g.known[n] = true;
    if (g.needed[n]) {
      g.needed[n] = false;
      --g.neededCount;
    }
    if (level + 1 == tree.levels || tree.promoted(level, p)) continue;
    std::size_t s = tree.node(level, p ^ 1);
    if (!g.known[s] && !g.needed[s]) {
      g.needed[s] = true;
      ++g.neededCount;
      std::memcpy(g.value[s].data(), path, 32);
    }
    path += 32;
  }
  entriesBytes_ += entryBytes(g) - before;
}

std::size_t ProofGroupsBuilder::entryBytes(const Group& g) {
  return 1 + binBytes(32) + binBytes(64) + 1 + binBytes(32 * g.neededCount);
}

std::size_t ProofGroupsBuilder::packedBytes() const {
  return groups_.empty() ? 0 : arrayHeaderBytes(groups_.size()) + entriesBytes_;
}

void ProofGroupsBuilder::pack(crdt::Packer& pk) const {
  pk.pack_array(static_cast<std::uint32_t>(groups_.size()));
  Bytes hashes;
  for (const Group& g : groups_) {
    pk.pack_array(4);
    crdt::packBin(pk, g.author);
    crdt::packBin(pk, ByteView{g.signature.data(), g.signature.size()});
    pk.pack(g.count);
    hashes.clear();
    for (std::size_t n = 0; n < Tree(g.count).nodes(); ++n) {
      if (g.needed[n]) hashes.insert(hashes.end(), g.value[n].begin(), g.value[n].end());
    }
    crdt::packBin(pk, hashes);
  }
}

Bytes ProofGroupsBuilder::packed() const {
  Bytes out;
  if (groups_.empty()) return out;
  crdt::ByteSink sink{out};
  crdt::Packer pk(sink);
  pack(pk);
  return out;
}

void ProofGroupsBuilder::clear() {
  groups_.clear();
  index_.clear();
  entriesBytes_ = 0;
}

Status expandProofGroups(const msgpack::object& table, std::vector<crdt::Envelope>& envelopes,
                         const std::vector<std::optional<crdt::ProofRef>>& refs) {
  if (table.type != msgpack::type::ARRAY) return malformed("the table is not an array");
  const auto& entries = table.via.array;
  // Every entry is some envelope's group, so there are no more than envelopes.
  if (entries.size > envelopes.size()) return malformed("more groups than envelopes");
  struct Entry {
    Bytes author, signature;
    std::size_t count = 0;
    ByteView hashes;
    std::array<std::int32_t, kMaxGroup> member;
  };
  std::vector<Entry> groups(entries.size);
  for (std::uint32_t i = 0; i < entries.size; ++i) {
    const msgpack::object& o = entries.ptr[i];
    if (o.type != msgpack::type::ARRAY || o.via.array.size != 4) return malformed("an entry is an array of 4 fields");
    const msgpack::object* f = o.via.array.ptr;
    Entry& g = groups[i];
    if (f[0].type != msgpack::type::BIN || f[0].via.bin.size != 32) return malformed("an author is 32 bytes");
    if (f[1].type != msgpack::type::BIN || f[1].via.bin.size != 64) return malformed("a signature is 64 bytes");
    if (f[2].type != msgpack::type::POSITIVE_INTEGER || f[2].via.u64 == 0 || f[2].via.u64 > kMaxGroup) {
      return malformed("a group counts 1 to 64 ops");
    }
    if (f[3].type != msgpack::type::BIN || f[3].via.bin.size % 32 != 0) return malformed("tree nodes are 32 bytes each");
    g.author.assign(f[0].via.bin.ptr, f[0].via.bin.ptr + 32);
    g.signature.assign(f[1].via.bin.ptr, f[1].via.bin.ptr + 64);
    g.count = f[2].via.u64;
    g.hashes = {reinterpret_cast<const std::uint8_t*>(f[3].via.bin.ptr), f[3].via.bin.size};
    g.member.fill(-1);
  }
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (!refs[i]) continue;
    if (refs[i]->group >= groups.size()) return malformed("envelope " + std::to_string(i) + " names no group");
    Entry& g = groups[refs[i]->group];
    if (refs[i]->leaf >= g.count) return malformed("envelope " + std::to_string(i) + " is outside its group");
    if (g.member[refs[i]->leaf] >= 0) return malformed("envelope " + std::to_string(i) + " repeats a leaf");
    g.member[refs[i]->leaf] = static_cast<std::int32_t>(i);
  }
  for (Entry& g : groups) {
    Tree tree(g.count);
    std::array<bool, 2 * kMaxGroup - 1> known{};
    std::array<Digest, 2 * kMaxGroup - 1> value;
    bool any = false;
    for (std::size_t leaf = 0; leaf < g.count; ++leaf) {
      if (g.member[leaf] < 0) continue;
      crdt::Envelope& e = envelopes[g.member[leaf]];
      e.author = g.author;
      value[leaf] = security::leafHash(crdt::signedBytes(e));
      for (std::size_t level = 0, p = leaf; level < tree.levels; ++level, p /= 2) known[tree.node(level, p)] = true;
      any = true;
    }
    if (!any) return malformed("a group no envelope names");
    // The nodes the table holds, in node order: unknown siblings of known nodes.
    std::size_t used = 0;
    for (std::size_t level = 0; level + 1 < tree.levels; ++level) {
      for (std::size_t p = 0; p < tree.size[level]; ++p) {
        std::size_t n = tree.node(level, p);
        if (known[n] || tree.promoted(level, p) || !known[tree.node(level, p ^ 1)]) continue;
        if (used + 32 > g.hashes.size()) return malformed("too few tree nodes");
        std::memcpy(value[n].data(), g.hashes.data() + used, 32);
        used += 32;
      }
    }
    if (used != g.hashes.size()) return malformed("too many tree nodes");
    for (std::size_t level = 1; level < tree.levels; ++level) {
      for (std::size_t q = 0; q < tree.size[level]; ++q) {
        std::size_t n = tree.node(level, q), left = tree.node(level - 1, 2 * q);
        if (!known[n]) continue;
        value[n] = 2 * q + 1 < tree.size[level - 1] ? security::nodeHash(value[left], value[left + 1]) : value[left];
      }
    }
    for (std::size_t leaf = 0; leaf < g.count; ++leaf) {
      if (g.member[leaf] < 0) continue;
      Bytes proof(g.signature);
      proof.push_back(static_cast<std::uint8_t>(leaf));
      proof.push_back(static_cast<std::uint8_t>(g.count));
      for (std::size_t level = 0, p = leaf; level + 1 < tree.levels; ++level, p /= 2) {
        if (tree.promoted(level, p)) continue;
        const Digest& sibling = value[tree.node(level, p ^ 1)];
        proof.insert(proof.end(), sibling.begin(), sibling.end());
      }
      envelopes[g.member[leaf]].signature = std::move(proof);
    }
  }
  return {};
}

}  // namespace cellgraph::sync
