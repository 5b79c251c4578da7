// Conversions between Embind values and core types. No logic lives here.
//
// Fallible calls return a JS object {code, message, value}; code 0 is
// success. js/core/module.js turns any other code into a CellgraphError, so
// no C++ exception and no JS exception crosses the boundary (R7).
#pragma once

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>

#include "core/base/bytes.h"
#include "core/base/status.h"

namespace cellgraph::bindings {

using emscripten::val;

inline bool isUint8Array(const val& v) { return v.instanceof(val::global("Uint8Array")); }

// Copies a Uint8Array into the wasm heap in one TypedArray.set call.
// Precondition: isUint8Array(v).
inline Bytes bytesFromJs(const val& v) {
  Bytes out(v["length"].as<std::size_t>());
  if (!out.empty()) val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", v);
  return out;
}

// Copies bytes out of the heap: a heap view would detach when memory grows.
inline val bytesToJs(ByteView b) {
  return val::global("Uint8Array").new_(emscripten::typed_memory_view(b.size(), b.data()));
}

inline val statusToJs(const Status& s, val value = val::undefined()) {
  val r = val::object();
  r.set("code", static_cast<int>(s.code()));
  r.set("message", s.message());
  r.set("value", value);
  return r;
}

inline val okToJs(val value) { return statusToJs(Status{}, std::move(value)); }

inline val notBytes(const char* what) {
  return statusToJs(Status::invalidArgument(std::string(what) + " must be a Uint8Array"));
}

}  // namespace cellgraph::bindings
