#include "core/api/boundary.h"

#include <boost/json.hpp>

#include "core/base/hex.h"
#include "core/crdt/value_codec.h"

namespace cellgraph::api {
using crdt::ByteSink;
using crdt::packStr;
using crdt::Packer;

namespace {
void packStrings(Packer& pk, const std::vector<std::string>& v) {
  pk.pack_array(static_cast<std::uint32_t>(v.size()));
  for (const auto& s : v) packStr(pk, s);
}
void packBins(Packer& pk, const std::vector<Bytes>& v) {
  pk.pack_array(static_cast<std::uint32_t>(v.size()));
  for (const auto& b : v) crdt::packBin(pk, b);
}

Status badOption(const std::string& key, const char* what) {
  return Status::invalidArgument("engine option '" + key + "' " + what);
}
}  // namespace

// {app, room, superadmins: [hex64], secretKey?: hex128, roles?: [{name, can: [str]}], maxGrants?}
Result<TrustOptions> decodeTrustOptions(const boost::json::value& v) {
  auto bad = [](const std::string& why) { return Status::invalidArgument("engine option 'trust': " + why); };
  if (!v.is_object()) return bad("must be an object");
  TrustOptions t;
  std::string app, room;
  bool haveApp = false, haveRoom = false;
  auto key32 = [&](const boost::json::value& k, std::size_t bytes) -> Result<Bytes> {
    if (!k.is_string() || k.get_string().size() != bytes * 2) return bad("keys are " + std::to_string(bytes * 2) + " hex digits");
    auto raw = decodeHex(k.get_string());
    if (!raw.ok()) return bad("keys are hex digits");
    return std::move(raw).value();
  };
  for (const auto& kv : v.get_object()) {
    std::string key(kv.key());
    const boost::json::value& x = kv.value();
    if (key == "app" || key == "room") {
      if (!x.is_string() || x.get_string().size() > 1024) return bad(key + " must be a string of at most 1024 bytes");
      (key == "app" ? app : room) = std::string(x.get_string());
      (key == "app" ? haveApp : haveRoom) = true;
    } else if (key == "superadmins") {
      if (!x.is_array() || x.get_array().size() > 64) return bad("superadmins must be a list of at most 64 keys");
      for (const auto& k : x.get_array()) {
        CG_ASSIGN_OR_RETURN(Bytes raw, key32(k, 32));
        t.superadmins.emplace_back(raw.begin(), raw.end());
      }
    } else if (key == "secretKey") {
      CG_ASSIGN_OR_RETURN(Bytes raw, key32(x, 64));
      t.secretKey.emplace();
      std::copy(raw.begin(), raw.end(), t.secretKey->data());
      security::wipe(raw);
    } else if (key == "roles") {
      if (!x.is_array()) return bad("roles must be a list, lowest first");
      std::vector<std::pair<std::string, std::vector<std::string>>> roles;
      for (const auto& r : x.get_array()) {
        const auto* o = r.if_object();
        const auto* name = o ? o->if_contains("name") : nullptr;
        const auto* can = o ? o->if_contains("can") : nullptr;
        if (!name || !name->is_string() || (can && !can->is_array()) || o->size() != (can ? 2u : 1u)) {
          return bad("a role is {name, can: [permission...]}");
        }
        std::vector<std::string> perms;
        if (can) {
          if (can->get_array().size() > 32) return bad("a role lists at most 32 permissions");
          for (const auto& p : can->get_array()) {
            if (!p.is_string()) return bad("a permission is a string");
            perms.emplace_back(p.get_string());
          }
        }
        roles.emplace_back(std::string(name->get_string()), std::move(perms));
        if (roles.size() > security::RoleTable::kMaxRoles) break;
      }
      auto table = security::RoleTable::make(roles);
      if (!table.ok()) return bad(table.status().message());
      t.roles = std::move(table).value();
    } else if (key == "maxGrants") {
      if (!x.is_number() || crdt::numberOf(x) < 1 || crdt::numberOf(x) > 1e6) return bad("maxGrants is 1..1000000");
      t.maxGrants = static_cast<std::size_t>(crdt::numberOf(x));
    } else {
      return bad("unknown field '" + key + "'");
    }
  }
  if (!haveApp || !haveRoom) return bad("needs app and room (they name the database every signature covers)");
  t.database = security::databaseId(app, room);
  return t;
}

Result<EngineOptions> decodeEngineOptions(ByteView bytes) {
  Limits limits;
  CG_ASSIGN_OR_RETURN(auto options, crdt::decodeObject(bytes, limits));
  EngineOptions o;
  bool haveReplica = false, haveEpoch = false;
  for (const auto& kv : options) {
    std::string key(kv.key());
    const boost::json::value& v = kv.value();
    auto hex = [&](std::uint64_t& out) -> Status {
      if (!v.is_string()) return badOption(key, "must be 16 hex digits");
      auto x = decodeHex64(v.get_string());
      if (!x.ok()) return badOption(key, "must be 16 hex digits");
      out = *x;
      return {};
    };
    auto count = [&](auto& out, double lo, double hi) -> Status {
      if (!v.is_number()) return badOption(key, "must be a number");
      double d = crdt::numberOf(v);
      if (!(d >= lo && d <= hi) || d != static_cast<double>(static_cast<std::uint64_t>(d))) {
        return badOption(key, "is out of range");
      }
      out = static_cast<std::remove_reference_t<decltype(out)>>(d);
      return {};
    };
    auto flag = [&](bool& out) -> Status {
      if (!v.is_bool()) return badOption(key, "must be true or false");
      out = v.get_bool();
      return {};
    };
    if (key == "replicaId") { CG_RETURN_IF_ERROR(hex(o.store.replicaId)); haveReplica = true; }
    else if (key == "epoch") { CG_RETURN_IF_ERROR(hex(o.store.logEpoch)); haveEpoch = true; }
    else if (key == "opLogWindow") CG_RETURN_IF_ERROR(count(o.store.opLogWindow, 1, 1e6));
    else if (key == "maxClockAheadMs") CG_RETURN_IF_ERROR(count(o.store.maxClockAheadMs, 1, 864e5));
    else if (key == "maxRecords") CG_RETURN_IF_ERROR(count(o.store.maxRecords, 1, 1e9));
    else if (key == "maxGhostRecords") CG_RETURN_IF_ERROR(count(o.store.maxGhostRecords, 0, 1e9));
    else if (key == "maxPeers") CG_RETURN_IF_ERROR(count(o.maxPeers, 1, 4096));
    else if (key == "maxDeferredOps") CG_RETURN_IF_ERROR(count(o.maxDeferredOps, 1, 1e6));
    else if (key == "compactAfterRecords") CG_RETURN_IF_ERROR(count(o.compactAfterRecords, 1, 1e9));
    else if (key == "middleware") CG_RETURN_IF_ERROR(flag(o.middleware));
    else if (key == "liveOverMesh") CG_RETURN_IF_ERROR(flag(o.liveOverMesh));
    else if (key == "maxUnauthorizedOps") CG_RETURN_IF_ERROR(count(o.maxUnauthorizedOps, 1, 1e6));
    else if (key == "trust") { CG_ASSIGN_OR_RETURN(o.trust, decodeTrustOptions(v)); }
    else return Status::invalidArgument("unknown engine option '" + key + "'");
  }
  if (!haveReplica) return Status::invalidArgument("engine options need \"replicaId\" (16 hex digits)");
  if (!haveEpoch) return Status::invalidArgument("engine options need \"epoch\" (16 hex digits)");
  return o;
}

Bytes encodeOpBatch(const std::vector<crdt::Op>& ops) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  pk.pack_array(static_cast<std::uint32_t>(ops.size()));
  for (const auto& op : ops) {
    pk.pack_array(3);
    pk.pack(static_cast<std::uint8_t>(op.type));
    packStr(pk, op.id);
    switch (op.type) {
      case crdt::OpType::kPut: crdt::packObject(pk, *op.value); break;
      case crdt::OpType::kRemove: pk.pack_nil(); break;
      case crdt::OpType::kLink:
      case crdt::OpType::kUnlink: packStr(pk, op.target); break;
    }
  }
  return out;
}

Result<std::vector<crdt::Op>> decodeOpBatch(ByteView bytes, const Limits& limits) {
  CG_ASSIGN_OR_RETURN(auto handle, crdt::unpackOne(bytes, limits));
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::ARRAY) return Status::invalidArgument("an op batch is an array");
  if (o.via.array.size > limits.maxOpsPerWrite) return Status::tooLarge("more than " + std::to_string(limits.maxOpsPerWrite) + " ops in one write");
  std::vector<crdt::Op> ops;
  ops.reserve(o.via.array.size);
  for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
    const msgpack::object& x = o.via.array.ptr[i];
    auto bad = [i](const std::string& what) { return Status::invalidArgument("op " + std::to_string(i) + ": " + what); };
    if (x.type != msgpack::type::ARRAY || x.via.array.size != 3) return bad("an op is [type, id, arg]");
    const msgpack::object* f = x.via.array.ptr;
    if (f[0].type != msgpack::type::POSITIVE_INTEGER || f[0].via.u64 < 1 || f[0].via.u64 > 4) return bad("unknown op type");
    if (f[1].type != msgpack::type::STR) return bad("id is not a string");
    crdt::Op op;
    op.type = static_cast<crdt::OpType>(f[0].via.u64);
    op.id.assign(f[1].via.str.ptr, f[1].via.str.size);
    switch (op.type) {
      case crdt::OpType::kPut: {
        auto value = crdt::objectFromMsgpack(f[2], limits);
        if (!value.ok()) return value.status().withContext("op " + std::to_string(i));
        op.value = std::make_shared<const boost::json::object>(std::move(value).value());
        break;
      }
      case crdt::OpType::kRemove: break;
      case crdt::OpType::kLink:
      case crdt::OpType::kUnlink:
        if (f[2].type != msgpack::type::STR) return bad("edge target is not a string");
        op.target.assign(f[2].via.str.ptr, f[2].via.str.size);
        break;
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

Result<query::QueryOptions> decodeQueryOptions(ByteView bytes, const Limits& limits) {
  CG_ASSIGN_OR_RETURN(auto options, crdt::decodeObject(bytes, limits));
  return query::parseQueryOptions(boost::json::value(std::move(options)));
}

Result<std::vector<bool>> decodeKeep(ByteView bytes, const Limits& limits) {
  CG_ASSIGN_OR_RETURN(auto handle, crdt::unpackOne(bytes, limits));
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::ARRAY) return Status::invalidArgument("a keep list is an array of booleans");
  std::vector<bool> keep(o.via.array.size);
  for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
    if (o.via.array.ptr[i].type != msgpack::type::BOOLEAN) return Status::invalidArgument("a keep list is an array of booleans");
    keep[i] = o.via.array.ptr[i].via.boolean;
  }
  return keep;
}

Bytes encodePrepared(const Engine::Prepared& p) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  pk.pack_array(2);
  pk.pack(p.ticket);
  packBins(pk, p.records);
  return out;
}

namespace {
void packNode(Packer& pk, const graph::Store& store, const std::string& id, const graph::NodeRecord& node) {
  pk.pack_array(4);
  packStr(pk, id);
  crdt::packObject(pk, *node.value);
  packStrings(pk, store.visibleEdges(node));
  pk.pack_array(3);
  pk.pack(node.clock.wall);
  pk.pack(node.clock.counter);
  packStr(pk, encodeHex64(node.clock.peer));
}

// Ids that are no longer live nodes are left out.
void packNodes(Packer& pk, const graph::Store& store, const std::vector<std::string>& ids) {
  std::vector<std::pair<const std::string*, const graph::NodeRecord*>> live;
  live.reserve(ids.size());
  for (const auto& id : ids) {
    const graph::NodeRecord* n = store.find(id);
    if (n && n->exists()) live.push_back({&id, n});
  }
  pk.pack_array(static_cast<std::uint32_t>(live.size()));
  for (auto [id, n] : live) packNode(pk, store, *id, *n);
}
}  // namespace

Bytes encodeNode(const graph::Store& store, const std::string& id, const graph::NodeRecord& node) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  packNode(pk, store, id, node);
  return out;
}

Bytes encodeNodes(const graph::Store& store, const std::vector<std::string>& ids) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  packNodes(pk, store, ids);
  return out;
}

Bytes encodeSubscription(const graph::Store& store, std::uint32_t id, const std::vector<std::string>& initial) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  pk.pack_array(2);
  pk.pack(id);
  packNodes(pk, store, initial);
  return out;
}

namespace {
void packEvents(Packer& pk, const graph::Store& store, const std::vector<query::ChangeEvent>& events) {
  pk.pack_array(static_cast<std::uint32_t>(events.size()));
  for (const auto& e : events) {
    pk.pack_array(4);
    pk.pack(e.subscription);
    pk.pack(static_cast<std::uint8_t>(e.action));
    packStr(pk, e.id);
    const graph::NodeRecord* n = store.find(e.id);
    if (e.action != query::Action::kRemoved && e.action != query::Action::kFailed && n && n->exists()) packNode(pk, store, e.id, *n);
    else pk.pack_nil();
  }
}

void packInspectedOp(Packer& pk, const crdt::Envelope& e) {
  pk.pack_array(6);
  pk.pack(static_cast<std::uint8_t>(e.op.type));
  packStr(pk, e.op.id);
  switch (e.op.type) {
    case crdt::OpType::kPut: crdt::packObject(pk, *e.op.value); break;
    case crdt::OpType::kRemove: pk.pack_nil(); break;
    case crdt::OpType::kLink:
    case crdt::OpType::kUnlink: packStr(pk, e.op.target); break;
  }
  pk.pack(e.clock.wall);
  pk.pack(e.clock.counter);
  packStr(pk, encodeHex64(e.clock.peer));
}
}  // namespace

Bytes encodeEffects(const graph::Store& store, const Effects& fx) {
  // Each distinct buffer once, however many sends name it.
  std::vector<const Bytes*> blobs;
  std::unordered_map<const Bytes*, std::uint32_t> blobIndex;
  auto blob = [&](const std::shared_ptr<const Bytes>& b) {
    auto [it, fresh] = blobIndex.try_emplace(b.get(), static_cast<std::uint32_t>(blobs.size()));
    if (fresh) blobs.push_back(b.get());
    return it->second;
  };
  std::vector<std::pair<const std::string*, std::uint32_t>> sends;
  sends.reserve(fx.sends.size());
  for (const auto& s : fx.sends) sends.push_back({&s.peer, blob(s.bytes)});
  std::vector<std::uint32_t> broadcast;
  for (const auto& b : fx.broadcast) broadcast.push_back(blob(b));

  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  pk.pack_array(11);
  pk.pack(static_cast<std::uint8_t>(fx.status.code()));
  packStr(pk, fx.status.message());
  packBins(pk, fx.persist);
  pk.pack_array(static_cast<std::uint32_t>(blobs.size()));
  for (const Bytes* b : blobs) crdt::packBin(pk, *b);
  pk.pack_array(static_cast<std::uint32_t>(sends.size()));
  for (const auto& [peer, index] : sends) {
    pk.pack_array(2);
    packStr(pk, *peer);
    pk.pack(index);
  }
  pk.pack_array(static_cast<std::uint32_t>(broadcast.size()));
  for (std::uint32_t index : broadcast) pk.pack(index);
  packEvents(pk, store, fx.events);
  packStrings(pk, fx.synced);
  pk.pack_array(static_cast<std::uint32_t>(fx.failed.size()));
  for (const auto& f : fx.failed) {
    pk.pack_array(3);
    packStr(pk, f.peer);
    pk.pack(static_cast<std::uint8_t>(f.status.code()));
    packStr(pk, f.status.message());
  }
  if (fx.inspect) {
    pk.pack_array(4);
    pk.pack(fx.inspect->ticket);
    packStr(pk, fx.inspect->peer);
    fx.inspect->relayed ? pk.pack_true() : pk.pack_false();
    pk.pack_array(static_cast<std::uint32_t>(fx.inspect->ops.size()));
    for (const auto& e : fx.inspect->ops) packInspectedOp(pk, e);
  } else {
    pk.pack_nil();
  }
  fx.compact ? pk.pack_true() : pk.pack_false();
  return out;
}

Bytes encodeStats(const Engine& engine) {
  const EngineStats& s = engine.stats();
  const graph::Store& store = engine.store();
  std::pair<const char*, std::uint64_t> fields[] = {
      {"writes", s.writes}, {"writesAborted", s.writesAborted},
      {"messagesReceived", s.messagesReceived}, {"messagesRefused", s.messagesRefused},
      {"opsApplied", s.opsApplied}, {"opsStale", s.opsStale}, {"opsDeferred", s.opsDeferred},
      {"deferredApplied", s.deferredApplied}, {"deferredDropped", s.deferredDropped},
      {"opsOverQuota", s.opsOverQuota}, {"opsFiltered", s.opsFiltered},
      {"relayedReceived", s.relayedReceived}, {"relayedRefused", s.relayedRefused},
      {"recordsLoaded", s.recordsLoaded}, {"recordsRefused", s.recordsRefused}, {"recordsPersisted", s.recordsPersisted},
      {"peersRefused", s.peersRefused}, {"sessionsRestarted", s.sessionsRestarted}, {"sessionsFailed", s.sessionsFailed},
      {"liveDropped", s.liveDropped},
      {"opsForged", s.opsForged}, {"opsMalformed", s.opsMalformed}, {"opsUnauthorized", s.opsUnauthorized},
      {"unauthorizedReleased", s.unauthorizedReleased}, {"unauthorizedDropped", s.unauthorizedDropped},
      {"opsRetracted", s.opsRetracted}, {"grantsRefused", s.grantsRefused}, {"opsImpersonated", s.opsImpersonated}, {"signaturesChecked", s.signaturesChecked},
      {"unauthorized", engine.unauthorizedCount()}, {"grantsInvalid", engine.grantsInvalid()},
      {"nodes", store.liveCount()}, {"records", store.recordCount()}, {"ghostRecords", store.ghostCount()},
      {"deferred", engine.deferredCount()}, {"peers", engine.peerCount()},
  };
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  pk.pack_map(static_cast<std::uint32_t>(std::size(fields)));
  for (const auto& [name, value] : fields) {
    packStr(pk, name);
    pk.pack(value);
  }
  return out;
}

Bytes encodeSessionStats(const sync::SyncSession& session) {
  const sync::SessionStats& s = session.stats();
  std::pair<const char*, std::uint64_t> fields[] = {
      {"messagesSent", s.messagesSent}, {"messagesReceived", s.messagesReceived},
      {"bytesSent", s.bytesSent}, {"bytesReceived", s.bytesReceived},
      {"opsReceived", s.opsReceived}, {"opsApplied", s.opsApplied}, {"opsDeferred", s.opsDeferred},
      {"opsFiltered", s.opsFiltered}, {"reconMessages", s.reconMessages}, {"restarts", s.restarts},
      {"staleIgnored", s.staleIgnored}, {"needsDeduplicated", s.needsDeduplicated}, {"liveDropped", s.liveDropped},
      {"inFlight", session.inFlight()}, {"queuedBytes", session.queuedBytes()},
  };
  static const char* plans[] = {"none", "delta", "state", "recon"};
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  pk.pack_map(static_cast<std::uint32_t>(std::size(fields) + 2));
  packStr(pk, "plan");
  packStr(pk, plans[static_cast<int>(session.incomingPlan())]);
  packStr(pk, "synced");
  session.synced() ? pk.pack_true() : pk.pack_false();
  for (const auto& [name, value] : fields) {
    packStr(pk, name);
    pk.pack(value);
  }
  return out;
}

}  // namespace cellgraph::api
