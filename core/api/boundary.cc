#include "core/api/boundary.h"

#include "core/base/hex.h"

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
}  // namespace

Result<std::vector<crdt::Op>> decodeOpBatch(ByteView bytes, const Limits& limits) {
  CG_ASSIGN_OR_RETURN(auto handle, crdt::unpackOne(bytes, limits));
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::ARRAY) return Status::invalidArgument("an op batch is an array");
  if (o.via.array.size > limits.maxOpsPerMessage) return Status::tooLarge("too many ops in one batch");
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

Result<std::vector<std::string>> decodeIdList(ByteView bytes, const Limits& limits) {
  CG_ASSIGN_OR_RETURN(auto handle, crdt::unpackOne(bytes, limits));
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::ARRAY) return Status::invalidArgument("an id list is an array of strings");
  std::vector<std::string> ids;
  ids.reserve(o.via.array.size);
  for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
    const msgpack::object& x = o.via.array.ptr[i];
    if (x.type != msgpack::type::STR) return Status::invalidArgument("id " + std::to_string(i) + " is not a string");
    ids.emplace_back(x.via.str.ptr, x.via.str.size);
  }
  return ids;
}

Bytes encodeWriteResult(const std::vector<Bytes>& messages, const graph::ApplyReport& report) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  pk.pack_array(4);
  packBins(pk, messages);
  packStrings(pk, report.changedIds);
  pk.pack(report.firstSeq);
  pk.pack(report.lastSeq);
  return out;
}

Bytes encodeApplyReport(const graph::ApplyReport& report) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  pk.pack_array(4);
  pk.pack(static_cast<std::uint64_t>(report.applied));
  pk.pack(static_cast<std::uint64_t>(report.stale));
  pk.pack(static_cast<std::uint64_t>(report.deferred));
  packStrings(pk, report.changedIds);
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

Bytes encodeEvents(const graph::Store& store, const std::vector<query::ChangeEvent>& events) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  pk.pack_array(static_cast<std::uint32_t>(events.size()));
  for (const auto& e : events) {
    pk.pack_array(4);
    pk.pack(e.subscription);
    pk.pack(static_cast<std::uint8_t>(e.action));
    packStr(pk, e.id);
    const graph::NodeRecord* n = store.find(e.id);
    if (e.action != query::Action::kRemoved && n && n->exists()) packNode(pk, store, e.id, *n);
    else pk.pack_nil();
  }
  return out;
}

Bytes encodeReceiveResult(const std::vector<Bytes>& replies, const std::vector<std::string>& changedIds) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  pk.pack_array(2);
  packBins(pk, replies);
  packStrings(pk, changedIds);
  return out;
}

}  // namespace cellgraph::api
