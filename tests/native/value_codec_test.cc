#include "core/crdt/value_codec.h"

#include <gtest/gtest.h>

#include "core/base/hex.h"
#include "core/crdt/envelope.h"
#include "test_util.h"

namespace cellgraph::crdt {
namespace {
using testing::obj;

Result<boost::json::object> decode(const Bytes& b, const Limits& limits = {}) {
  CG_ASSIGN_OR_RETURN(auto h, unpackOne(b, limits));
  return objectFromMsgpack(h.get(), limits);
}

TEST(ValueCodec, CanonicalSortedKeysAndRoundTrip) {
  auto a = obj(R"({"b":1,"a":[true,null,-2,1.5,"é"],"c":{"z":{},"y":[]}})");
  auto b = obj(R"({"c":{"y":[],"z":{}},"a":[true,null,-2,1.5,"é"],"b":1})");
  Bytes ea = encodeObject(a);
  EXPECT_EQ(ea, encodeObject(b));
  EXPECT_EQ(encodeHex(encodeObject(obj(R"({"b":1,"a":2})"))), "82a16102a16201");
  auto back = decode(ea);
  ASSERT_TRUE(back.ok()) << back.status().toString();
  EXPECT_EQ(encodeObject(*back), ea);
  EXPECT_EQ(*back, a);
}

TEST(ValueCodec, IntegralDoublesEncodeAsIntegers) {
  EXPECT_EQ(encodeObject(obj(R"({"n":2.0})")), encodeObject(obj(R"({"n":2})")));
}

TEST(ValueCodec, RejectsWhatJsonCannotHold) {
  // top level not a map
  EXPECT_EQ(decode({0x91, 0x01}).status().code(), Code::kInvalidArgument);
  // integer map key
  EXPECT_EQ(decode({0x81, 0x01, 0x01}).status().code(), Code::kInvalidArgument);
  // binary value
  EXPECT_EQ(decode({0x81, 0xa1, 'a', 0xc4, 0x01, 0x00}).status().code(), Code::kInvalidArgument);
  // invalid UTF-8 string (lone continuation byte)
  EXPECT_EQ(decode({0x81, 0xa1, 'a', 0xa1, 0x80}).status().code(), Code::kInvalidArgument);
  // NaN
  EXPECT_EQ(decode({0x81, 0xa1, 'a', 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}).status().code(), Code::kInvalidArgument);
}

TEST(ValueCodec, TruncatedTrailingAndLyingLengthsAreErrors) {
  Bytes good = encodeObject(obj(R"({"k":"value"})"));
  Bytes truncated(good.begin(), good.end() - 1);
  EXPECT_EQ(decode(truncated).status().code(), Code::kCorrupt);
  Bytes trailing = good;
  trailing.push_back(0xc0);
  EXPECT_EQ(decode(trailing).status().code(), Code::kCorrupt);
  // A map32 claiming 4 billion entries in 5 bytes must not allocate.
  EXPECT_EQ(decode({0xdf, 0xff, 0xff, 0xff, 0xff}).status().code(), Code::kTooLarge);
  EXPECT_FALSE(decode({}).ok());
}

TEST(ValueCodec, DepthAndSizeLimits) {
  Limits limits;
  limits.maxDepth = 4;
  limits.maxValueBytes = 64;
  EXPECT_TRUE(validateObject(obj(R"({"a":{"b":{"c":[1]}}})"), limits).ok());
  EXPECT_EQ(validateObject(obj(R"({"a":{"b":{"c":{"d":[1]}}}})"), limits).code(), Code::kTooLarge);
  EXPECT_EQ(validateObject(obj(R"({"a":"0123456789012345678901234567890123456789012345678901234567890123"})"), limits)
                .code(),
            Code::kTooLarge);
  Bytes deep = encodeObject(obj(R"({"a":{"b":{"c":{"d":{"e":1}}}}})"));
  EXPECT_EQ(decode(deep, limits).status().code(), Code::kTooLarge);
}

TEST(Envelope, RoundTripAndFieldChecks) {
  Envelope e{{OpType::kPut, "n1", "", std::make_shared<const boost::json::object>(obj(R"({"x":1})"))},
             {1700000000000, 3, 42}, {}, {}};
  Bytes b = encodeEnvelope(e);
  auto d = decodeEnvelope(b, {});
  ASSERT_TRUE(d.ok()) << d.status().toString();
  EXPECT_EQ(encodeEnvelope(*d), b);
  Envelope link{{OpType::kLink, "a", "b", nullptr}, {5, 0, 1}, {}, {}};
  EXPECT_EQ(encodeEnvelope(*decodeEnvelope(encodeEnvelope(link), {})), encodeEnvelope(link));

  Envelope empty = link;
  empty.op.target = "";
  EXPECT_EQ(decodeEnvelope(encodeEnvelope(empty), {}).status().code(), Code::kInvalidArgument);
  Limits small;
  small.maxIdBytes = 4;
  Envelope longId = link;
  longId.op.id = "abcdefgh";
  EXPECT_EQ(decodeEnvelope(encodeEnvelope(longId), small).status().code(), Code::kTooLarge);
  Bytes wrongType = b;
  wrongType[1] = 9;  // op type 9
  EXPECT_EQ(decodeEnvelope(wrongType, {}).status().code(), Code::kInvalidArgument);
}

// Found by tests/fuzz/fuzz_value_codec: an empty key or string arrives as a
// null pointer with size 0, which Boost.JSON passed to memcpy (UBSan).
TEST(ValueCodec, EmptyKeysAndStringsDecode) {
  Bytes b{0x81, 0xa0, 0xc0};  // {"": null}
  auto v = decodeObject(b, {});
  ASSERT_TRUE(v.ok()) << v.status().toString();
  EXPECT_EQ(*v, obj(R"({"":null})"));
  Bytes s{0x81, 0xa1, 'k', 0xa0};  // {"k": ""}
  EXPECT_EQ(*decodeObject(s, {}), obj(R"({"k":""})"));
}

}  // namespace
}  // namespace cellgraph::crdt
