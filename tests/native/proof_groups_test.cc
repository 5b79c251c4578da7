// Proofs shared inside an OPS message (sync/proof_groups.h): whatever part
// of which groups a message carries, in whatever order, the receiver
// rebuilds every op's standalone proof byte for byte; a message is much
// smaller; and a table that does not fit its envelopes is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <random>

#include "core/base/hex.h"
#include "core/security/ed25519.h"
#include "core/security/op_signature.h"
#include "core/sync/messages.h"
#include "test_util.h"

namespace cellgraph::sync {
namespace {

const security::Digest kDb = security::databaseId("app", "room");

// `n` puts signed as one group by the key from seed byte `who`.
std::vector<crdt::Envelope> signedGroup(std::uint8_t who, std::size_t n, const std::string& prefix) {
  EXPECT_TRUE(security::initCrypto().ok());
  auto pair = security::keyPairFromSeed(Bytes(32, who)).value();
  std::vector<crdt::Envelope> out(n);
  std::vector<security::Digest> leaves;
  for (std::size_t i = 0; i < n; ++i) {
    crdt::Envelope& e = out[i];
    e.op.type = crdt::OpType::kPut;
    e.op.id = prefix + std::to_string(i);
    e.op.value = std::make_shared<const boost::json::object>(testing::obj(R"({"v":1,"name":"a node"})"));
    e.clock = {1'700'000'000'000 + i, 0, who};
    e.author.assign(pair.publicKey.begin(), pair.publicKey.end());
    leaves.push_back(security::leafHash(crdt::signedBytes(e)));
  }
  auto proofs = security::signGroup(kDb, pair.secretKey.view(), leaves).value();
  for (std::size_t i = 0; i < n; ++i) out[i].signature = proofs[i];
  return out;
}

std::vector<crdt::Envelope> roundTrip(const std::vector<crdt::Envelope>& envelopes, std::size_t* bytes = nullptr) {
  Ops ops{OpsMode::kState, 7, 0, 0, true, envelopes};
  Bytes wire = encodeMessage(Message{ops});
  if (bytes) *bytes = wire.size();
  auto m = decodeMessage(wire, Limits{});
  EXPECT_TRUE(m.ok()) << m.status().toString();
  return m.ok() ? std::get<Ops>(m.value()).envelopes : std::vector<crdt::Envelope>{};
}

void expectSame(const std::vector<crdt::Envelope>& a, const std::vector<crdt::Envelope>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(crdt::encodeEnvelope(a[i]), crdt::encodeEnvelope(b[i])) << i;
}

TEST(ProofGroups, AnySubsetOfAnyGroupsInAnyOrderRebuildsEveryProof) {
  std::mt19937_64 rng(15);
  for (int round = 0; round < 300; ++round) {
    std::vector<crdt::Envelope> pool;
    int groups = 1 + static_cast<int>(rng() % 4);
    for (int g = 0; g < groups; ++g) {
      auto members = signedGroup(static_cast<std::uint8_t>(1 + rng() % 2), 1 + rng() % 64, "g" + std::to_string(g) + "-");
      for (auto& e : members) {
        if (rng() % 3 != 0) pool.push_back(std::move(e));
      }
    }
    crdt::Envelope bare;
    bare.op.type = crdt::OpType::kRemove;
    bare.op.id = "unsigned";
    pool.push_back(bare);
    if (!pool.empty() && rng() % 4 == 0) pool.push_back(pool[rng() % pool.size()]);  // the same op twice
    std::shuffle(pool.begin(), pool.end(), rng);
    expectSame(roundTrip(pool), pool);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(ProofGroups, AWholeGroupCostsItsSignatureOnceAndNoPath) {
  auto group = signedGroup(1, 64, "n");
  std::size_t grouped = 0;
  expectSame(roundTrip(group), group);
  roundTrip(group, &grouped);
  std::size_t standalone = 0;
  for (const auto& e : group) standalone += crdt::encodeEnvelope(e).size();
  // An envelope without author and proof, its reference, and 1/64 of the entry.
  EXPECT_LT(grouped, standalone / 3) << grouped << " vs " << standalone;
  std::size_t bare = 0;
  for (auto e : group) {
    e.author.clear();
    e.signature.clear();
    bare += crdt::encodeEnvelope(e).size();
  }
  EXPECT_LT(grouped, bare + 64 * 4 + 120);
}

TEST(ProofGroups, ChunkedMessagesRebuildEveryProofAndKeepTheirBound) {
  auto a = signedGroup(1, 64, "a"), b = signedGroup(2, 37, "b");
  std::vector<crdt::Envelope> all(a.begin(), a.end());
  all.insert(all.end(), b.begin(), b.end());
  std::shuffle(all.begin(), all.end(), std::mt19937_64(3));
  for (std::size_t maxBytes : {600u, 2'000u, 9'000u, 1u << 20}) {
    auto chunks = encodeOpsChunked(Ops{OpsMode::kRepair, 1, 0, 0, false, {}}, all, maxBytes, 16'384);
    std::vector<crdt::Envelope> back;
    for (const Bytes& c : chunks) {
      EXPECT_LE(c.size(), std::max<std::size_t>(maxBytes, 600)) << maxBytes;
      auto m = decodeMessage(c, Limits{});
      ASSERT_TRUE(m.ok()) << m.status().toString();
      for (auto& e : std::get<Ops>(m.value()).envelopes) back.push_back(std::move(e));
    }
    expectSame(back, all);
  }
}

// Rewrites the table (field 8) of an encoded OPS message.
Bytes withTable(const std::vector<crdt::Envelope>& envelopes, const std::function<void(msgpack::object&, msgpack::zone&)>& edit) {
  Bytes wire = encodeMessage(Message{Ops{OpsMode::kState, 7, 0, 0, true, envelopes}});
  auto handle = msgpack::unpack(reinterpret_cast<const char*>(wire.data()), wire.size());
  msgpack::object o = handle.get();
  msgpack::zone zone;
  msgpack::object copy(o, zone);
  edit(copy, zone);
  Bytes out;
  crdt::ByteSink sink{out};
  crdt::Packer pk(sink);
  pk.pack(copy);
  return out;
}

TEST(ProofGroups, ATableThatDoesNotFitItsEnvelopesIsRefused) {
  auto group = signedGroup(1, 5, "n");
  std::vector<crdt::Envelope> three(group.begin(), group.begin() + 3);
  auto refused = [](const Bytes& wire) {
    auto m = decodeMessage(wire, Limits{});
    return !m.ok() && m.status().code() == Code::kInvalidArgument;
  };
  // Too few tree nodes, too many, an author of the wrong size, a count of 0, a table that is not an array.
  EXPECT_TRUE(refused(withTable(three, [](msgpack::object& m, msgpack::zone&) {
    auto& hashes = m.via.array.ptr[8].via.array.ptr[0].via.array.ptr[3].via.bin;
    hashes.size -= 32;
  })));
  EXPECT_TRUE(refused(withTable(three, [](msgpack::object& m, msgpack::zone& z) {
    auto& hashes = m.via.array.ptr[8].via.array.ptr[0].via.array.ptr[3];
    std::string more(hashes.via.bin.ptr, hashes.via.bin.size);
    more.append(32, 'x');
    hashes = msgpack::object(msgpack::type::raw_ref(nullptr, 0), z);
    char* p = static_cast<char*>(z.allocate_align(more.size()));
    std::memcpy(p, more.data(), more.size());
    hashes.type = msgpack::type::BIN;
    hashes.via.bin.ptr = p;
    hashes.via.bin.size = static_cast<std::uint32_t>(more.size());
  })));
  EXPECT_TRUE(refused(withTable(three, [](msgpack::object& m, msgpack::zone&) {
    m.via.array.ptr[8].via.array.ptr[0].via.array.ptr[0].via.bin.size = 31;
  })));
  EXPECT_TRUE(refused(withTable(three, [](msgpack::object& m, msgpack::zone&) {
    m.via.array.ptr[8].via.array.ptr[0].via.array.ptr[2].via.u64 = 0;
  })));
  EXPECT_TRUE(refused(withTable(three, [](msgpack::object& m, msgpack::zone&) { m.via.array.ptr[8].type = msgpack::type::NIL; })));
  // A reference to no group, a leaf outside its group, a leaf twice.
  EXPECT_TRUE(refused(withTable(three, [](msgpack::object& m, msgpack::zone&) {
    m.via.array.ptr[7].via.array.ptr[1].via.array.ptr[7].via.array.ptr[0].via.u64 = 1;
  })));
  EXPECT_TRUE(refused(withTable(three, [](msgpack::object& m, msgpack::zone&) {
    m.via.array.ptr[7].via.array.ptr[1].via.array.ptr[7].via.array.ptr[1].via.u64 = 5;
  })));
  EXPECT_TRUE(refused(withTable(three, [](msgpack::object& m, msgpack::zone&) {
    m.via.array.ptr[7].via.array.ptr[1].via.array.ptr[7].via.array.ptr[1].via.u64 = 0;
  })));
  // A reference in a message without a table.
  EXPECT_TRUE(refused(withTable(three, [](msgpack::object& m, msgpack::zone&) { m.via.array.size = 8; })));
  // A table that fits but lies (an envelope left out, its node taken for
  // another): it decodes, and the rebuilt proofs fail where proofs are checked.
  auto lying = decodeMessage(withTable(three, [](msgpack::object& m, msgpack::zone&) { m.via.array.ptr[7].via.array.size = 2; }), Limits{});
  ASSERT_TRUE(lying.ok());
  const auto& e = std::get<Ops>(lying.value()).envelopes[0];
  security::ProofVerifier verifier;
  EXPECT_FALSE(verifier.verify(kDb, e.author, security::leafHash(crdt::signedBytes(e)), e.signature));
  EXPECT_TRUE(verifier.verify(kDb, three[0].author, security::leafHash(crdt::signedBytes(three[0])), three[0].signature));
  // An entry no envelope names.
  auto two = signedGroup(2, 2, "m");
  std::vector<crdt::Envelope> mixed{three[0], two[1]};
  EXPECT_TRUE(refused(withTable(mixed, [](msgpack::object& m, msgpack::zone&) {
    m.via.array.ptr[7].via.array.ptr[1].via.array.ptr[7].via.array.ptr[0].via.u64 = 0;
  })));
}

}  // namespace
}  // namespace cellgraph::sync
