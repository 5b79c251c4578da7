// Sync messages from a peer (sync/messages.h): any bytes decode to a message
// or an error, and a decoded message's encoding is a fixpoint (it decodes to
// a message that encodes to the same bytes).
#include <cstdint>

#include "core/sync/messages.h"
#include "tests/fuzz/fuzz_check.h"

using namespace cellgraph;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Limits limits;
  limits.maxMessageBytes = 1u << 20;
  auto m = sync::decodeMessage({data, size}, limits);
  if (!m.ok()) {
    FUZZ_CHECK(m.status().code() != Code::kOk && m.status().code() != Code::kInternal);
    return 0;
  }
  Bytes once = sync::encodeMessage(*m);
  auto again = sync::decodeMessage(once, limits);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(sync::encodeMessage(*again) == once);
  return 0;
}
