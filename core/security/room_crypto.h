// Room keys and sealed room payloads (what peers put on Nostr relays).
//
// deriveRoomKey(app, room, password) -> 32-byte key, deterministic, so every
// peer that knows the same inputs gets the same key. Below, field(s) is the
// length of s as 8 bytes big-endian followed by the bytes of s (as
// Hasher::field), so ("ab","c") and ("a","bc") never collide.
//
//  * Empty password: key = BLAKE2b-256 keyed with the 21 ASCII bytes
//    "cellgraph/room-key/v1" over field(app) || field(room).
//    This only hides payloads from relay operators (and anyone else
//    watching) who do not know the room name. Whoever knows or guesses the
//    app and room name can derive the key; a room name is not a secret.
//  * Non-empty password: key = Argon2id v1.3 (crypto_pwhash, opslimit 2,
//    memlimit 16 MiB, 32-byte output) of the password's bytes with
//    salt = first 16 bytes of BLAKE2b-256 (unkeyed) of
//    "cellgraph/room-salt/v1" || field(app) || field(room).
//    Knowing the room name is then not enough; a weak password can still be
//    guessed offline from any sealed payload, Argon2id only slows that down.
//    Measured: ~15 ms natively, ~25 ms in wasm under Node 20 (~40 ms for the
//    first call, which grows the wasm memory by 16 MiB; ALLOW_MEMORY_GROWTH).
//    kInternal if Argon2 cannot get its memory.
//
// sealRoom(key, plaintext) = 24-byte random nonce || crypto_secretbox_easy
// (XSalsa20-Poly1305) ciphertext, i.e. plaintext + 40 bytes.
// openRoom(key, sealed) returns the plaintext, or kCorrupt when the bytes
// fail authentication: tampered, truncated, or sealed under another key
// (the three cannot be told apart). A key that is not 32 bytes is
// kInvalidArgument for both. initCrypto() (ed25519.h) must have succeeded.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/status.h"
#include "core/security/secret_bytes.h"

namespace cellgraph::security {

inline constexpr std::size_t kRoomKeyBytes = 32;
inline constexpr std::size_t kRoomNonceBytes = 24;
inline constexpr std::size_t kRoomMacBytes = 16;
inline constexpr std::size_t kRoomSealOverhead = kRoomNonceBytes + kRoomMacBytes;
inline constexpr unsigned long long kRoomPwhashOpsLimit = 2;
inline constexpr std::size_t kRoomPwhashMemLimit = std::size_t{16} << 20;

// A room key, zeroed when destroyed.
using RoomKey = SecretBytes<kRoomKeyBytes>;

Result<RoomKey> deriveRoomKey(std::string_view app, std::string_view room, std::string_view password);
Result<Bytes> sealRoom(ByteView key, ByteView plaintext);
Result<Bytes> openRoom(ByteView key, ByteView sealed);

}  // namespace cellgraph::security
