#include "core/base/hex.h"

namespace cellgraph {
namespace {

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string encodeHex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

Result<Bytes> decodeHex(std::string_view text) {
  if (text.size() % 2 != 0) {
    return Status::invalidArgument("hex text has odd length " + std::to_string(text.size()));
  }
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(text[2 * i]);
    int lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::invalidArgument("not a hex digit at position " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string encodeHex64(std::uint64_t v) {
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return encodeHex(b);
}

Result<std::uint64_t> decodeHex64(std::string_view text) {
  if (text.size() != 16) return Status::invalidArgument("a 64-bit id is 16 hex digits, got " + std::to_string(text.size()));
  CG_ASSIGN_OR_RETURN(Bytes b, decodeHex(text));
  std::uint64_t v = 0;
  for (auto x : b) v = v << 8 | x;
  return v;
}

}  // namespace cellgraph
