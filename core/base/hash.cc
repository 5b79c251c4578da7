#include "core/base/hash.h"

#include <sodium.h>

#include <cstring>

namespace cellgraph {

static_assert(sizeof(crypto_generichash_state) <= 384, "Hasher state buffer too small");

std::array<std::uint8_t, 16> Hash128::toBytes() const {
  std::array<std::uint8_t, 16> out;
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    out[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  return out;
}

Hash128 Hash128::fromBytes(const std::uint8_t* p) {
  Hash128 h;
  for (int i = 0; i < 8; ++i) {
    h.hi = h.hi << 8 | p[i];
    h.lo = h.lo << 8 | p[8 + i];
  }
  return h;
}

Hasher::Hasher(std::size_t outBytes) : outBytes_(outBytes) {
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_), nullptr, 0, outBytes_);
}

Hasher& Hasher::bytes(ByteView b) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), b.data(), b.size());
  return *this;
}

Hasher& Hasher::u64(std::uint64_t v) {
  std::uint8_t buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return bytes({buf, 8});
}

Hasher& Hasher::field(ByteView b) { return u64(b.size()).bytes(b); }

Hash128 Hasher::finish128() {
  std::uint8_t out[16];
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), out, 16);
  return Hash128::fromBytes(out);
}

std::array<std::uint8_t, 32> Hasher::finish256() {
  std::array<std::uint8_t, 32> out;
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), out.data(), 32);
  return out;
}

std::array<std::uint8_t, 32> sha256(ByteView data) {
  static_assert(crypto_hash_sha256_BYTES == 32);
  std::array<std::uint8_t, 32> out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

}  // namespace cellgraph
