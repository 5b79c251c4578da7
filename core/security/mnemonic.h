// BIP-39 recovery phrases for identities (the standard English wordlist,
// checksum verified), and the Ed25519 identity a phrase stands for.
//
//   phrase   = words of 11 bits each over entropy ‖ SHA-256(entropy)[: bits/32]
//   seed     = PBKDF2-HMAC-SHA512(phrase, "mnemonic" ‖ passphrase, 2048, 64 bytes)
//   identity = Ed25519 key pair from the first 32 bytes of
//              HMAC-SHA512(key "ed25519 seed", seed)   (SLIP-10's master key)
//
// Phrases are words separated by single spaces, lower case (callers
// normalize whitespace and case; English words are ASCII, so NFKD changes
// nothing). Secrets returned here are the caller's to wipe.
#pragma once

#include <string>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/status.h"
#include "core/security/ed25519.h"
#include "core/security/secret_bytes.h"

namespace cellgraph::security {

// 16, 20, 24, 28 or 32 bytes of entropy → 12 to 24 words.
Result<std::string> encodeMnemonic(ByteView entropy);
// The entropy back; an unknown word, a wrong count or a bad checksum is
// kInvalidArgument naming what is wrong.
Result<Bytes> decodeMnemonic(std::string_view phrase);
// 12 fresh words.
std::string generateMnemonic();
Result<SecretBytes<64>> mnemonicSeed(std::string_view phrase, std::string_view passphrase = {});
Result<KeyPair> identityFromMnemonic(std::string_view phrase, std::string_view passphrase = {});

}  // namespace cellgraph::security
