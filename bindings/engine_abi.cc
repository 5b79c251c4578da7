// The engine's C ABI (core/api/engine.h), in both wasm builds. Conversion
// only: every method forwards to one Engine call and answers its bytes
// (core/api/boundary.h) or its Status; no policy, no state beyond the engine
// and its clock.
//
// Why not Embind: every argument and answer is already bytes, and Embind's
// runtime, its JS glue and the `val` conversions around each method made up
// a fifth of the engine build. Here one call moves at most one byte buffer
// and one string in and one buffer out.
//
// Protocol (js/core/engine.js is the only caller):
//   cg_engine_call(handle, method, bytes, bytesLen, text, textLen, number)
//   takes ownership of `bytes` and `text` (from malloc, or null when empty)
//   and frees them; it returns a Code (core/base/status.h). The answer, or
//   the error's message when the code is not 0, stays in one buffer until
//   the next call (bindings/reply.h). A method whose answer
//   may be absent (get, peerStats) answers 0 bytes for none.
//
// Peers and security: cellgraph-rtc compiles this file with
// CELLGRAPH_ENGINE_RTC=1 and answers every method. cellgraph-core, what a
// local database runs, is built without them: the peer methods (openPeer ...
// resyncAll, peerStats) and opening with `trust` answer INVALID_ARGUMENT
// naming the build, and cg_describe_message is absent, so that link-time
// optimization drops the sync sessions' code (20 KB gzip) and the signing
// and proof checking of Trust.
//
// Ownership: exactly one JS owner calls cg_engine_delete() on each handle.
// Until kOpen succeeds the handle holds no engine and every method answers
// CLOSED. Single-threaded, as the module is.
#include <emscripten/emscripten.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "bindings/reply.h"
#include "core/api/boundary.h"
#include "core/api/engine.h"
#include "core/base/clock.h"
#include "core/base/hex.h"
#include "core/base/msgpack_io.h"
#include "core/security/ed25519.h"
#if CELLGRAPH_ENGINE_RTC
#include "core/crdt/value_codec.h"
#include "core/sync/describe.h"
#endif

namespace cellgraph::bindings {
namespace {

// Method numbers: the same table is in js/core/engine.js.
enum Method : int {
  kOpen = 1, kLoad, kSnapshot, kCompacted, kPrepare, kCommit, kAbort, kOpenPeer, kClosePeer,
  kReceive, kReceiveRelayed, kResume, kResyncAll, kTick, kClear, kSetMiddleware, kSetLiveOverMesh,
  kGet, kQuery, kSubscribe, kUnsubscribe, kStats, kPeerStats, kRoleOf, kDigest, kReplicaId,
};

struct EngineHandle {
  SystemClock clock;
  std::unique_ptr<api::Engine> engine;
};

#if CELLGRAPH_ENGINE_RTC
constexpr api::Engine::TrustMaker kMakeTrust = &api::Trust::make;
#else
constexpr api::Engine::TrustMaker kMakeTrust = nullptr;  // a database opened with trust is refused
#endif

int effects(api::Engine& e, const api::Effects& fx) { return answer(api::encodeEffects(e.store(), fx)); }

// A list of byte strings as one MessagePack array of bins.
Bytes encodeBins(const std::vector<Bytes>& list) {
  Bytes out;
  ByteSink sink{out};
  Packer p(sink);
  p.pack_array(static_cast<std::uint32_t>(list.size()));
  for (const Bytes& b : list) {
    p.pack_bin(static_cast<std::uint32_t>(b.size()));
    p.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<std::uint32_t>(b.size()));
  }
  return out;
}

int call(EngineHandle& h, int method, ByteView bytes, const std::string& text, double number) {
  if (method == kOpen) {
    if (h.engine) return answer(Status::invalidArgument("the engine is already open"));
    auto o = api::decodeEngineOptions(bytes);
    if (!o.ok()) return answer(o.status());
    auto e = api::Engine::open(h.clock, std::move(o).value(), kMakeTrust);
    if (!e.ok()) return answer(e.status());
    h.engine = std::move(e).value();
    return answer(Bytes{});
  }
  if (!h.engine) return answer(Status::closed("the engine is not open"));
  api::Engine& e = *h.engine;
  const auto ticket = static_cast<std::uint64_t>(number);
  switch (method) {
    case kLoad: return answer(e.load(bytes, number != 0));
    case kSnapshot: return answer(encodeBins(e.snapshot()));
    case kCompacted: e.compacted(); return answer(Bytes{});
    case kPrepare: {
      auto p = e.prepare(bytes);
      return p.ok() ? answer(api::encodePrepared(*p)) : answer(p.status());
    }
    case kCommit: return effects(e, e.commit(ticket));
    case kAbort: e.abort(ticket); return answer(Bytes{});
#if CELLGRAPH_ENGINE_RTC
    case kOpenPeer: {
      // bytes: the link's verified identity as 64 hex digits, or none.
      auto identity = decodeHex(std::string(bytes.begin(), bytes.end()));
      if (!identity.ok()) return answer(Status::invalidArgument("a link's identity is 64 hex digits"));
      return effects(e, e.openPeer(text, *identity));
    }
    case kClosePeer: e.closePeer(text); return answer(Bytes{});
    case kReceive: return effects(e, e.receive(text, bytes));
    case kReceiveRelayed: return effects(e, e.receiveRelayed(text, bytes));
    case kResume: {
      auto keep = api::decodeKeep(bytes, e.store().options().limits);
      return keep.ok() ? effects(e, e.resume(ticket, *keep)) : answer(keep.status());
    }
    case kResyncAll: return effects(e, e.resyncAll());
#else
    case kOpenPeer: case kClosePeer: case kReceive: case kReceiveRelayed: case kResume: case kResyncAll:
    case kPeerStats:
      return answer(Status::invalidArgument("this engine (cellgraph-core) is built without peers: a database in a room runs cellgraph-rtc"));
#endif
    case kTick: return effects(e, e.tick());
    case kClear: {
      auto epoch = decodeHex64(text);
      return epoch.ok() ? effects(e, e.clear(*epoch)) : answer(epoch.status());
    }
    case kSetMiddleware: e.setMiddleware(number != 0); return answer(Bytes{});
    case kSetLiveOverMesh: e.setLiveOverMesh(number != 0); return answer(Bytes{});
    case kGet: {
      const graph::NodeRecord* n = e.store().find(text);
      return answer(n && n->exists() ? api::encodeNode(e.store(), text, *n) : Bytes{});
    }
    case kQuery: case kSubscribe: {
      auto o = api::decodeQueryOptions(bytes, e.store().options().limits);
      if (!o.ok()) return answer(o.status());
      if (method == kQuery) {
        auto ids = e.query(*o);
        return ids.ok() ? answer(api::encodeNodes(e.store(), *ids)) : answer(ids.status());
      }
      std::vector<std::string> initial;
      auto id = e.subscribe(std::move(o).value(), &initial);
      return id.ok() ? answer(api::encodeSubscription(e.store(), *id, initial)) : answer(id.status());
    }
    case kUnsubscribe: return answerFlag(e.unsubscribe(static_cast<std::uint32_t>(number)));
    case kStats: return answer(api::encodeStats(e));
#if CELLGRAPH_ENGINE_RTC
    case kPeerStats: {
      const sync::SyncSession* s = e.session(text);
      return answer(s ? api::encodeSessionStats(*s) : Bytes{});
    }
#endif
    case kRoleOf: {
      auto id = decodeHex(text);
      if (!id.ok()) return answer(Status::invalidArgument("an identity is 64 hex digits"));
      auto role = e.roleOf(*id);
      return role.ok() ? answer(*role) : answer(role.status());
    }
    case kDigest: return answer(encodeHex(e.store().digest()));
    case kReplicaId: return answer(encodeHex64(e.store().options().replicaId));
    default: return answer(Status::invalidArgument("no such engine method"));
  }
}

}  // namespace
}  // namespace cellgraph::bindings

using cellgraph::bindings::EngineHandle;
using cellgraph::bindings::answer;

extern "C" {

// libsodium's start-up; a Code.
EMSCRIPTEN_KEEPALIVE int cg_init() { return answer(cellgraph::security::initCrypto()); }

// The version, as the reply.
EMSCRIPTEN_KEEPALIVE int cg_version() { return answer(std::string("0.1.0")); }

EMSCRIPTEN_KEEPALIVE const std::uint8_t* cg_reply_data() { return cellgraph::bindings::reply.data(); }
EMSCRIPTEN_KEEPALIVE std::size_t cg_reply_size() { return cellgraph::bindings::reply.size(); }
// Wipes a secret answer once JS has copied it.
EMSCRIPTEN_KEEPALIVE void cg_reply_wipe() { cellgraph::bindings::wipeReply(); }

EMSCRIPTEN_KEEPALIVE EngineHandle* cg_engine_new() { return new EngineHandle(); }
EMSCRIPTEN_KEEPALIVE void cg_engine_delete(EngineHandle* h) { delete h; }

EMSCRIPTEN_KEEPALIVE int cg_engine_call(EngineHandle* h, int method, std::uint8_t* bytes, std::size_t bytesLen,
                                        char* text, std::size_t textLen, double number) {
  const std::string t = text ? std::string(text, textLen) : std::string();
  std::free(text);
  // The engine copies what it keeps, so the caller's buffer is viewed, not copied.
  const int code = cellgraph::bindings::call(*h, method, cellgraph::ByteView(bytes, bytes ? bytesLen : 0), t, number);
  std::free(bytes);
  return code;
}

#if CELLGRAPH_ENGINE_RTC
// A sync message's description (core/sync/describe.h) as MessagePack, as
// the reply: for tests and debugging. Not JSON text, so that no build has a
// JSON serializer (its number formatting and tables were 8 KB of wasm).
EMSCRIPTEN_KEEPALIVE int cg_describe_message(std::uint8_t* bytes, std::size_t n) {
  auto m = cellgraph::sync::decodeMessage(cellgraph::ByteView(bytes, bytes ? n : 0), {});
  int code;
  if (m.ok()) {
    cellgraph::Bytes out;
    cellgraph::ByteSink sink{out};
    cellgraph::Packer p(sink);
    cellgraph::crdt::packValue(p, cellgraph::sync::describeMessage(*m));
    code = answer(std::move(out));
  } else {
    code = answer(m.status());
  }
  std::free(bytes);
  return code;
}

#endif

}  // extern "C"
