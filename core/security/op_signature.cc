#include "core/security/op_signature.h"

#include <sodium.h>

#include <cstring>

#include "core/base/hash.h"
#include "core/security/ed25519.h"

namespace cellgraph::security {
namespace {

constexpr std::string_view kDomain = "cellgraph/ops/v1";

Bytes rootMessage(const Digest& database, const Digest& root, std::size_t count) {
  Bytes m(kDomain.size() + 2 * 32 + 1);
  std::memcpy(m.data(), kDomain.data(), kDomain.size());
  std::memcpy(m.data() + kDomain.size(), database.data(), 32);
  std::memcpy(m.data() + kDomain.size() + 32, root.data(), 32);
  m.back() = static_cast<std::uint8_t>(count);
  return m;
}

// Folds a leaf up to the root along `path`; false when the path has the
// wrong length for (index, count).
bool fold(Digest leaf, std::size_t index, std::size_t count, ByteView path, Digest& root) {
  std::size_t used = 0;
  for (std::size_t n = count; n > 1; n = (n + 1) / 2, index /= 2) {
    if (index == n - 1 && n % 2 == 1) continue;  // the odd last node moves up as is
    if (used + 32 > path.size()) return false;
    Digest sibling;
    std::memcpy(sibling.data(), path.data() + used, 32);
    used += 32;
    leaf = index % 2 == 0 ? nodeHash(leaf, sibling) : nodeHash(sibling, leaf);
  }
  if (used != path.size()) return false;
  root = leaf;
  return true;
}

}  // namespace

Digest databaseId(std::string_view app, std::string_view room) {
  Hasher h(32);
  h.field(asBytes(std::string_view("cellgraph/db/v1"))).field(asBytes(app)).field(asBytes(room));
  return h.finish256();
}

Digest leafHash(ByteView signedBytes) {
  Hasher h(32);
  h.u64(0).field(signedBytes);
  return h.finish256();
}

Digest nodeHash(const Digest& left, const Digest& right) {
  Hasher h(32);
  h.u64(1).bytes({left.data(), left.size()}).bytes({right.data(), right.size()});
  return h.finish256();
}

Result<std::vector<Bytes>> signGroup(const Digest& database, ByteView secretKey, const std::vector<Digest>& leaves) {
  if (leaves.empty() || leaves.size() > kMaxGroup) {
    return Status::invalidArgument("a signed group has 1 to " + std::to_string(kMaxGroup) + " ops");
  }
  // levels[0] = leaves, levels.back() = {root}
  std::vector<std::vector<Digest>> levels{leaves};
  while (levels.back().size() > 1) {
    const auto& below = levels.back();
    std::vector<Digest> up;
    for (std::size_t i = 0; i + 1 < below.size(); i += 2) up.push_back(nodeHash(below[i], below[i + 1]));
    if (below.size() % 2 == 1) up.push_back(below.back());
    levels.push_back(std::move(up));
  }
  CG_ASSIGN_OR_RETURN(Signature sig, sign(rootMessage(database, levels.back()[0], leaves.size()), secretKey));
  std::vector<Bytes> proofs;
  proofs.reserve(leaves.size());
  for (std::size_t leaf = 0; leaf < leaves.size(); ++leaf) {
    Bytes p(sig.begin(), sig.end());
    p.push_back(static_cast<std::uint8_t>(leaf));
    p.push_back(static_cast<std::uint8_t>(leaves.size()));
    std::size_t index = leaf;
    for (std::size_t level = 0; level + 1 < levels.size(); ++level, index /= 2) {
      const auto& nodes = levels[level];
      if (index == nodes.size() - 1 && nodes.size() % 2 == 1) continue;
      const Digest& sibling = nodes[index ^ 1];
      p.insert(p.end(), sibling.begin(), sibling.end());
    }
    proofs.push_back(std::move(p));
  }
  return proofs;
}

bool ProofVerifier::verify(const Digest& database, ByteView author, const Digest& leaf, ByteView proof) {
  if (author.size() != kPublicKeyBytes || proof.size() < 66 || proof.size() > kMaxProofBytes) return false;
  std::size_t index = proof[64], count = proof[65];
  if (count == 0 || count > kMaxGroup || index >= count) return false;
  Digest root;
  if (!fold(leaf, index, count, proof.subspan(66), root)) return false;
  std::string key(reinterpret_cast<const char*>(author.data()), author.size());
  key.append(reinterpret_cast<const char*>(proof.data()), 64);  // the signature
  key.push_back(static_cast<char>(count));
  auto it = roots_.find(key);
  if (it != roots_.end()) return it->second == root;
  ++checked_;
  if (!security::verify(rootMessage(database, root, count), proof.first(64), author)) return false;
  if (roots_.size() >= capacity_) {
    roots_.erase(order_.front());
    order_.pop_front();
  }
  roots_.emplace(key, root);
  order_.push_back(std::move(key));
  return true;
}

}  // namespace cellgraph::security
