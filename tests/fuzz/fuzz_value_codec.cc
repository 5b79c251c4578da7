// Node values from the wire (crdt/value_codec.h): any bytes decode to a value
// or an error; a decoded value passes the local-write checks, and its
// canonical encoding is a fixpoint: it decodes to a value that encodes to the
// same bytes again (a float 3.0 may come back as the integer 3, once).
#include <cstdint>

#include "core/crdt/value_codec.h"
#include "tests/fuzz/fuzz_check.h"

using namespace cellgraph;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Limits limits;
  auto value = crdt::decodeObject({data, size}, limits);
  if (!value.ok()) return 0;
  FUZZ_CHECK(crdt::validateObject(*value, limits).ok());
  Bytes canonical = crdt::encodeObject(*value);
  auto again = crdt::decodeObject(canonical, limits);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(crdt::encodeObject(*again) == canonical);
  auto third = crdt::decodeObject(canonical, limits);
  FUZZ_CHECK(third.ok() && *third == *again);
  return 0;
}
