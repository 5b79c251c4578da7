#include "core/security/mnemonic.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "core/base/hash.h"

namespace cellgraph::security {
namespace {

// One literal rather than 2,048 pointers to literals: the pointer table was
// 8 KiB of addresses in the wasm that gzip could not shrink.
constexpr std::string_view kWordList =
#include "core/security/bip39_english.inc"
    ;
constexpr int kWordCount = 2048;
static_assert(std::count(kWordList.begin(), kWordList.end(), '\n') == kWordCount && kWordList.back() == '\n');

// Words are found by walking the list: no table of where each starts (the
// compiler folded one into 4 KB of data), and a phrase is encoded or decoded
// once per identity, where PBKDF2's 2,048 rounds dominate.
std::string_view wordAt(int index) {
  std::size_t at = 0;
  for (int i = 0; i < index; ++i) at = kWordList.find('\n', at) + 1;
  return kWordList.substr(at, kWordList.find('\n', at) - at);
}

int indexOf(std::string_view word) {
  std::size_t at = 0;
  for (int i = 0; i < kWordCount; ++i) {
    const std::size_t end = kWordList.find('\n', at);
    if (kWordList.substr(at, end - at) == word) return i;
    at = end + 1;
  }
  return -1;
}

void hmacSha512(ByteView key, ByteView message, std::uint8_t out[64]) {
  crypto_auth_hmacsha512_state st;
  crypto_auth_hmacsha512_init(&st, key.data(), key.size());
  crypto_auth_hmacsha512_update(&st, message.data(), message.size());
  crypto_auth_hmacsha512_final(&st, out);
  sodium_memzero(&st, sizeof st);
}

}  // namespace

Result<std::string> encodeMnemonic(ByteView entropy) {
  if (entropy.size() < 16 || entropy.size() > 32 || entropy.size() % 4 != 0) {
    return Status::invalidArgument("a recovery phrase encodes 16, 20, 24, 28 or 32 bytes");
  }
  auto check = sha256(entropy);
  std::vector<bool> bits;
  for (std::uint8_t b : entropy)
    for (int i = 7; i >= 0; --i) bits.push_back((b >> i) & 1);
  for (std::size_t i = 0; i < entropy.size() * 8 / 32; ++i) bits.push_back((check[i / 8] >> (7 - i % 8)) & 1);
  std::string out;
  for (std::size_t w = 0; w < bits.size() / 11; ++w) {
    int index = 0;
    for (int i = 0; i < 11; ++i) index = index << 1 | bits[w * 11 + i];
    if (!out.empty()) out += ' ';
    out += wordAt(index);
  }
  return out;
}

Result<Bytes> decodeMnemonic(std::string_view phrase) {
  std::vector<int> indices;
  std::size_t at = 0;
  while (at <= phrase.size()) {
    std::size_t end = phrase.find(' ', at);
    if (end == std::string_view::npos) end = phrase.size();
    std::string_view word = phrase.substr(at, end - at);
    if (indices.size() >= 24) return Status::invalidArgument("a recovery phrase has 12, 15, 18, 21 or 24 words");
    int index = indexOf(word);
    if (index < 0) {
      return Status::invalidArgument("word " + std::to_string(indices.size() + 1) + " of the recovery phrase is not in the BIP-39 English list");
    }
    indices.push_back(index);
    at = end + 1;
  }
  if (indices.size() < 12 || indices.size() % 3 != 0) {
    return Status::invalidArgument("a recovery phrase has 12, 15, 18, 21 or 24 words, not " + std::to_string(indices.size()));
  }
  std::vector<bool> bits;
  for (int index : indices)
    for (int i = 10; i >= 0; --i) bits.push_back((index >> i) & 1);
  std::size_t checkBits = bits.size() / 33, entropyBits = bits.size() - checkBits;
  Bytes entropy(entropyBits / 8, 0);
  for (std::size_t i = 0; i < entropyBits; ++i) entropy[i / 8] |= static_cast<std::uint8_t>(bits[i] << (7 - i % 8));
  auto check = sha256(entropy);
  for (std::size_t i = 0; i < checkBits; ++i) {
    if (bits[entropyBits + i] != static_cast<bool>((check[i / 8] >> (7 - i % 8)) & 1)) {
      sodium_memzero(entropy.data(), entropy.size());
      return Status::invalidArgument("the recovery phrase's checksum does not match: a word is wrong or out of order");
    }
  }
  return entropy;
}

std::string generateMnemonic() {
  std::array<std::uint8_t, 16> entropy;
  randombytes_buf(entropy.data(), entropy.size());
  std::string phrase = encodeMnemonic(entropy).value();
  sodium_memzero(entropy.data(), entropy.size());
  return phrase;
}

Result<SecretBytes<64>> mnemonicSeed(std::string_view phrase, std::string_view passphrase) {
  CG_ASSIGN_OR_RETURN(Bytes entropy, decodeMnemonic(phrase));
  sodium_memzero(entropy.data(), entropy.size());
  // PBKDF2-HMAC-SHA512 with one 64-byte block: U1 = HMAC(P, S ‖ INT(1)), Ui = HMAC(P, Ui-1).
  std::string salt = "mnemonic";
  salt.append(passphrase);
  salt.append("\0\0\0\1", 4);
  SecretBytes<64> seed, u;
  hmacSha512(asBytes(phrase), asBytes(salt), u.data());
  seed = u;
  for (int i = 1; i < 2048; ++i) {
    std::uint8_t next[64];
    hmacSha512(asBytes(phrase), {u.data(), 64}, next);
    for (int j = 0; j < 64; ++j) {
      u.data()[j] = next[j];
      seed.data()[j] ^= next[j];
    }
    sodium_memzero(next, sizeof next);
  }
  return seed;
}

Result<KeyPair> identityFromMnemonic(std::string_view phrase, std::string_view passphrase) {
  CG_ASSIGN_OR_RETURN(SecretBytes<64> seed, mnemonicSeed(phrase, passphrase));
  SecretBytes<64> master;
  hmacSha512(asBytes(std::string_view("ed25519 seed")), seed.view(), master.data());
  return keyPairFromSeed({master.data(), kSeedBytes});
}

}  // namespace cellgraph::security
