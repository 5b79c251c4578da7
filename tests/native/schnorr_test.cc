#include "core/security/schnorr.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "core/base/hash.h"
#include "core/base/hex.h"
#include "core/security/ed25519.h"

namespace cellgraph::security {
namespace {

Bytes unhex(std::string_view s) {
  auto r = decodeHex(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? *r : Bytes{};
}

std::string upperHex(ByteView b) {
  std::string s = encodeHex(b);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class Schnorr : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initCrypto().ok()); }
};

// BIP-340 test vectors, transcribed from bitcoin/bips bip-0340/test-vectors.csv
// (the final, even-y version; libsecp256k1's schnorrsig tests carry the same).
// Vectors 15-18 sign messages that are not 32 bytes long and are left out:
// we only sign 32-byte hashes.
struct SignVector {
  int index;
  const char* secretKey;
  const char* publicKey;
  const char* auxRand;
  const char* message;
  const char* signature;
};

const SignVector kSignVectors[] = {
    {0, "0000000000000000000000000000000000000000000000000000000000000003",
     "F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA8215"
     "25F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0"},
    {1, "B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "0000000000000000000000000000000000000000000000000000000000000001",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE3341"
     "8906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A"},
    {2, "C90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B14E5C9",
     "DD308AFEC5777E13121FA72B9CC1B7CC0139715309B086C960E18FD969774EB8",
     "C87AA53824B4D7AE2EB035A2B5BBBCCC080E76CDC6D1692C4B0B62D798E6D906",
     "7E2D58D8B3BCDF1ABADEC7829054F90DDA9805AAB56C77333024B9D0A508B75C",
     "5831AAEED7B44BB74E5EAB94BA9D4294C49BCF2A60728D8B4C200F50DD313C1B"
     "AB745879A5AD954A72C45A91C3A51D3C7ADEA98D82F8481E0E1E03674A6F3FB7"},
    {3, "0B432B2677937381AEF05BB02A66ECD012773062CF3FA2549E44F58ED2401710",
     "25D1DFF95105F5253C4022F628A996AD3A0D95FBF21D468A1B33F8C160D8F517",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
     "7EB0509757E246F19449885651611CB965ECC1A187DD51B64FDA1EDC9637D5EC"
     "97582B9CB13DB3933705B32BA982AF5AF25FD78881EBB32771FC5922EFC66EA3"},
};

TEST_F(Schnorr, Bip340SigningVectors) {
  for (const SignVector& v : kSignVectors) {
    SCOPED_TRACE("BIP-340 vector " + std::to_string(v.index));
    Bytes sk = unhex(v.secretKey), aux = unhex(v.auxRand), msg = unhex(v.message);
    auto pk = schnorrPublicKey(sk);
    ASSERT_TRUE(pk.ok()) << pk.status().toString();
    EXPECT_EQ(upperHex(*pk), v.publicKey);
    auto sig = schnorrSign(sk, msg, aux);
    ASSERT_TRUE(sig.ok()) << sig.status().toString();
    EXPECT_EQ(upperHex(*sig), v.signature);
    EXPECT_TRUE(schnorrVerify(*pk, msg, *sig));
    EXPECT_TRUE(schnorrVerify(unhex(v.publicKey), msg, unhex(v.signature)));
  }
}

struct VerifyVector {
  int index;
  const char* publicKey;
  const char* message;
  const char* signature;
  bool valid;
  const char* comment;
};

const VerifyVector kVerifyVectors[] = {
    {4, "D69C3509BB99E412E68B0FE8544E72837DFA30746D8BE2AA65975F29D22DC7B9",
     "4DF3C3F68FCC83B27E9D42C90431A72499F17875C81A599B566C9889B9696703",
     "00000000000000000000003B78CE563F89A0ED9414F5AA28AD0D96D6795F9C63"
     "76AFB1548AF603B3EB45C9F8207DEE1060CB71C04E80F593060B07D28308D7F4",
     true, "valid, R.x has leading zero bytes"},
    {5, "EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
     "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B",
     false, "public key not on the curve"},
    {6, "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "FFF97BD5755EEEA420453A14355235D382F6472F8568A18B2F057A1460297556"
     "3CC27944640AC607CD107AE10923D9EF7A73C643E166BE5EBEAFA34B1AC553E2",
     false, "has_even_y(R) is false"},
    {7, "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "1FA62E331EDBC21C394792D2AB1100A7B432B013DF3F6FF4F99FCB33E0E1515F"
     "28890B3EDB6E7189B630448B515CE4F8622A954CFE545735AAEA5134FCCDB2BD",
     false, "negated message"},
    {8, "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
     "961764B3AA9B2FFCB6EF947B6887A226E8D7C93E00C5ED0C1834FF0D0C2E6DA6",
     false, "negated s value"},
    {9, "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "0000000000000000000000000000000000000000000000000000000000000000"
     "123DDA8328AF9C23A94C1FEECFD123BA4FB73476F0D594DCB65C6425BD186051",
     false, "sG - eP is infinite (x(inf) as 0)"},
    {10, "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "0000000000000000000000000000000000000000000000000000000000000001"
     "7615FBAF5AE28864013C099742DEADB4DBA87F11AC6754F93780D5A1837CF197",
     false, "sG - eP is infinite (x(inf) as 1)"},
    {11, "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "4A298DACAE57395A15D0795DDBFD1DCB564DA82B0F269BC70A74F8220429BA1D"
     "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B",
     false, "sig[0:32] is not an X coordinate on the curve"},
    {12, "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F"
     "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B",
     false, "sig[0:32] is equal to field size"},
    {13, "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
     false, "sig[32:64] is equal to curve order"},
    {14, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC30",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
     "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B",
     false, "public key exceeds the field size"},
};

TEST_F(Schnorr, Bip340VerificationVectors) {
  for (const VerifyVector& v : kVerifyVectors) {
    SCOPED_TRACE("BIP-340 vector " + std::to_string(v.index) + ": " + v.comment);
    EXPECT_EQ(schnorrVerify(unhex(v.publicKey), unhex(v.message), unhex(v.signature)), v.valid);
  }
}

TEST_F(Schnorr, SignVerifyRoundtripAndTampering) {
  Bytes sk(32);
  for (std::size_t i = 0; i < sk.size(); ++i) sk[i] = static_cast<std::uint8_t>(0x11 * (i % 15) + 1);
  auto pk = schnorrPublicKey(sk);
  ASSERT_TRUE(pk.ok());
  auto msg = sha256(asBytes("a nostr event, serialized"));
  auto sig = schnorrSign(sk, msg, {});  // aux drawn from randombytes
  ASSERT_TRUE(sig.ok()) << sig.status().toString();
  EXPECT_TRUE(schnorrVerify(*pk, msg, *sig));

  // Fresh aux randomness gives a different (equally valid) signature.
  auto sig2 = schnorrSign(sk, msg, {});
  ASSERT_TRUE(sig2.ok());
  EXPECT_NE(*sig, *sig2);
  EXPECT_TRUE(schnorrVerify(*pk, msg, *sig2));

  for (std::size_t bit : {0u, 7u, 255u, 256u, 300u, 511u}) {
    SchnorrSignature flipped = *sig;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(schnorrVerify(*pk, msg, flipped)) << "signature bit " << bit;
  }
  auto otherMsg = msg;
  otherMsg[31] ^= 1;
  EXPECT_FALSE(schnorrVerify(*pk, otherMsg, *sig));
  auto otherPk = *pk;
  otherPk[0] ^= 1;
  EXPECT_FALSE(schnorrVerify(otherPk, msg, *sig));
  Bytes otherSk = sk;
  otherSk[0] ^= 1;
  EXPECT_FALSE(schnorrVerify(*schnorrPublicKey(otherSk), msg, *sig));
}

TEST_F(Schnorr, WrongSizesAndInvalidKeys) {
  Bytes sk = unhex(kSignVectors[1].secretKey);
  Bytes msg(32, 7), aux(32, 9);
  auto pk = schnorrPublicKey(sk);
  ASSERT_TRUE(pk.ok());
  auto sig = schnorrSign(sk, msg, aux);
  ASSERT_TRUE(sig.ok());

  EXPECT_EQ(schnorrPublicKey(Bytes(31, 1)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(schnorrPublicKey(Bytes(33, 1)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(schnorrPublicKey(Bytes(32, 0)).status().code(), Code::kInvalidArgument);   // zero
  EXPECT_EQ(schnorrPublicKey(Bytes(32, 0xff)).status().code(), Code::kInvalidArgument);  // >= n
  EXPECT_EQ(schnorrSign(Bytes(31, 1), msg, aux).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(schnorrSign(Bytes(32, 0), msg, aux).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(schnorrSign(sk, Bytes(31, 7), aux).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(schnorrSign(sk, Bytes(33, 7), aux).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(schnorrSign(sk, Bytes{}, aux).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(schnorrSign(sk, msg, Bytes(16, 9)).status().code(), Code::kInvalidArgument);

  EXPECT_FALSE(schnorrVerify(ByteView(pk->data(), 31), msg, *sig));
  EXPECT_FALSE(schnorrVerify(Bytes(33, 1), msg, *sig));
  EXPECT_FALSE(schnorrVerify(*pk, ByteView(msg.data(), 31), *sig));
  EXPECT_FALSE(schnorrVerify(*pk, Bytes{}, *sig));
  EXPECT_FALSE(schnorrVerify(*pk, msg, ByteView(sig->data(), 63)));
  EXPECT_FALSE(schnorrVerify(*pk, msg, Bytes(65, 0)));
  EXPECT_FALSE(schnorrVerify({}, {}, {}));
}

// FIPS 180-2 / NIST example: SHA-256("abc") and SHA-256("").
TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(encodeHex(sha256(asBytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(encodeHex(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace cellgraph::security
