#include "core/mesh/crypto.h"

#include <sodium.h>

#include "core/base/hash.h"

namespace cellgraph::mesh {

Digest memberDigest(std::string_view id, std::uint32_t incarnation, std::uint8_t state, std::uint8_t ownFlags) {
  Hasher h(32);
  h.field(asBytes("cellgraph/mesh/v2/member")).field(asBytes(id)).u64(incarnation).u64(state).u64(ownFlags);
  return h.finish256();
}

Digest floodDigest(std::uint8_t kind, std::string_view origin, const std::optional<std::string>& to, std::uint64_t id,
                   ByteView body) {
  Hasher h(32);
  h.field(asBytes("cellgraph/mesh/v2/flood")).u64(kind).field(asBytes(origin)).u64(to ? 1 : 0);
  h.field(asBytes(to ? std::string_view(*to) : std::string_view())).u64(id).field(body);
  return h.finish256();
}

Bytes FakeCrypto::tag(std::uint64_t seed, std::string_view peer, ByteView digest32) {
  Hasher secret(32);
  secret.field(asBytes("cellgraph/mesh/fake-secret")).u64(seed).field(asBytes(peer));
  auto key = secret.finish256();
  Hasher mac(16);
  mac.field(key).field(digest32);
  auto full = mac.finish128().toBytes();
  sodium_memzero(key.data(), key.size());
  return Bytes(full.begin(), full.begin() + kTagBytes);
}

Bytes FakeCrypto::sign(ByteView digest32) { return tag(seed_, self_, digest32); }

bool FakeCrypto::verify(std::string_view peerId, ByteView digest32, ByteView signature) {
  if (signature.size() != kTagBytes) return false;
  Bytes expected = tag(seed_, peerId, digest32);
  return sodium_memcmp(expected.data(), signature.data(), kTagBytes) == 0;
}

}  // namespace cellgraph::mesh
