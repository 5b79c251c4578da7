#include "core/crdt/envelope.h"

#include "core/base/utf8.h"

namespace cellgraph::crdt {
namespace {

Status validateId(const std::string& id, const char* what, const Limits& limits) {
  if (id.empty()) return Status::invalidArgument(std::string(what) + " is empty");
  if (id.size() > limits.maxIdBytes) {
    return Status::tooLarge(std::string(what) + " is longer than " + std::to_string(limits.maxIdBytes) + " bytes");
  }
  if (!isValidUtf8(id)) return Status::invalidArgument(std::string(what) + " is not UTF-8");
  return {};
}

// The first six fields; the author and the signature follow.
void packOp(Packer& pk, const Envelope& e, std::uint32_t fields) {
  pk.pack_array(fields);
  pk.pack(static_cast<std::uint8_t>(e.op.type));
  packStr(pk, e.op.id);
  switch (e.op.type) {
    case OpType::kPut: packObject(pk, *e.op.value); break;
    case OpType::kRemove: pk.pack_nil(); break;
    case OpType::kLink:
    case OpType::kUnlink: packStr(pk, e.op.target); break;
  }
  pk.pack(e.clock.wall);
  pk.pack(e.clock.counter);
  pk.pack(e.clock.peer);
}

bool readU64(const msgpack::object& o, std::uint64_t& out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) return false;
  out = o.via.u64;
  return true;
}

bool readStr(const msgpack::object& o, std::string& out) {
  if (o.type != msgpack::type::STR) return false;
  out.assign(o.via.str.ptr, o.via.str.size);
  return true;
}

bool readBin(const msgpack::object& o, Bytes& out, std::size_t max) {
  if (o.type != msgpack::type::BIN || o.via.bin.size > max) return false;
  out.assign(o.via.bin.ptr, o.via.bin.ptr + o.via.bin.size);
  return true;
}

}  // namespace

Status validateOp(const Op& op, const Limits& limits) {
  CG_RETURN_IF_ERROR(validateId(op.id, "node id", limits));
  switch (op.type) {
    case OpType::kPut:
      if (!op.value) return Status::invalidArgument("put without a value");
      return {};
    case OpType::kRemove: return {};
    case OpType::kLink:
    case OpType::kUnlink: return validateId(op.target, "edge target", limits);
  }
  return Status::invalidArgument("unknown op type " + std::to_string(static_cast<int>(op.type)));
}

void packEnvelope(Packer& pk, const Envelope& e) {
  packOp(pk, e, 8);
  packBin(pk, e.author);
  packBin(pk, e.signature);
}

void packEnvelope(Packer& pk, const Envelope& e, const ProofRef& ref) {
  packOp(pk, e, 8);
  pk.pack_nil();
  pk.pack_array(2);
  pk.pack(ref.group);
  pk.pack(ref.leaf);
}

Bytes encodeEnvelope(const Envelope& e) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  packEnvelope(pk, e);
  return out;
}

Bytes signedBytes(const Envelope& e) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  packOp(pk, e, 7);
  packBin(pk, e.author);
  return out;
}

Result<Envelope> envelopeFromMsgpack(const msgpack::object& o, const Limits& limits) {
  std::optional<ProofRef> ref;
  CG_ASSIGN_OR_RETURN(Envelope e, envelopeFromMsgpack(o, limits, ref));
  if (ref) return Status::invalidArgument("an envelope names a proof group outside an OPS message");
  return e;
}

Result<Envelope> envelopeFromMsgpack(const msgpack::object& o, const Limits& limits, std::optional<ProofRef>& ref) {
  ref.reset();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 8) {
    return Status::invalidArgument("an envelope is an array of 8 fields");
  }
  const msgpack::object* f = o.via.array.ptr;
  Envelope e;
  std::uint64_t type = 0, counter = 0;
  if (!readU64(f[0], type) || type < 1 || type > 4) return Status::invalidArgument("envelope has an unknown op type");
  e.op.type = static_cast<OpType>(type);
  if (!readStr(f[1], e.op.id)) return Status::invalidArgument("envelope id is not a string");
  switch (e.op.type) {
    case OpType::kPut: {
      CG_ASSIGN_OR_RETURN(auto value, objectFromMsgpack(f[2], limits));
      e.op.value = std::make_shared<const boost::json::object>(std::move(value));
      break;
    }
    case OpType::kRemove:
      if (f[2].type != msgpack::type::NIL) return Status::invalidArgument("remove carries no argument");
      break;
    case OpType::kLink:
    case OpType::kUnlink:
      if (!readStr(f[2], e.op.target)) return Status::invalidArgument("edge target is not a string");
      break;
  }
  if (!readU64(f[3], e.clock.wall) || !readU64(f[4], counter) || counter > UINT32_MAX || !readU64(f[5], e.clock.peer)) {
    return Status::invalidArgument("envelope clock is malformed");
  }
  e.clock.counter = static_cast<std::uint32_t>(counter);
  // A signature is a group proof (security/op_signature.h): at most 258 bytes.
  std::uint64_t group = 0, leaf = 0;
  if (f[6].type == msgpack::type::NIL && f[7].type == msgpack::type::ARRAY && f[7].via.array.size == 2 &&
      readU64(f[7].via.array.ptr[0], group) && readU64(f[7].via.array.ptr[1], leaf) && group <= UINT32_MAX && leaf < 64) {
    ref = ProofRef{static_cast<std::uint32_t>(group), static_cast<std::uint8_t>(leaf)};
  } else if (!readBin(f[6], e.author, 64) || !readBin(f[7], e.signature, 258)) {
    return Status::invalidArgument("envelope author or signature is malformed");
  }
  CG_RETURN_IF_ERROR(validateOp(e.op, limits));
  return e;
}

Result<Envelope> decodeEnvelope(ByteView bytes, const Limits& limits) {
  CG_ASSIGN_OR_RETURN(auto handle, unpackOne(bytes, limits));
  return envelopeFromMsgpack(handle.get(), limits);
}

bool winsTie(const Envelope& a, const Envelope& b) { return encodeEnvelope(a) > encodeEnvelope(b); }

}  // namespace cellgraph::crdt
