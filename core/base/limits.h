// Bounds on everything that can arrive from a peer or a caller. Every decoder
// checks them before allocating; exceeding one is Code::kTooLarge and applies
// nothing.
#pragma once

#include <cstddef>

namespace cellgraph {

struct Limits {
  std::size_t maxMessageBytes = 8u << 20;     // one sync message
  std::size_t maxValueBytes = 256u << 10;     // one node value, MessagePack-encoded
  std::size_t maxDepth = 32;                  // nesting of arrays/objects in a value
  std::size_t maxIdBytes = 512;               // node ids and edge targets (UTF-8)
  std::size_t maxOpsPerMessage = 200'000;     // envelopes in one message
  std::size_t maxRangesPerMessage = 4'096;    // reconciliation ranges in one message
};

}  // namespace cellgraph
