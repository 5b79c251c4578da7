// Byte buffers. Bytes owns; ByteView borrows and must not outlive its owner.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cellgraph {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView asBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view asChars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace cellgraph
