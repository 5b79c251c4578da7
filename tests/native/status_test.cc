#include "core/base/status.h"

#include <gtest/gtest.h>

namespace cellgraph {
namespace {

Result<int> half(int x) {
  if (x % 2) return Status::invalidArgument("odd");
  return x / 2;
}

Result<int> quarter(int x) {
  CG_ASSIGN_OR_RETURN(int h, half(x));
  CG_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

Status checkEven(int x) {
  CG_RETURN_IF_ERROR(half(x).status());
  return {};
}

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.toString(), "OK");
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = Status::tooLarge("value is 2 MiB");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kTooLarge);
  EXPECT_EQ(s.toString(), "TOO_LARGE: value is 2 MiB");
  EXPECT_EQ(s.withContext("op 3").message(), "op 3: value is 2 MiB");
}

TEST(Status, CodeNamesAreStable) {
  // These strings are the public error codes in JS; changing one breaks users.
  EXPECT_STREQ(codeName(Code::kInvalidArgument), "INVALID_ARGUMENT");
  EXPECT_STREQ(codeName(Code::kCorrupt), "CORRUPT");
  EXPECT_STREQ(codeName(Code::kBadSignature), "BAD_SIGNATURE");
  EXPECT_STREQ(codeName(Code::kClockSkew), "CLOCK_SKEW");
  EXPECT_STREQ(codeName(Code::kInternal), "INTERNAL");
  EXPECT_EQ(static_cast<int>(Code::kInternal), 10);
}

TEST(Result, PropagatesErrorsThroughMacros) {
  EXPECT_EQ(*quarter(12), 3);
  Result<int> r = quarter(6);  // 6 -> 3 -> odd
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(checkEven(4).ok());
  EXPECT_EQ(checkEven(5).code(), Code::kInvalidArgument);
}

TEST(Result, OkStatusWithoutValueIsInternalError) {
  Result<int> r{Status{}};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

}  // namespace
}  // namespace cellgraph
