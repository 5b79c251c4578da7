#include "core/security/room_crypto.h"

#include <sodium.h>

#include <string>

namespace cellgraph::security {
namespace {

static_assert(kRoomKeyBytes == crypto_secretbox_KEYBYTES);
static_assert(kRoomNonceBytes == crypto_secretbox_NONCEBYTES);
static_assert(kRoomMacBytes == crypto_secretbox_MACBYTES);
static_assert(kRoomKeyBytes == crypto_generichash_BYTES);

constexpr std::string_view kKeyDomain = "cellgraph/room-key/v1";
constexpr std::string_view kSaltDomain = "cellgraph/room-salt/v1";
static_assert(kKeyDomain.size() >= crypto_generichash_KEYBYTES_MIN &&
              kKeyDomain.size() <= crypto_generichash_KEYBYTES_MAX);

void appendField(Bytes& out, std::string_view s) {
  const std::uint64_t n = s.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (56 - 8 * i)));
  out.insert(out.end(), s.begin(), s.end());
}

Bytes appAndRoom(std::string_view app, std::string_view room) {
  Bytes out;
  out.reserve(16 + app.size() + room.size());
  appendField(out, app);
  appendField(out, room);
  return out;
}

Status checkKey(ByteView key) {
  if (key.size() != kRoomKeyBytes) {
    return Status::invalidArgument("room key must be 32 bytes, got " + std::to_string(key.size()));
  }
  return {};
}

}  // namespace

Result<RoomKey> deriveRoomKey(std::string_view app, std::string_view room, std::string_view password) {
  const Bytes fields = appAndRoom(app, room);
  RoomKey key;
  if (password.empty()) {
    crypto_generichash_state st;
    crypto_generichash_init(&st, asBytes(kKeyDomain).data(), kKeyDomain.size(), kRoomKeyBytes);
    crypto_generichash_update(&st, fields.data(), fields.size());
    crypto_generichash_final(&st, key.data(), kRoomKeyBytes);
    return key;
  }

  std::array<std::uint8_t, crypto_generichash_BYTES> digest;
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, digest.size());
  crypto_generichash_update(&st, asBytes(kSaltDomain).data(), kSaltDomain.size());
  crypto_generichash_update(&st, fields.data(), fields.size());
  crypto_generichash_final(&st, digest.data(), digest.size());
  static_assert(crypto_pwhash_argon2id_SALTBYTES <= crypto_generichash_BYTES);
  const std::uint8_t* salt = digest.data();  // its first crypto_pwhash_SALTBYTES (16)

  if (password.size() > crypto_pwhash_argon2id_PASSWD_MAX) return Status::tooLarge("room password is too long");
  if (crypto_pwhash(key.data(), kRoomKeyBytes, password.data(), password.size(), salt, kRoomPwhashOpsLimit,
                    kRoomPwhashMemLimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::internal("Argon2id failed (out of memory?)");
  }
  return key;
}

Result<Bytes> sealRoom(ByteView key, ByteView plaintext) {
  CG_RETURN_IF_ERROR(checkKey(key));
  if (plaintext.size() > crypto_secretbox_MESSAGEBYTES_MAX - kRoomSealOverhead) {
    return Status::tooLarge("room plaintext is too large");
  }
  Bytes out(kRoomSealOverhead + plaintext.size());
  randombytes_buf(out.data(), kRoomNonceBytes);
  // An empty span may have a null data(); libsodium copies 0 bytes from it.
  const std::uint8_t* m = plaintext.empty() ? out.data() : plaintext.data();
  crypto_secretbox_easy(out.data() + kRoomNonceBytes, m, plaintext.size(), out.data(), key.data());
  return out;
}

Result<Bytes> openRoom(ByteView key, ByteView sealed) {
  CG_RETURN_IF_ERROR(checkKey(key));
  if (sealed.size() < kRoomSealOverhead) {
    return Status::corrupt("sealed room payload is too short (" + std::to_string(sealed.size()) + " bytes)");
  }
  Bytes out(sealed.size() - kRoomSealOverhead);
  std::uint8_t none = 0;  // crypto_secretbox_open_easy wants a pointer even for 0 bytes
  if (crypto_secretbox_open_easy(out.empty() ? &none : out.data(), sealed.data() + kRoomNonceBytes, sealed.size() - kRoomNonceBytes,
                                 sealed.data(), key.data()) != 0) {
    return Status::corrupt("sealed room payload fails authentication (tampered, or another room key)");
  }
  return out;
}

}  // namespace cellgraph::security
