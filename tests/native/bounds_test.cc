// Hostile inputs measured: what decoding or answering them costs in memory,
// against the bounds the headers state. Runs in cellgraph_bounds_tests,
// whose malloc is metered (alloc_meter.h); the other suites run the same
// inputs for behaviour.
#include <gtest/gtest.h>

#include "core/mesh/mesh.h"
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


// A peer linked to `attacker`, which its own signed heartbeat placed.
std::unique_ptr<mesh::Mesh> meshLinkedTo(const std::string& attacker, mesh::MeshConfig config = {}) {
  auto m = std::make_unique<mesh::Mesh>("b", config, 0, mesh::fakeCrypto("b"));
  m->linkUp(attacker, 0);
  mesh::Member self{mesh::keyOf(attacker), attacker, 0, mesh::MemberState::kAlive, 0, {}};
  Bytes tag = mesh::FakeCrypto::tag(1, attacker, mesh::claimDigest(self));
  EXPECT_TRUE(m->receive(attacker, mesh::encodeFrame(mesh::Heartbeat{1, 0, {}, 0, 0, {tag.begin(), tag.end()}}), 0).ok());
  (void)m->takeFrames();
  return m;
}

mesh::Member fake(const std::string& id) {
  mesh::Member m{mesh::keyOf(id), id, 0, mesh::MemberState::kAlive, 0, {}};
  Bytes tag = mesh::FakeCrypto::tag(1, id, mesh::claimDigest(m));
  m.sig.assign(tag.begin(), tag.end());
  return m;
}

// Mesh finding 1: an IWANT naming one cached broadcast 4,096 times got
// 4,096 copies, each copied again by the binding's take(): ~4 GiB for a
// 1 MiB broadcast. Now the host gets one copy: what it sends, and what
// copying every frame out (as the binding does) costs.
TEST(Bounds, AnIwantCannotMultiplyACachedBroadcast) {
  auto b = meshLinkedTo("m");
  auto id = b->broadcast(Bytes(1u << 20, 7), 0);
  ASSERT_TRUE(id.ok());
  (void)b->takeFrames();
  mesh::IwantFrame w;
  w.ids.assign(4096, *id);
  Bytes iwant = mesh::encodeFrame(w);
  AllocMeter::Scope scope;
  ASSERT_TRUE(b->receive("m", iwant, 10).ok());
  std::size_t handed = 0;
  for (const auto& f : b->takeFrames()) {
    Bytes copy(f.bytes->begin(), f.bytes->end());  // the binding's copy into JS
    handed += copy.size();
  }
  std::printf("[ bounds ] an IWANT of %zu bytes: %zu bytes handed to the host, heap peak %zu\n", iwant.size(), handed,
              scope.peak());
  EXPECT_LE(handed, (1u << 20) + 1024);
  EXPECT_LT(scope.peak(), (1u << 20) + (256u << 10));
}

// Mesh finding 3: one GOSSIP of 100,000 fake members was decoded and
// applied. Now it is refused before anything is allocated: a membership
// frame is held to 1,024 entries' worth of bytes.
TEST(Bounds, AGossipOfAHundredThousandMembersCostsNothing) {
  auto b = meshLinkedTo("m");
  mesh::GossipFrame g;
  for (int i = 0; i < 100'000; ++i) g.members.push_back(fake("fake-" + std::to_string(i)));
  Bytes frame = mesh::encodeFrame(g);
  g.members.clear();
  g.members.shrink_to_fit();
  AllocMeter::Scope scope;
  EXPECT_EQ(b->receive("m", frame, 1).code(), Code::kTooLarge);
  std::printf("[ bounds ] a GOSSIP of 100,000 members (%zu bytes): heap peak %zu\n", frame.size(), scope.peak());
  EXPECT_LT(scope.peak(), 64u << 10);
  EXPECT_EQ(b->roster().size(), 2u);
}

// What a hostile link can make a peer hold with validly signed fake
// members at the highest rate the bounds let through: the roster stops at
// maxMembers, and the heap at a few hundred bytes per member.
TEST(Bounds, FakeMembersFillTheRosterOnlyToItsBound) {
  mesh::MeshConfig config;
  config.maxMembers = 5'000;
  auto b = meshLinkedTo("m", config);
  std::vector<Bytes> chunks;
  for (int c = 0; c < 8; ++c) {
    mesh::GossipFrame g;
    for (std::size_t i = 0; i < mesh::kMaxMembersPerFrame; ++i) g.members.push_back(fake("fake-" + std::to_string(c * 1024 + i)));
    chunks.push_back(mesh::encodeFrame(g));
  }
  std::size_t base = AllocMeter::current();
  AllocMeter::Scope scope;
  for (std::int64_t t = 10; t <= 60'000; t += 100) {
    if (b->links().empty()) b->linkUp("m", t);  // unneeded links are hung up: it links again
    (void)b->receive("m", chunks[static_cast<std::size_t>(t / 100) % chunks.size()], t);
    b->tick(t);
    (void)b->takeFrames();
    (void)b->takeDials();
  }
  std::size_t held = AllocMeter::current() - base;
  std::printf("[ bounds ] %zu members from one link in 60 s: heap %zu bytes held (%zu per member), peak %zu\n",
              b->roster().size(), held, held / b->roster().size(), scope.peak());
  EXPECT_EQ(b->roster().size(), config.maxMembers);
  EXPECT_LT(held, config.maxMembers * 512);
  EXPECT_LT(scope.peak(), config.maxMembers * 512 + (1u << 20));
}

}  // namespace
}  // namespace cellgraph
