#include "core/base/hex.h"

#include <gtest/gtest.h>

namespace cellgraph {
namespace {

TEST(Hex, RoundTrip) {
  Bytes b = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
  EXPECT_EQ(encodeHex(b), "00017f80abff");
  auto d = decodeHex("00017F80ABff");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, b);
  EXPECT_EQ(encodeHex({}), "");
}

TEST(Hex, RejectsOddLengthAndBadDigits) {
  EXPECT_EQ(decodeHex("abc").status().code(), Code::kInvalidArgument);
  auto bad = decodeHex("00zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "not a hex digit at position 2");
  EXPECT_FALSE(decodeHex("0g").ok());
}

}  // namespace
}  // namespace cellgraph
