// UTF-8 validation for text that arrives as raw bytes (MessagePack strings).
#pragma once

#include <string_view>

namespace cellgraph {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool isValidUtf8(std::string_view s);

}  // namespace cellgraph
