#include "core/base/status.h"

namespace cellgraph {

const char* codeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "INVALID_ARGUMENT";
    case Code::kTooLarge: return "TOO_LARGE";
    case Code::kCorrupt: return "CORRUPT";
    case Code::kUnsupportedVersion: return "UNSUPPORTED_VERSION";
    case Code::kBadSignature: return "BAD_SIGNATURE";
    case Code::kUnauthorized: return "UNAUTHORIZED";
    case Code::kNotFound: return "NOT_FOUND";
    case Code::kClockSkew: return "CLOCK_SKEW";
    case Code::kClosed: return "CLOSED";
    case Code::kInternal: return "INTERNAL";
  }
  return "INTERNAL";
}

std::string Status::toString() const {
  if (ok()) return "OK";
  return std::string(codeName(code_)) + ": " + message_;
}

Status Status::withContext(const std::string& context) const {
  if (ok()) return *this;
  return {code_, context + ": " + message_};
}

}  // namespace cellgraph
