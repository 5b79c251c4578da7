// Embind handles for the data core: Store and SyncSession. Conversion only;
// the byte formats are defined in core/api/boundary.h.
//
// Ownership: each handle has exactly one JS owner (js/core/store.js) that
// calls delete(). A SyncSession holds a reference to its Store: delete every
// session of a store before the store itself.
#include <emscripten/bind.h>

#include <unordered_set>

#include <boost/json.hpp>

#include "bindings/convert.h"
#include "core/api/boundary.h"
#include "core/base/clock.h"
#include "core/base/hex.h"
#include "core/query/live.h"
#include "core/sync/describe.h"
#include "core/sync/session.h"

namespace cellgraph::bindings {
namespace {
namespace json = boost::json;

Result<graph::StoreOptions> parseStoreConfig(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::invalidArgument("store config is not a JSON object");
  const json::object& o = v.get_object();
  graph::StoreOptions opt;
  auto hex = [&](const char* key, std::uint64_t& out) -> Status {
    const json::value* x = o.if_contains(key);
    if (!x || !x->is_string()) return Status::invalidArgument(std::string("store config needs \"") + key + "\" (16 hex digits)");
    CG_ASSIGN_OR_RETURN(out, decodeHex64(x->get_string()));
    if (out == 0) return Status::invalidArgument(std::string("store config \"") + key + "\" must not be zero");
    return {};
  };
  CG_RETURN_IF_ERROR(hex("replicaId", opt.replicaId));
  CG_RETURN_IF_ERROR(hex("epoch", opt.logEpoch));
  auto number = [&](const char* key, auto& out) -> Status {
    const json::value* x = o.if_contains(key);
    if (!x) return {};
    if (!x->is_number()) return Status::invalidArgument(std::string("store config \"") + key + "\" must be a number");
    double d = x->to_number<double>();
    if (!(d >= 1 && d <= 1e12)) return Status::invalidArgument(std::string("store config \"") + key + "\" is out of range");
    out = static_cast<std::remove_reference_t<decltype(out)>>(d);
    return {};
  };
  CG_RETURN_IF_ERROR(number("opLogWindow", opt.opLogWindow));
  CG_RETURN_IF_ERROR(number("maxClockAheadMs", opt.maxClockAheadMs));
  return opt;
}

// `refused` holds one "wall:counter:peer" clock key per line, as
// describeMessage() prints them; the filter keeps every other op.
std::function<bool(const crdt::Envelope&)> keepUnlessRefused(const std::string& refused) {
  auto keys = std::make_shared<std::unordered_set<std::string>>();
  for (std::size_t at = 0; at < refused.size();) {
    std::size_t end = refused.find('\n', at);
    if (end == std::string::npos) end = refused.size();
    if (end > at) keys->insert(refused.substr(at, end - at));
    at = end + 1;
  }
  return [keys](const crdt::Envelope& e) {
    return !keys->count(std::to_string(e.clock.wall) + ":" + std::to_string(e.clock.counter) + ":" +
                        encodeHex64(e.clock.peer));
  };
}

class StoreHandle {
 public:
  explicit StoreHandle(std::string config) {
    auto opt = parseStoreConfig(config);
    if (!opt.ok()) {
      status_ = opt.status();
      opt = graph::StoreOptions{1, 1};
    }
    store_ = std::make_unique<graph::Store>(clock_, *opt);
    engine_ = std::make_unique<query::QueryEngine>(*store_);
    live_ = std::make_unique<query::LiveQueries>(*engine_);
  }

  // Every change reaches the indexes and the live queries; their events wait
  // in a queue for takeEvents().
  void changed(const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    engine_->onChanged(ids);
    auto events = live_->apply(ids);
    pending_.insert(pending_.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
  }
  val status() const { return statusToJs(status_); }
  graph::Store& store() { return *store_; }
  crdt::Verifier& verifier() { return verifier_; }

  val write(val batch) {
    if (!isUint8Array(batch)) return notBytes("op batch");
    if (!status_.ok()) return statusToJs(status_);
    auto ops = api::decodeOpBatch(bytesFromJs(batch), store_->options().limits);
    if (!ops.ok()) return statusToJs(ops.status());
    graph::ApplyReport report;
    auto envs = store_->write(std::move(ops).value(), &report);
    if (!envs.ok()) return statusToJs(envs.status());
    auto messages = sync::encodeLiveBatch(*store_, *envs, report.firstSeq);
    changed(report.changedIds);
    return okToJs(bytesToJs(api::encodeWriteResult(messages, report)));
  }

  // A live batch relayed by the mesh; `refused` as for receiveExcept.
  val applyLive(val message, std::string refused) {
    if (!isUint8Array(message)) return notBytes("message");
    auto report = sync::applyOpsMessage(*store_, verifier_, bytesFromJs(message),
                                        refused.empty() ? nullptr : keepUnlessRefused(refused));
    if (report.ok()) changed(report->changedIds);
    return report.ok() ? okToJs(bytesToJs(api::encodeApplyReport(*report))) : statusToJs(report.status());
  }

  // Persistence: the state of every record, or of the given ids (msgpack
  // [id...]), as OPS state messages (msgpack [message bin...]).
  val snapshot() const {
    return bytesToJs(api::encodeReceiveResult(sync::encodeStateMessages(*store_, nullptr, 0), {}));
  }

  val exportNodes(val idsBytes) const {
    if (!isUint8Array(idsBytes)) return notBytes("ids");
    auto ids = api::decodeIdList(bytesFromJs(idsBytes), store_->options().limits);
    if (!ids.ok()) return statusToJs(ids.status());
    return okToJs(bytesToJs(api::encodeReceiveResult(sync::encodeStateMessages(*store_, &*ids, 0), {})));
  }

  // Reloads a message this store persisted earlier (never deferred for skew).
  val load(val message) {
    if (!isUint8Array(message)) return notBytes("message");
    auto report = sync::loadOpsMessage(*store_, verifier_, bytesFromJs(message));
    if (report.ok()) changed(report->changedIds);
    return report.ok() ? okToJs(bytesToJs(api::encodeApplyReport(*report))) : statusToJs(report.status());
  }

  val get(std::string id) const {
    const graph::NodeRecord* n = store_->find(id);
    if (!n || !n->exists()) return val::null();
    return bytesToJs(api::encodeNode(*store_, id, *n));
  }

  // map(): options as JSON text ({query, field, order, $limit, $after, $before}).
  val query(std::string optionsJson) {
    auto options = parseOptions(optionsJson);
    if (!options.ok()) return statusToJs(options.status());
    auto ids = engine_->run(*options);
    return ids.ok() ? okToJs(bytesToJs(api::encodeNodes(*store_, *ids))) : statusToJs(ids.status());
  }

  val subscribe(std::string optionsJson) {
    auto options = parseOptions(optionsJson);
    if (!options.ok()) return statusToJs(options.status());
    std::vector<std::string> initial;
    auto id = live_->subscribe(std::move(options).value(), &initial);
    return id.ok() ? okToJs(bytesToJs(api::encodeSubscription(*store_, *id, initial))) : statusToJs(id.status());
  }

  bool unsubscribe(double id) { return live_->unsubscribe(static_cast<std::uint32_t>(id)); }

  // Change events of every live query since the last call; null when none.
  val takeEvents() {
    if (pending_.empty()) return val::null();
    Bytes b = api::encodeEvents(*store_, pending_);
    pending_.clear();
    return bytesToJs(b);
  }

  std::string digest() const { return encodeHex(store_->digest()); }
  double liveCount() const { return static_cast<double>(store_->liveCount()); }
  double recordCount() const { return static_cast<double>(store_->recordCount()); }
  std::string replicaId() const { return encodeHex64(store_->options().replicaId); }

 private:
  static Result<query::QueryOptions> parseOptions(const std::string& text) {
    json::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return Status::invalidArgument("map options are not valid JSON: " + ec.message());
    return query::parseQueryOptions(v);
  }

  SystemClock clock_;
  crdt::StructuralVerifier verifier_;
  std::unique_ptr<graph::Store> store_;
  std::unique_ptr<query::QueryEngine> engine_;
  std::unique_ptr<query::LiveQueries> live_;
  std::vector<query::ChangeEvent> pending_;
  Status status_;
};

class SessionHandle {
 public:
  SessionHandle(StoreHandle& store, std::string expectedPeerHex) : store_(store) {
    sync::SessionOptions opt;
    if (auto peer = decodeHex64(expectedPeerHex); peer.ok()) opt.expectedPeer = *peer;
    session_ = std::make_unique<sync::SyncSession>(store.store(), store.verifier(), opt);
  }
  val start() { return bytesToJs(session_->start()); }
  val receive(val message) {
    if (!isUint8Array(message)) return notBytes("message");
    auto replies = session_->receive(bytesFromJs(message));
    if (!replies.ok()) return statusToJs(replies.status());
    store_.changed(session_->changedIds());
    return okToJs(bytesToJs(api::encodeReceiveResult(*replies, session_->changedIds())));
  }
  // receive() that drops the ops the application refused (js `use()`):
  // `refused` holds one "wall:counter:peer" clock key per line, as
  // describeMessage() prints them.
  val receiveExcept(val message, std::string refused) {
    session_->setOpFilter(keepUnlessRefused(refused));
    val result = receive(message);
    session_->setOpFilter(nullptr);
    return result;
  }
  bool synced() const { return session_->synced(); }
  std::string peer() const { return session_->peer() ? encodeHex64(session_->peer()) : std::string(); }
  val stats() const {
    const auto& s = session_->stats();
    val o = val::object();
    o.set("messagesSent", static_cast<double>(s.messagesSent));
    o.set("messagesReceived", static_cast<double>(s.messagesReceived));
    o.set("bytesSent", static_cast<double>(s.bytesSent));
    o.set("bytesReceived", static_cast<double>(s.bytesReceived));
    o.set("opsApplied", static_cast<double>(s.opsApplied));
    o.set("opsDeferred", static_cast<double>(s.opsDeferred));
    o.set("opsFiltered", static_cast<double>(s.opsFiltered));
    static const char* plans[] = {"none", "delta", "state", "recon"};
    o.set("plan", std::string(plans[static_cast<int>(session_->incomingPlan())]));
    return o;
  }

 private:
  StoreHandle& store_;
  std::unique_ptr<sync::SyncSession> session_;
};

val describeMessage(val message) {
  if (!isUint8Array(message)) return notBytes("message");
  auto m = sync::decodeMessage(bytesFromJs(message), {});
  return m.ok() ? okToJs(val(json::serialize(sync::describeMessage(*m)))) : statusToJs(m.status());
}

}  // namespace
}  // namespace cellgraph::bindings

EMSCRIPTEN_BINDINGS(cellgraph_store) {
  using namespace emscripten;
  using namespace cellgraph::bindings;
  class_<StoreHandle>("Store")
      .constructor<std::string>()
      .function("status", &StoreHandle::status)
      .function("write", &StoreHandle::write)
      .function("applyLive", &StoreHandle::applyLive)
      .function("get", &StoreHandle::get)
      .function("snapshot", &StoreHandle::snapshot)
      .function("exportNodes", &StoreHandle::exportNodes)
      .function("load", &StoreHandle::load)
      .function("query", &StoreHandle::query)
      .function("subscribe", &StoreHandle::subscribe)
      .function("unsubscribe", &StoreHandle::unsubscribe)
      .function("takeEvents", &StoreHandle::takeEvents)
      .function("digest", &StoreHandle::digest)
      .function("liveCount", &StoreHandle::liveCount)
      .function("recordCount", &StoreHandle::recordCount)
      .function("replicaId", &StoreHandle::replicaId);
  class_<SessionHandle>("SyncSession")
      .constructor<StoreHandle&, std::string>()
      .function("start", &SessionHandle::start)
      .function("receive", &SessionHandle::receive)
      .function("receiveExcept", &SessionHandle::receiveExcept)
      .function("synced", &SessionHandle::synced)
      .function("peer", &SessionHandle::peer)
      .function("stats", &SessionHandle::stats);
  function("describeMessage", &describeMessage);
}
