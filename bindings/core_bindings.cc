// Embind surface of the core. Conversion only: every function forwards to a
// core call and converts its arguments and Status (see convert.h).
#include <emscripten/bind.h>

#include "bindings/convert.h"
#include "core/base/hex.h"
#include "core/security/ed25519.h"

namespace cellgraph::bindings {
namespace {

namespace sec = cellgraph::security;

val initCrypto() { return statusToJs(sec::initCrypto()); }

std::string version() { return "0.1.0"; }

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

}  // namespace
}  // namespace cellgraph::bindings

EMSCRIPTEN_BINDINGS(cellgraph_core) {
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
  function("initCrypto", &initCrypto);
  function("version", &version);
  function("hexEncode", &hexEncode);
  function("hexDecode", &hexDecode);
  function("ed25519KeyPair", &ed25519KeyPair);
  function("ed25519KeyPairFromSeed", &ed25519KeyPairFromSeed);
  function("ed25519Sign", &ed25519Sign);
  function("ed25519Verify", &ed25519Verify);
}
