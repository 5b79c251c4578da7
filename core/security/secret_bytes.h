// A fixed-size buffer of key material that zeroes itself when destroyed or
// overwritten (sodium_memzero, which the optimizer keeps). The one owner
// type for secrets in the core: Ed25519 secret keys, room keys.
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/base/bytes.h"

namespace cellgraph::security {

template <std::size_t N>
class SecretBytes {
 public:
  SecretBytes() { bytes_.fill(0); }
  ~SecretBytes() { sodium_memzero(bytes_.data(), N); }
  SecretBytes(const SecretBytes& other) : bytes_(other.bytes_) {}
  SecretBytes& operator=(const SecretBytes& other) {
    bytes_ = other.bytes_;
    return *this;
  }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  ByteView view() const { return {bytes_.data(), N}; }
  friend bool operator==(const SecretBytes& a, const SecretBytes& b) { return a.bytes_ == b.bytes_; }

 private:
  std::array<std::uint8_t, N> bytes_;
};

}  // namespace cellgraph::security
