#include "core/hlc/hlc.h"

#include <gtest/gtest.h>

#include <limits>

namespace cellgraph::hlc {
namespace {

TEST(Hlc, OrdersByWallThenCounterThenPeer) {
  EXPECT_LT((Timestamp{1, 9, 9}), (Timestamp{2, 0, 0}));
  EXPECT_LT((Timestamp{2, 0, 9}), (Timestamp{2, 1, 0}));
  EXPECT_LT((Timestamp{2, 1, 3}), (Timestamp{2, 1, 4}));  // the deterministic tie-break
  EXPECT_EQ((Timestamp{2, 1, 4}), (Timestamp{2, 1, 4}));
}

TEST(Hlc, NowIsStrictlyIncreasingEvenWhenTheWallClockStandsStillOrGoesBack) {
  ManualClock clock(1000);
  Hlc h(clock, 7);
  Timestamp a = h.now(), b = h.now();
  EXPECT_EQ(a, (Timestamp{1000, 0, 7}));
  EXPECT_EQ(b, (Timestamp{1000, 1, 7}));
  clock.set(500);  // NTP stepped back
  Timestamp c = h.now();
  EXPECT_GT(c, b);
  EXPECT_EQ(c.wall, 1000u);
  clock.set(2000);
  EXPECT_EQ(h.now(), (Timestamp{2000, 0, 7}));
}

TEST(Hlc, UpdateMovesPastRemoteTimestamps) {
  ManualClock clock(1000);
  Hlc h(clock, 1);
  ASSERT_TRUE(h.update({1500, 4, 2}).ok());  // 500 ms ahead: within the bound
  Timestamp t = h.now();
  EXPECT_GT(t, (Timestamp{1500, 4, 2}));
  EXPECT_EQ(t, (Timestamp{1500, 5, 1}));
  ASSERT_TRUE(h.update({10, 0, 2}).ok());  // an old one changes nothing
  EXPECT_EQ(h.now(), (Timestamp{1500, 6, 1}));
}

TEST(Hlc, RefusesTimestampsTooFarAheadWithoutMovingAndAcceptsThemLater) {
  ManualClock clock(1000);
  Hlc h(clock, 1, /*maxAheadMs=*/100);
  Timestamp before = h.now();
  Status s = h.update({1101, 0, 2});
  EXPECT_EQ(s.code(), Code::kClockSkew);
  EXPECT_EQ(h.last(), before);  // refused, not clamped
  EXPECT_TRUE(h.update({1100, 0, 2}).ok());  // exactly at the bound
  clock.set(1050);
  EXPECT_TRUE(h.update({1101, 0, 2}).ok());  // the same op, later
}

TEST(Hlc, CounterExhaustionBorrowsAMillisecond) {
  ManualClock clock(1000);
  Hlc h(clock, 1);
  ASSERT_TRUE(h.update({1000, std::numeric_limits<std::uint32_t>::max() - 1, 2}).ok());
  Timestamp a = h.now();
  EXPECT_EQ(a.counter, std::numeric_limits<std::uint32_t>::max());
  Timestamp b = h.now();
  EXPECT_GT(b, a);
  EXPECT_EQ(b, (Timestamp{1001, 0, 1}));
}

}  // namespace
}  // namespace cellgraph::hlc
