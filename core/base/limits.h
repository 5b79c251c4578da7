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
  // Envelopes in one message from a peer. A peer's batch applies whole or
  // not at all, so this bounds what one message can make a replica do;
  // senders chunk by it as well as by bytes.
  std::size_t maxOpsPerMessage = 16'384;
  std::size_t maxOpsPerWrite = 1'000'000;     // ops in one local write (one atomic batch)
  std::size_t maxRangesPerMessage = 4'096;    // reconciliation ranges in one message
};

}  // namespace cellgraph
