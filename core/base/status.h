// Status and Result<T>: how every fallible core call reports failure.
//
// The core never throws across its public surface. A call that can fail
// returns a Status (or a Result<T> holding either a value or a non-ok
// Status). The binding layer turns a non-ok Status into {code, message} and
// js/core/errors.js throws one CellgraphError with the stable code name.
//
// The numeric values of Code are part of the wasm ABI and are mirrored in
// js/core/errors.js (ErrorCode); tests/wasm/errors.test.js checks the mirror.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace cellgraph {

enum class Code : std::uint8_t {
  kOk = 0,
  kInvalidArgument = 1,     // the caller passed something malformed
  kTooLarge = 2,            // a size, count or depth limit was exceeded
  kCorrupt = 3,             // stored or received bytes fail their checks
  kUnsupportedVersion = 4,  // a format version this build does not speak
  kBadSignature = 5,        // a signature does not verify
  kUnauthorized = 6,        // the signer lacks the permission
  kNotFound = 7,
  kClockSkew = 8,           // a remote clock is too far ahead; retry later
  kClosed = 9,              // the handle or session is closed
  kInternal = 10,           // a bug: an invariant of ours was broken
};

// Stable, upper-snake name of a code ("INVALID_ARGUMENT"); never changes.
const char* codeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status okStatus() { return {}; }
  static Status invalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status tooLarge(std::string m) { return {Code::kTooLarge, std::move(m)}; }
  static Status corrupt(std::string m) { return {Code::kCorrupt, std::move(m)}; }
  static Status unsupportedVersion(std::string m) { return {Code::kUnsupportedVersion, std::move(m)}; }
  static Status badSignature(std::string m) { return {Code::kBadSignature, std::move(m)}; }
  static Status unauthorized(std::string m) { return {Code::kUnauthorized, std::move(m)}; }
  static Status notFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status clockSkew(std::string m) { return {Code::kClockSkew, std::move(m)}; }
  static Status closed(std::string m) { return {Code::kClosed, std::move(m)}; }
  static Status internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "INVALID_ARGUMENT: value nests deeper than 32 levels"
  std::string toString() const;

  // Prefixes context to the message: "op 3: " + message.
  Status withContext(const std::string& context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a T or a non-ok Status. Constructing from an ok Status is a bug and
// yields kInternal, so a Result never claims success without a value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status::internal("Result built from an ok Status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace cellgraph

// Early return on failure; keeps call sites to one line each.
#define CG_RETURN_IF_ERROR(expr)               \
  do {                                         \
    ::cellgraph::Status cg_status_ = (expr);   \
    if (!cg_status_.ok()) return cg_status_;   \
  } while (0)

#define CG_CONCAT_INNER_(a, b) a##b
#define CG_CONCAT_(a, b) CG_CONCAT_INNER_(a, b)
#define CG_ASSIGN_OR_RETURN(lhs, expr) CG_ASSIGN_OR_RETURN_IMPL_(CG_CONCAT_(cg_result_, __LINE__), lhs, expr)
#define CG_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
