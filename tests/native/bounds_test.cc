// Hostile inputs measured: what decoding or answering them costs in memory,
// against the bounds the headers state. Runs in cellgraph_bounds_tests,
// whose malloc is metered (alloc_meter.h); the other suites run the same
// inputs for behaviour.
#include <gtest/gtest.h>

#include "core/mesh/wire.h"
#include "core/sync/messages.h"
#include "tests/native/alloc_meter.h"

namespace cellgraph {
namespace {
using testing::AllocMeter;

// `levels` array32 headers, each promising as many items as there are bytes
// after it, then nils up to `size` bytes.
Bytes nestedHeaders(std::size_t size, int levels) {
  Bytes b;
  b.reserve(size);
  for (int i = 0; i < levels; ++i) {
    std::uint32_t promise = static_cast<std::uint32_t>(size - b.size() - 5);
    b.insert(b.end(), {0xdd, static_cast<std::uint8_t>(promise >> 24), static_cast<std::uint8_t>(promise >> 16),
                       static_cast<std::uint8_t>(promise >> 8), static_cast<std::uint8_t>(promise)});
  }
  b.resize(size, 0xc0);
  return b;
}

// Finding 1: an 8 MiB sync message of 40 nested length headers made the
// decoder's heap peak at 10 GiB before it answered.
TEST(Bounds, NestedLengthHeadersInASyncMessageCostNothing) {
  Bytes message = nestedHeaders(8u << 20, 40);
  AllocMeter::Scope scope;
  auto m = sync::decodeMessage(message, {});
  EXPECT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Code::kTooLarge) << m.status().toString();
  EXPECT_LT(scope.peak(), 64u << 10) << "decoding allocated " << scope.peak() << " bytes";
}

// Finding 1: a 14 MB mesh frame with 4 nested headers took 2 GiB.
TEST(Bounds, NestedLengthHeadersInAMeshFrameCostNothing) {
  Bytes frame = nestedHeaders(14'000'000, 4);
  AllocMeter::Scope scope;
  auto f = mesh::decodeFrame(frame, {});
  EXPECT_FALSE(f.ok());
  EXPECT_LT(scope.peak(), 64u << 10) << "decoding allocated " << scope.peak() << " bytes";
}

// An honest 8 MiB message of small ops: decoding costs a small multiple of
// its size (the bound core/base/msgpack_io.h states: objects <= bytes).
TEST(Bounds, AFullSyncMessageDecodesWithinAFewTimesItsSize) {
  sync::Ops ops;
  ops.mode = sync::OpsMode::kState;
  ops.final = true;
  auto value = std::make_shared<const boost::json::object>(boost::json::object{{"n", 1}, {"name", "node"}});
  auto envelope = [&](std::uint64_t i) {
    char id[16];
    std::snprintf(id, sizeof id, "node-%07llu", static_cast<unsigned long long>(i));
    return crdt::Envelope{{crdt::OpType::kPut, id, "", value}, {1'700'000'000'000 + i, 0, 7}, {}, {}};
  };
  std::size_t each = crdt::encodeEnvelope(envelope(0)).size();
  std::size_t count = std::min<std::size_t>(((8u << 20) - 64) / each, Limits{}.maxOpsPerMessage);
  for (std::uint64_t i = 0; i < count; ++i) ops.envelopes.push_back(envelope(i));
  Bytes message = sync::encodeMessage(ops);
  ops.envelopes.clear();
  AllocMeter::Scope scope;
  auto m = sync::decodeMessage(message, {});
  ASSERT_TRUE(m.ok()) << m.status().toString();
  std::printf("[ bounds ] an OPS message of %zu bytes: decoding peaked at %zu bytes (%.1fx)\n", message.size(),
              scope.peak(), static_cast<double>(scope.peak()) / static_cast<double>(message.size()));
  EXPECT_LT(scope.peak(), 24 * message.size());
}

}  // namespace
}  // namespace cellgraph
