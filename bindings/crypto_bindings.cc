// Embind surface of the rooms' and identities' crypto (the cellgraph-rtc
// module only). Conversion only: every function forwards to a core call and
// converts its arguments and Status (see convert.h).
#include <emscripten/bind.h>
#include <sodium.h>

#include "bindings/convert.h"
#include "core/base/hash.h"
#include "core/base/hex.h"
#include "core/security/ed25519.h"
#include "core/security/mnemonic.h"
#include "core/security/room_crypto.h"
#include "core/security/schnorr.h"

namespace cellgraph::bindings {
namespace {

namespace sec = cellgraph::security;

std::string hexEncode(val bytes) {
  if (!isUint8Array(bytes)) return {};
  return encodeHex(bytesFromJs(bytes));
}

val hexDecode(std::string text) {
  auto r = decodeHex(text);
  return r.ok() ? okToJs(bytesToJs(*r)) : statusToJs(r.status());
}

val keyPairToJs(const sec::KeyPair& kp) {
  val o = val::object();
  o.set("publicKey", bytesToJs(kp.publicKey));
  o.set("secretKey", bytesToJs(kp.secretKey.view()));
  return o;
}

val ed25519KeyPair() { return keyPairToJs(sec::generateKeyPair()); }

val ed25519KeyPairFromSeed(val seed) {
  if (!isUint8Array(seed)) return notBytes("seed");
  Bytes s = bytesFromJs(seed);
  auto kp = sec::keyPairFromSeed(s);
  sec::wipe(s);
  return kp.ok() ? okToJs(keyPairToJs(*kp)) : statusToJs(kp.status());
}

std::string mnemonicNew() { return sec::generateMnemonic(); }

// The identity a BIP-39 phrase stands for (core/security/mnemonic.h).
val identityFromMnemonic(std::string phrase, std::string passphrase) {
  auto kp = sec::identityFromMnemonic(phrase, passphrase);
  sodium_memzero(phrase.data(), phrase.size());
  return kp.ok() ? okToJs(keyPairToJs(*kp)) : statusToJs(kp.status());
}

val mnemonicCheck(std::string phrase) {
  auto e = sec::decodeMnemonic(phrase);
  if (!e.ok()) return statusToJs(e.status());
  sec::wipe(*e);
  return okToJs(val(true));
}

val ed25519Sign(val message, val secretKey) {
  if (!isUint8Array(message)) return notBytes("message");
  if (!isUint8Array(secretKey)) return notBytes("secretKey");
  Bytes sk = bytesFromJs(secretKey);
  auto sig = sec::sign(bytesFromJs(message), sk);
  sec::wipe(sk);
  return sig.ok() ? okToJs(bytesToJs(*sig)) : statusToJs(sig.status());
}

bool ed25519Verify(val message, val signature, val publicKey) {
  if (!isUint8Array(message) || !isUint8Array(signature) || !isUint8Array(publicKey)) return false;
  return sec::verify(bytesFromJs(message), bytesFromJs(signature), bytesFromJs(publicKey));
}

val schnorrPublicKey(val secretKey) {
  if (!isUint8Array(secretKey)) return notBytes("secretKey");
  Bytes sk = bytesFromJs(secretKey);
  auto pk = sec::schnorrPublicKey(sk);
  sec::wipe(sk);
  return pk.ok() ? okToJs(bytesToJs(*pk)) : statusToJs(pk.status());
}

// auxRand may be undefined or null (Embind still wants all three arguments):
// 32 random bytes are drawn then.
val schnorrSign(val secretKey, val message32, val auxRand32) {
  if (!isUint8Array(secretKey)) return notBytes("secretKey");
  if (!isUint8Array(message32)) return notBytes("message");
  const bool noAux = auxRand32.isUndefined() || auxRand32.isNull();
  if (!noAux && !isUint8Array(auxRand32)) return notBytes("auxRand");
  Bytes sk = bytesFromJs(secretKey);
  Bytes aux = noAux ? Bytes{} : bytesFromJs(auxRand32);
  auto sig = sec::schnorrSign(sk, bytesFromJs(message32), aux);
  sec::wipe(sk);
  sec::wipe(aux);
  return sig.ok() ? okToJs(bytesToJs(*sig)) : statusToJs(sig.status());
}

bool schnorrVerify(val publicKey, val message32, val signature) {
  if (!isUint8Array(publicKey) || !isUint8Array(message32) || !isUint8Array(signature)) return false;
  return sec::schnorrVerify(bytesFromJs(publicKey), bytesFromJs(message32), bytesFromJs(signature));
}

// A digest, not a result: hashing cannot fail. null for a non-Uint8Array.
val sha256(val bytes) {
  if (!isUint8Array(bytes)) return val::null();
  return bytesToJs(cellgraph::sha256(bytesFromJs(bytes)));
}

// password: a string, '' or undefined/null for none.
val deriveRoomKey(val app, val room, val password) {
  if (!app.isString()) return statusToJs(Status::invalidArgument("app must be a string"));
  if (!room.isString()) return statusToJs(Status::invalidArgument("room must be a string"));
  const bool noPassword = password.isUndefined() || password.isNull();
  if (!noPassword && !password.isString()) return statusToJs(Status::invalidArgument("password must be a string"));
  std::string pw = noPassword ? std::string() : password.as<std::string>();
  auto key = sec::deriveRoomKey(app.as<std::string>(), room.as<std::string>(), pw);
  if (!pw.empty()) sodium_memzero(pw.data(), pw.size());
  return key.ok() ? okToJs(bytesToJs(key->view())) : statusToJs(key.status());
}

val sealRoom(val key, val plaintext) {
  if (!isUint8Array(key)) return notBytes("key");
  if (!isUint8Array(plaintext)) return notBytes("plaintext");
  Bytes k = bytesFromJs(key);
  auto sealed = sec::sealRoom(k, bytesFromJs(plaintext));
  sec::wipe(k);
  return sealed.ok() ? okToJs(bytesToJs(*sealed)) : statusToJs(sealed.status());
}

val openRoom(val key, val sealed) {
  if (!isUint8Array(key)) return notBytes("key");
  if (!isUint8Array(sealed)) return notBytes("sealed");
  Bytes k = bytesFromJs(key);
  auto opened = sec::openRoom(k, bytesFromJs(sealed));
  sec::wipe(k);
  if (!opened.ok()) return statusToJs(opened.status());
  val out = bytesToJs(*opened);
  sec::wipe(*opened);
  return okToJs(out);
}

}  // namespace
}  // namespace cellgraph::bindings

EMSCRIPTEN_BINDINGS(cellgraph_crypto) {
  using namespace emscripten;
  using namespace cellgraph::bindings;
  using cellgraph::Code;
  enum_<Code>("Code")
      .value("OK", Code::kOk)
      .value("INVALID_ARGUMENT", Code::kInvalidArgument)
      .value("TOO_LARGE", Code::kTooLarge)
      .value("CORRUPT", Code::kCorrupt)
      .value("UNSUPPORTED_VERSION", Code::kUnsupportedVersion)
      .value("BAD_SIGNATURE", Code::kBadSignature)
      .value("UNAUTHORIZED", Code::kUnauthorized)
      .value("NOT_FOUND", Code::kNotFound)
      .value("CLOCK_SKEW", Code::kClockSkew)
      .value("CLOSED", Code::kClosed)
      .value("INTERNAL", Code::kInternal);
  function("hexEncode", &hexEncode);
  function("hexDecode", &hexDecode);
  function("ed25519KeyPair", &ed25519KeyPair);
  function("ed25519KeyPairFromSeed", &ed25519KeyPairFromSeed);
  function("ed25519Sign", &ed25519Sign);
  function("mnemonicNew", &mnemonicNew);
  function("mnemonicCheck", &mnemonicCheck);
  function("identityFromMnemonic", &identityFromMnemonic);
  function("ed25519Verify", &ed25519Verify);
  function("schnorrPublicKey", &schnorrPublicKey);
  function("schnorrSign", &schnorrSign);
  function("schnorrVerify", &schnorrVerify);
  function("sha256", &sha256);
  function("deriveRoomKey", &deriveRoomKey);
  function("sealRoom", &sealRoom);
  function("openRoom", &openRoom);
}
