#include "core/security/ed25519.h"

#include <gtest/gtest.h>

#include "core/base/hex.h"

namespace cellgraph::security {
namespace {

class Ed25519 : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initCrypto().ok()); }
};

// RFC 8032 §7.1, TEST 2 (one-byte message 0x72).
TEST_F(Ed25519, Rfc8032Vector) {
  auto seed = decodeHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
  ASSERT_TRUE(seed.ok());
  auto kp = keyPairFromSeed(*seed);
  ASSERT_TRUE(kp.ok());
  EXPECT_EQ(encodeHex(kp->publicKey), "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  Bytes msg = {0x72};
  auto sig = sign(msg, kp->secretKey.view());
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(encodeHex(*sig),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  EXPECT_TRUE(verify(msg, *sig, kp->publicKey));
}

TEST_F(Ed25519, TamperedMessageSignatureOrKeyFails) {
  KeyPair kp = generateKeyPair();
  ByteView msg = asBytes("pay 10 EUR to alice");
  auto sig = sign(msg, kp.secretKey.view());
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(verify(msg, *sig, kp.publicKey));

  EXPECT_FALSE(verify(asBytes("pay 99 EUR to alice"), *sig, kp.publicKey));
  Signature flipped = *sig;
  flipped[10] ^= 0x01;
  EXPECT_FALSE(verify(msg, flipped, kp.publicKey));
  KeyPair other = generateKeyPair();
  EXPECT_FALSE(verify(msg, *sig, other.publicKey));
}

TEST_F(Ed25519, WrongSizesAreErrorsOrRejections) {
  Bytes shortSeed(31, 1);
  EXPECT_EQ(keyPairFromSeed(shortSeed).status().code(), Code::kInvalidArgument);
  Bytes shortKey(32, 1);
  EXPECT_EQ(sign(asBytes("x"), shortKey).status().code(), Code::kInvalidArgument);
  KeyPair kp = generateKeyPair();
  auto sig = sign(asBytes("x"), kp.secretKey.view());
  ASSERT_TRUE(sig.ok());
  EXPECT_FALSE(verify(asBytes("x"), ByteView(sig->data(), 63), kp.publicKey));
  EXPECT_FALSE(verify(asBytes("x"), *sig, ByteView(kp.publicKey.data(), 31)));
}

TEST_F(Ed25519, GeneratedKeysDiffer) {
  EXPECT_NE(generateKeyPair().publicKey, generateKeyPair().publicKey);
}

}  // namespace
}  // namespace cellgraph::security
