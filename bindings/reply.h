// The one reply buffer of the wasm C ABI (engine_abi.cc, rtc_abi.cc): every
// call answers a Code (core/base/status.h) and leaves its answer, or the
// error's message, here until the next call; JS copies it out with
// cg_reply_data() / cg_reply_size() (js/core/abi.js).
//
// Answers may be secrets (key pairs, room keys, opened plaintexts): JS
// wipes such an answer as soon as it has copied it (cg_reply_wipe,
// js/core/abi.js secretReply), so other answers, query results among them,
// replace the buffer without wiping it. Single-threaded, as the module is.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/status.h"

namespace cellgraph::bindings {

inline Bytes reply;

inline void wipeReply() {
  if (!reply.empty()) sodium_memzero(reply.data(), reply.size());
  reply.clear();
}

inline int answer(Bytes&& bytes) {
  reply = std::move(bytes);
  return 0;
}
inline int answer(ByteView bytes) {
  reply.assign(bytes.begin(), bytes.end());
  return 0;
}
inline int answer(const Status& s) {
  reply.assign(s.message().begin(), s.message().end());
  return static_cast<int>(s.code());
}
inline int answer(std::string_view text) {
  return answer(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}
inline int answerFlag(bool b) {
  const std::uint8_t byte = b;
  return answer(ByteView(&byte, 1));
}
template <typename T>
int answer(const Result<T>& r) {
  return r.ok() ? answer(*r) : answer(r.status());
}

}  // namespace cellgraph::bindings
