// Golden vectors for the sync protocol (tests/vectors/sync-v2.json), checked
// here and by tests/wasm/vectors.test.js against the wasm build.
//
// Valid cases: the encoder must produce exactly `hex` for the message built
// below, decoding `hex` must describe as `json`, and re-encoding the decoded
// message must give `hex` back. Invalid cases: decoding `hex` must fail with
// `error`. Regenerate (only for a deliberate format change, with a version
// bump in PROTOCOL.md): CELLGRAPH_WRITE_VECTORS=1 ./cellgraph_tests --gtest_filter=Vectors.*
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/base/hex.h"
#include "core/sync/describe.h"
#include "core/sync/messages.h"
#include "test_util.h"

namespace cellgraph::sync {
namespace {
namespace json = boost::json;
using crdt::Envelope;
using crdt::OpType;

const char* kPath = CELLGRAPH_VECTORS_DIR "/sync-v2.json";

Envelope env(OpType t, std::string id, std::string target, const char* value, hlc::Timestamp c) {
  Envelope e;
  e.op.type = t;
  e.op.id = std::move(id);
  e.op.target = std::move(target);
  if (value) e.op.value = std::make_shared<const json::object>(testing::obj(value));
  e.clock = c;
  return e;
}

std::vector<std::pair<std::string, Message>> validCases() {
  const hlc::Timestamp c{1700000000123, 7, 0x0123456789abcdefull};
  Envelope signedPut = env(OpType::kPut, "user:alice", "", R"({"name":"Alice","age":31,"tags":["a","ü"],"geo":{"lat":48.85,"lng":2.35},"ok":true,"none":null})", c);
  signedPut.author = Bytes(32, 0xa1);
  signedPut.signature = Bytes(64, 0x5e);
  Ops live{OpsMode::kLive, 0x1111222233334444ull, 41, 44, false,
           {env(OpType::kPut, "n1", "", R"({"b":2,"a":1})", c), env(OpType::kRemove, "n2", "", nullptr, {c.wall, 8, c.peer}),
            env(OpType::kLink, "n1", "n3", nullptr, {c.wall, 9, c.peer}), env(OpType::kUnlink, "n1", "n4", nullptr, {c.wall + 1, 0, c.peer})}};
  Ops state{OpsMode::kState, 0x1111222233334444ull, 0, 900, true, {signedPut}};
  Ops emptyDelta{OpsMode::kDelta, 0x1111222233334444ull, 901, 900, true, {}};
  Hello hello{0x00000000000000a1ull, 0x1111222233334444ull, 1, 900, 750, Hash128{0x0102030405060708ull, 0x1112131415161718ull},
              0x5555666677778888ull, 12};
  Recon recon;
  recon.ranges.push_back({std::string("k"), RangeMode::kSkip, {}, {}});
  recon.ranges.push_back({std::string("q"), RangeMode::kFingerprint, {Hash128{1, 2}, 1000}, {}});
  recon.ranges.push_back({std::nullopt, RangeMode::kIdList, {}, {{"r1", Hash128{3, 4}}, {"zz", Hash128{5, 6}}}});
  recon.need = {"a", "b"};
  return {{"hello", hello}, {"live batch: put, remove, link, unlink", live},
          {"full state chunk with a signed put", state}, {"empty final delta", emptyDelta},
          {"reconciliation: skip, fingerprint, id list, need", recon}, {"flow: 3 MiB consumed", Flow{3u << 20}}};
}

std::vector<std::tuple<std::string, std::string, std::string>> invalidCases() {
  std::string hello = encodeHex(encodeMessage(validCases()[0].second));
  std::string liveHex = encodeHex(encodeMessage(validCases()[1].second));
  std::string v1 = hello;
  v1.replace(2, 2, "01");
  return {
      {"empty", "", "CORRUPT"},
      {"not MessagePack", "c1", "CORRUPT"},
      {"truncated hello", hello.substr(0, hello.size() - 6), "CORRUPT"},
      {"trailing byte", hello + "c0", "CORRUPT"},
      {"protocol version 1 (no flow control)", v1, "UNSUPPORTED_VERSION"},
      {"unknown message type", "920209", "INVALID_ARGUMENT"},
      {"array32 claiming 4 billion items", "dd" "ffffffff", "TOO_LARGE"},
      {"nested arrays promising more items than the bytes left", "93" "02" "02" "dc" "0004" "c0c0c0", "TOO_LARGE"},
      {"flow without its count", "920204", "INVALID_ARGUMENT"},
      // firstSeq 41 -> 40: a range of 5 seqs for 4 envelopes
      {"live batch whose seq range does not match", liveHex.substr(0, 26) + "28" + liveHex.substr(28), "INVALID_ARGUMENT"},
  };
}

json::value load() {
  std::ifstream in(kPath);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

TEST(Vectors, MatchTheEncoderAndDecoder) {
  if (std::getenv("CELLGRAPH_WRITE_VECTORS")) {
    json::array valid, invalid;
    for (auto& [name, m] : validCases()) {
      Bytes bytes = encodeMessage(m);
      valid.push_back({{"name", name}, {"hex", encodeHex(bytes)}, {"json", describeMessage(*decodeMessage(bytes, {}))}});
    }
    for (auto& [name, hex, code] : invalidCases()) invalid.push_back({{"name", name}, {"hex", hex}, {"error", code}});
    std::ofstream out(kPath);
    out << json::serialize(json::object{{"protocol", kProtocolVersion}, {"valid", valid}, {"invalid", invalid}}) << "\n";
  }
  json::value v = load();
  auto& valid = v.at("valid").as_array();
  auto cases = validCases();
  ASSERT_EQ(valid.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].first);
    std::string hex(valid[i].at("hex").as_string());
    EXPECT_EQ(encodeHex(encodeMessage(cases[i].second)), hex) << "the encoder changed";
    auto bytes = decodeHex(hex);
    ASSERT_TRUE(bytes.ok());
    auto decoded = decodeMessage(*bytes, {});
    ASSERT_TRUE(decoded.ok()) << decoded.status().toString();
    EXPECT_EQ(describeMessage(*decoded), valid[i].at("json"));
    EXPECT_EQ(encodeHex(encodeMessage(*decoded)), hex) << "decode-encode is not the identity";
  }
  auto& invalid = v.at("invalid").as_array();
  ASSERT_EQ(invalid.size(), invalidCases().size());
  for (const auto& c : invalid) {
    SCOPED_TRACE(std::string(c.at("name").as_string()));
    auto bytes = decodeHex(c.at("hex").as_string());
    ASSERT_TRUE(bytes.ok());
    auto decoded = decodeMessage(*bytes, {});
    ASSERT_FALSE(decoded.ok());
    EXPECT_STREQ(codeName(decoded.status().code()), c.at("error").as_string().c_str()) << decoded.status().toString();
  }
}

}  // namespace
}  // namespace cellgraph::sync
