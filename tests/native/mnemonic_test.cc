// BIP-39 phrases and the identities they restore (core/security/mnemonic.h),
// against tests/vectors/bip39.json.
#include "core/security/mnemonic.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/base/hash.h"
#include "core/base/hex.h"

namespace cellgraph::security {
namespace {

boost::json::array cases() {
  std::ifstream in(CELLGRAPH_VECTORS_DIR "/bip39.json");
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str()).at("cases").as_array();
}

TEST(Mnemonic, PhrasesSeedsAndIdentitiesMatchTheVectors) {
  ASSERT_TRUE(initCrypto().ok());
  auto all = cases();
  ASSERT_GE(all.size(), 6u);
  for (const auto& c : all) {
    std::string phrase(c.at("phrase").as_string());
    Bytes entropy = decodeHex(std::string(c.at("entropy").as_string())).value();
    EXPECT_EQ(encodeMnemonic(entropy).value(), phrase);
    EXPECT_EQ(decodeMnemonic(phrase).value(), entropy);
    auto seed = mnemonicSeed(phrase, "TREZOR").value();
    EXPECT_EQ(encodeHex(seed.view()), std::string(c.at("seedTrezor").as_string()));
    auto id = identityFromMnemonic(phrase).value();
    EXPECT_EQ(encodeHex(id.publicKey), std::string(c.at("publicKey").as_string()));
  }
}

TEST(Mnemonic, ABadPhraseSaysWhatIsWrong) {
  const std::string good = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
  EXPECT_TRUE(decodeMnemonic(good).ok());
  auto wrongWord = decodeMnemonic("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abuot");
  EXPECT_NE(wrongWord.status().message().find("word 12"), std::string::npos) << wrongWord.status().message();
  auto checksum = decodeMnemonic("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon");
  EXPECT_NE(checksum.status().message().find("checksum"), std::string::npos);
  EXPECT_FALSE(decodeMnemonic("abandon about").ok());
  EXPECT_FALSE(decodeMnemonic("").ok());
  EXPECT_FALSE(decodeMnemonic(good + " ").ok());
  EXPECT_FALSE(encodeMnemonic(Bytes(15)).ok());
  std::string fresh = generateMnemonic();
  EXPECT_TRUE(decodeMnemonic(fresh).ok());
  EXPECT_NE(fresh, generateMnemonic());
}

TEST(Mnemonic, TheWordlistIsTheStandardOne) {
  // Every word restores its own index: encode 2,048 phrases' worth of words.
  std::string joined;
  for (int i = 0; i < 2048; ++i) {
    Bytes e(16, 0);
    // Put index i in the first 11 bits.
    e[0] = static_cast<std::uint8_t>(i >> 3);
    e[1] = static_cast<std::uint8_t>((i & 7) << 5);
    std::string phrase = encodeMnemonic(e).value();
    joined += phrase.substr(0, phrase.find(' '));
    joined += '\n';
  }
  EXPECT_EQ(encodeHex(sha256(asBytes(joined))), "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda");
}

}  // namespace
}  // namespace cellgraph::security
