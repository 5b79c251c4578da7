// Embind handle for core/api/engine.h. Conversion only: every method forwards
// to one Engine call and returns its bytes (core/api/boundary.h) or its
// Status; no policy, no state of its own beyond the engine and its clock.
//
// Ownership: exactly one JS owner (js/core/engine.js) calls delete(). Until
// open() succeeds the handle holds no engine and every call answers CLOSED.
#include <emscripten/bind.h>

#include "bindings/convert.h"
#include "core/api/boundary.h"
#include "core/api/engine.h"
#include "core/base/clock.h"
#include "core/base/hex.h"
#include "core/sync/describe.h"

#include <boost/json.hpp>

namespace cellgraph::bindings {
namespace {

val closed() { return statusToJs(Status::closed("the engine is not open")); }

class EngineHandle {
 public:
  val open(val options) {
    if (!isUint8Array(options)) return notBytes("options");
    if (engine_) return statusToJs(Status::invalidArgument("the engine is already open"));
    auto o = api::decodeEngineOptions(bytesFromJs(options));
    if (!o.ok()) return statusToJs(o.status());
    auto e = api::Engine::open(clock_, std::move(o).value());
    if (!e.ok()) return statusToJs(e.status());
    engine_ = std::move(e).value();
    return okToJs(val::undefined());
  }

  val load(val record, bool fromLog) {
    if (!engine_) return closed();
    if (!isUint8Array(record)) return notBytes("record");
    return statusToJs(engine_->load(bytesFromJs(record), fromLog));
  }
  val snapshot() const {
    if (!engine_) return closed();
    return okToJs(bins(engine_->snapshot()));
  }
  void compacted() { if (engine_) engine_->compacted(); }

  val prepare(val batch) {
    if (!engine_) return closed();
    if (!isUint8Array(batch)) return notBytes("op batch");
    auto p = engine_->prepare(bytesFromJs(batch));
    return p.ok() ? okToJs(bytesToJs(api::encodePrepared(*p))) : statusToJs(p.status());
  }
  val commit(double ticket) { return effects([&] { return engine_->commit(static_cast<std::uint64_t>(ticket)); }); }
  void abort(double ticket) { if (engine_) engine_->abort(static_cast<std::uint64_t>(ticket)); }

  // identityHex: the link's verified identity (64 hex digits), or "".
  val openPeer(std::string peer, std::string identityHex) {
    auto identity = decodeHex(identityHex);
    if (!identity.ok()) return statusToJs(Status::invalidArgument("a link's identity is 64 hex digits"));
    return effects([&] { return engine_->openPeer(peer, *identity); });
  }
  void closePeer(std::string peer) { if (engine_) engine_->closePeer(peer); }
  val receive(std::string peer, val message) {
    if (!isUint8Array(message)) return notBytes("message");
    Bytes b = bytesFromJs(message);
    return effects([&] { return engine_->receive(peer, b); });
  }
  val receiveRelayed(std::string origin, val message) {
    if (!isUint8Array(message)) return notBytes("message");
    Bytes b = bytesFromJs(message);
    return effects([&] { return engine_->receiveRelayed(origin, b); });
  }
  val resume(double ticket, val keep) {
    if (!engine_) return closed();
    if (!isUint8Array(keep)) return notBytes("keep");
    auto k = api::decodeKeep(bytesFromJs(keep), engine_->store().options().limits);
    if (!k.ok()) return statusToJs(k.status());
    return effects([&] { return engine_->resume(static_cast<std::uint64_t>(ticket), *k); });
  }
  val resyncAll() { return effects([&] { return engine_->resyncAll(); }); }
  val tick() { return effects([&] { return engine_->tick(); }); }
  val clear(std::string epochHex) {
    auto epoch = decodeHex64(epochHex);
    if (!epoch.ok()) return statusToJs(epoch.status());
    return effects([&] { return engine_->clear(*epoch); });
  }
  void setMiddleware(bool on) { if (engine_) engine_->setMiddleware(on); }
  void setLiveOverMesh(bool on) { if (engine_) engine_->setLiveOverMesh(on); }

  val get(std::string id) const {
    if (!engine_) return closed();
    const graph::NodeRecord* n = engine_->store().find(id);
    if (!n || !n->exists()) return okToJs(val::null());
    return okToJs(bytesToJs(api::encodeNode(engine_->store(), id, *n)));
  }
  val query(val options) {
    if (!engine_) return closed();
    if (!isUint8Array(options)) return notBytes("map options");
    auto o = api::decodeQueryOptions(bytesFromJs(options), engine_->store().options().limits);
    if (!o.ok()) return statusToJs(o.status());
    auto ids = engine_->query(*o);
    return ids.ok() ? okToJs(bytesToJs(api::encodeNodes(engine_->store(), *ids))) : statusToJs(ids.status());
  }
  val subscribe(val options) {
    if (!engine_) return closed();
    if (!isUint8Array(options)) return notBytes("map options");
    auto o = api::decodeQueryOptions(bytesFromJs(options), engine_->store().options().limits);
    if (!o.ok()) return statusToJs(o.status());
    std::vector<std::string> initial;
    auto id = engine_->subscribe(std::move(o).value(), &initial);
    return id.ok() ? okToJs(bytesToJs(api::encodeSubscription(engine_->store(), *id, initial))) : statusToJs(id.status());
  }
  bool unsubscribe(double id) { return engine_ && engine_->unsubscribe(static_cast<std::uint32_t>(id)); }

  val stats() const { return engine_ ? okToJs(bytesToJs(api::encodeStats(*engine_))) : closed(); }
  val peerStats(std::string peer) const {
    if (!engine_) return closed();
    const sync::SyncSession* s = engine_->session(peer);
    return okToJs(s ? bytesToJs(api::encodeSessionStats(*s)) : val::null());
  }
  val roleOf(std::string identityHex) const {
    if (!engine_) return closed();
    auto id = decodeHex(identityHex);
    if (!id.ok()) return statusToJs(Status::invalidArgument("an identity is 64 hex digits"));
    auto role = engine_->roleOf(*id);
    return role.ok() ? okToJs(val(*role)) : statusToJs(role.status());
  }
  std::string digest() const { return engine_ ? encodeHex(engine_->store().digest()) : std::string(); }
  std::string replicaId() const { return engine_ ? encodeHex64(engine_->store().options().replicaId) : std::string(); }

 private:
  template <typename F>
  val effects(F&& call) {
    if (!engine_) return closed();
    api::Effects fx = call();
    return okToJs(bytesToJs(api::encodeEffects(engine_->store(), fx)));
  }
  static val bins(const std::vector<Bytes>& list) {
    val a = val::array();
    for (const Bytes& b : list) a.call<void>("push", bytesToJs(b));
    return a;
  }

  SystemClock clock_;
  std::unique_ptr<api::Engine> engine_;
};

val describeMessage(val message) {
  if (!isUint8Array(message)) return notBytes("message");
  auto m = sync::decodeMessage(bytesFromJs(message), {});
  return m.ok() ? okToJs(val(boost::json::serialize(sync::describeMessage(*m)))) : statusToJs(m.status());
}

}  // namespace
}  // namespace cellgraph::bindings

EMSCRIPTEN_BINDINGS(cellgraph_engine) {
  using namespace emscripten;
  using namespace cellgraph::bindings;
  class_<EngineHandle>("Engine")
      .constructor<>()
      .function("open", &EngineHandle::open)
      .function("load", &EngineHandle::load)
      .function("snapshot", &EngineHandle::snapshot)
      .function("compacted", &EngineHandle::compacted)
      .function("prepare", &EngineHandle::prepare)
      .function("commit", &EngineHandle::commit)
      .function("abort", &EngineHandle::abort)
      .function("openPeer", &EngineHandle::openPeer)
      .function("closePeer", &EngineHandle::closePeer)
      .function("receive", &EngineHandle::receive)
      .function("receiveRelayed", &EngineHandle::receiveRelayed)
      .function("resume", &EngineHandle::resume)
      .function("resyncAll", &EngineHandle::resyncAll)
      .function("tick", &EngineHandle::tick)
      .function("clear", &EngineHandle::clear)
      .function("setMiddleware", &EngineHandle::setMiddleware)
      .function("setLiveOverMesh", &EngineHandle::setLiveOverMesh)
      .function("get", &EngineHandle::get)
      .function("query", &EngineHandle::query)
      .function("subscribe", &EngineHandle::subscribe)
      .function("unsubscribe", &EngineHandle::unsubscribe)
      .function("stats", &EngineHandle::stats)
      .function("peerStats", &EngineHandle::peerStats)
      .function("roleOf", &EngineHandle::roleOf)
      .function("digest", &EngineHandle::digest)
      .function("replicaId", &EngineHandle::replicaId);
  function("describeMessage", &describeMessage);
}
