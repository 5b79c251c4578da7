#include "core/security/room_crypto.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "core/base/hex.h"
#include "core/security/ed25519.h"

namespace cellgraph::security {
namespace {

class RoomCrypto : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initCrypto().ok()); }
};

RoomKey derive(std::string_view app, std::string_view room, std::string_view password) {
  auto k = deriveRoomKey(app, room, password);
  EXPECT_TRUE(k.ok()) << k.status().toString();
  return k.ok() ? *k : RoomKey{};
}

TEST_F(RoomCrypto, SealOpenRoundtrip) {
  RoomKey key = derive("cellgraph-demo", "lobby", "");
  for (std::string_view text : {std::string_view(""), std::string_view("x"),
                                std::string_view("{\"kind\":21000,\"content\":\"offer\"}")}) {
    auto sealed = sealRoom(key.view(), asBytes(text));
    ASSERT_TRUE(sealed.ok()) << sealed.status().toString();
    EXPECT_EQ(sealed->size(), text.size() + kRoomSealOverhead);
    auto opened = openRoom(key.view(), *sealed);
    ASSERT_TRUE(opened.ok()) << opened.status().toString();
    EXPECT_EQ(asChars(*opened), text);
  }
  Bytes big(1 << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 31);
  auto sealed = sealRoom(key.view(), big);
  ASSERT_TRUE(sealed.ok());
  auto opened = openRoom(key.view(), *sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, big);
}

TEST_F(RoomCrypto, SealingTwiceUsesFreshNonces) {
  RoomKey key = derive("app", "room", "");
  auto a = sealRoom(key.view(), asBytes("same"));
  auto b = sealRoom(key.view(), asBytes("same"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST_F(RoomCrypto, WrongKeyTamperingAndTruncationFail) {
  RoomKey key = derive("app", "room", "");
  RoomKey other = derive("app", "room2", "");
  auto sealed = sealRoom(key.view(), asBytes("meet at the usual place"));
  ASSERT_TRUE(sealed.ok());

  EXPECT_EQ(openRoom(other.view(), *sealed).status().code(), Code::kCorrupt);
  for (std::size_t i : {std::size_t{0}, std::size_t{23}, std::size_t{24}, std::size_t{39}, sealed->size() - 1}) {
    Bytes modified = *sealed;
    modified[i] ^= 0x40;
    EXPECT_EQ(openRoom(key.view(), modified).status().code(), Code::kCorrupt) << "byte " << i;
  }
  for (std::size_t n : {std::size_t{0}, std::size_t{10}, kRoomNonceBytes, kRoomSealOverhead - 1,
                        sealed->size() - 1}) {
    EXPECT_EQ(openRoom(key.view(), ByteView(sealed->data(), n)).status().code(), Code::kCorrupt) << "length " << n;
  }
  Bytes extended = *sealed;
  extended.push_back(0);
  EXPECT_EQ(openRoom(key.view(), extended).status().code(), Code::kCorrupt);

  EXPECT_EQ(sealRoom(Bytes(31, 1), asBytes("x")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(openRoom(Bytes(33, 1), *sealed).status().code(), Code::kInvalidArgument);
}

TEST_F(RoomCrypto, KeyDerivationIsDeterministicAndSeparated) {
  RoomKey a = derive("app", "room", "");
  EXPECT_EQ(a, derive("app", "room", ""));
  EXPECT_FALSE(a == derive("app", "room2", ""));
  EXPECT_FALSE(a == derive("app2", "room", ""));
  // Length prefixes keep ("ab","c") and ("a","bc") apart.
  EXPECT_FALSE(derive("ab", "c", "") == derive("a", "bc", ""));

  RoomKey p = derive("app", "room", "hunter2");
  EXPECT_EQ(p, derive("app", "room", "hunter2"));
  EXPECT_FALSE(p == a);
  EXPECT_FALSE(p == derive("app", "room", "hunter3"));
  EXPECT_FALSE(p == derive("app", "room2", "hunter2"));

  // A key from one room does not open another room's payload.
  auto sealed = sealRoom(p.view(), asBytes("secret"));
  ASSERT_TRUE(sealed.ok());
  EXPECT_FALSE(openRoom(a.view(), *sealed).ok());
  EXPECT_TRUE(openRoom(derive("app", "room", "hunter2").view(), *sealed).ok());
}

// Pins the construction documented in room_crypto.h. Both values were
// checked outside this code: the first with Python's hashlib.blake2b
// (key=b"cellgraph/room-key/v1"), the second with the reference argon2 CLI
// (-id -t 2 -k 16384 -p 1 -l 32) on the salt from hashlib.blake2b.
// tests/wasm/crypto.test.js expects the same bytes from the wasm build.
TEST_F(RoomCrypto, KnownKeys) {
  EXPECT_EQ(encodeHex(derive("cellgraph", "lobby", "").view()),
            "c685d4b949cc102210625b9c404762c5a587d70d27e3a4979a83d25520facf2b");
  EXPECT_EQ(encodeHex(derive("cellgraph", "lobby", "correct horse").view()),
            "c535e190b472f5c2780b68120aecb3f0ff0737b5445d910acff0997dde35c2b1");
}

TEST_F(RoomCrypto, PasswordDerivationCost) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  const int runs = 3;
  for (int i = 0; i < runs; ++i) derive("cellgraph", "lobby", "correct horse");
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / runs;
  std::printf("deriveRoomKey with a password (Argon2id, ops %llu, %zu MiB): %.1f ms\n", kRoomPwhashOpsLimit,
              kRoomPwhashMemLimit >> 20, ms);
  EXPECT_LT(ms, 2000.0);
}

}  // namespace
}  // namespace cellgraph::security
