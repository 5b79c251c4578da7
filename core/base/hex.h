// Lower-case hexadecimal encoding of bytes (ids, keys, digests in text form).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/status.h"

namespace cellgraph {

std::string encodeHex(ByteView bytes);
// Accepts upper or lower case; an odd length or a non-hex digit is
// kInvalidArgument naming the offending position.
Result<Bytes> decodeHex(std::string_view text);

// 64-bit ids (replicas, epochs) as exactly 16 hex digits.
std::string encodeHex64(std::uint64_t v);
Result<std::uint64_t> decodeHex64(std::string_view text);

}  // namespace cellgraph
