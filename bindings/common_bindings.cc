// What both wasm modules export (bindings/CMakeLists.txt): the status codes,
// libsodium's start-up and the version. Conversion only.
#include <emscripten/bind.h>

#include "bindings/convert.h"
#include "core/security/ed25519.h"

namespace cellgraph::bindings {
namespace {

val initCrypto() { return statusToJs(security::initCrypto()); }

std::string version() { return "0.1.0"; }

}  // namespace
}  // namespace cellgraph::bindings

EMSCRIPTEN_BINDINGS(cellgraph_common) {
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
}
