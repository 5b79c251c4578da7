#include "core/crdt/value_codec.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/base/utf8.h"

namespace cellgraph::crdt {
namespace json = boost::json;

void packStr(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

void packBin(Packer& pk, ByteView b) {
  pk.pack_bin(static_cast<std::uint32_t>(b.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<std::uint32_t>(b.size()));
}

void packObject(Packer& pk, const json::object& o) {
  std::vector<const json::key_value_pair*> kv;
  kv.reserve(o.size());
  for (const auto& e : o) kv.push_back(&e);
  std::sort(kv.begin(), kv.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
  pk.pack_map(static_cast<std::uint32_t>(kv.size()));
  for (const auto* e : kv) {
    packStr(pk, {e->key().data(), e->key().size()});
    packValue(pk, e->value());
  }
}

void packValue(Packer& pk, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: pk.pack_nil(); break;
    case json::kind::bool_: v.get_bool() ? pk.pack_true() : pk.pack_false(); break;
    case json::kind::int64: pk.pack(v.get_int64()); break;
    case json::kind::uint64: pk.pack(v.get_uint64()); break;
    case json::kind::double_: {
      double d = v.get_double();
      // Integral doubles travel as integers: JS cannot tell 1 from 1.0, so
      // both ends must encode them alike for canonical bytes.
      if (std::trunc(d) == d && std::fabs(d) <= 9007199254740991.0) {
        pk.pack(static_cast<std::int64_t>(d));
      } else {
        pk.pack_double(d);
      }
      break;
    }
    case json::kind::string: {
      packStr(pk, {v.get_string().data(), v.get_string().size()});
      break;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      pk.pack_array(static_cast<std::uint32_t>(a.size()));
      for (const auto& e : a) packValue(pk, e);
      break;
    }
    case json::kind::object: packObject(pk, v.get_object()); break;
  }
}

Bytes encodeObject(const json::object& o) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  packObject(pk, o);
  return out;
}

namespace {

struct Budget {
  const Limits& limits;
  std::size_t bytes = 0;
  Status charge(std::size_t n) {
    bytes += n;
    if (bytes > limits.maxValueBytes) {
      return Status::tooLarge("value exceeds " + std::to_string(limits.maxValueBytes) + " bytes");
    }
    return {};
  }
};

Status depthError(const Limits& limits) {
  return Status::tooLarge("value nests deeper than " + std::to_string(limits.maxDepth) + " levels");
}

Result<json::value> fromMsgpack(const msgpack::object& o, Budget& budget, std::size_t depth) {
  CG_RETURN_IF_ERROR(budget.charge(1));
  switch (o.type) {
    case msgpack::type::NIL: return json::value(nullptr);
    case msgpack::type::BOOLEAN: return json::value(o.via.boolean);
    case msgpack::type::POSITIVE_INTEGER: return json::value(o.via.u64);
    case msgpack::type::NEGATIVE_INTEGER: return json::value(o.via.i64);
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      if (!std::isfinite(o.via.f64)) return Status::invalidArgument("value holds a non-finite number");
      CG_RETURN_IF_ERROR(budget.charge(8));
      return json::value(o.via.f64);
    case msgpack::type::STR: {
      std::string_view s(o.via.str.ptr, o.via.str.size);
      CG_RETURN_IF_ERROR(budget.charge(s.size()));
      if (!isValidUtf8(s)) return Status::invalidArgument("value holds a string that is not UTF-8");
      return json::value(json::string_view(s.empty() ? "" : s.data(), s.size()));
    }
    case msgpack::type::ARRAY: {
      if (depth >= budget.limits.maxDepth) return depthError(budget.limits);
      json::array a;
      a.reserve(o.via.array.size);
      for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
        CG_ASSIGN_OR_RETURN(json::value e, fromMsgpack(o.via.array.ptr[i], budget, depth + 1));
        a.push_back(std::move(e));
      }
      return json::value(std::move(a));
    }
    case msgpack::type::MAP: {
      if (depth >= budget.limits.maxDepth) return depthError(budget.limits);
      json::object m;
      m.reserve(o.via.map.size);
      for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) return Status::invalidArgument("value has a map key that is not a string");
        std::string_view k(kv.key.via.str.ptr, kv.key.via.str.size);
        CG_RETURN_IF_ERROR(budget.charge(k.size()));
        if (!isValidUtf8(k)) return Status::invalidArgument("value has a key that is not UTF-8");
        CG_ASSIGN_OR_RETURN(json::value e, fromMsgpack(kv.val, budget, depth + 1));
        m[json::string_view(k.empty() ? "" : k.data(), k.size())] = std::move(e);  // a repeated key keeps the last
      }
      return json::value(std::move(m));
    }
    default:
      return Status::invalidArgument("value holds a MessagePack type JSON cannot express");
  }
}

Status validate(const json::value& v, Budget& budget, std::size_t depth) {
  CG_RETURN_IF_ERROR(budget.charge(1));
  switch (v.kind()) {
    case json::kind::double_:
      if (!std::isfinite(v.get_double())) return Status::invalidArgument("value holds a non-finite number");
      return budget.charge(8);
    case json::kind::int64:
    case json::kind::uint64: return budget.charge(8);
    case json::kind::string: return budget.charge(v.get_string().size());
    case json::kind::array:
      if (depth >= budget.limits.maxDepth) return depthError(budget.limits);
      for (const auto& e : v.get_array()) CG_RETURN_IF_ERROR(validate(e, budget, depth + 1));
      return {};
    case json::kind::object:
      if (depth >= budget.limits.maxDepth) return depthError(budget.limits);
      for (const auto& e : v.get_object()) {
        CG_RETURN_IF_ERROR(budget.charge(e.key().size()));
        CG_RETURN_IF_ERROR(validate(e.value(), budget, depth + 1));
      }
      return {};
    default: return {};
  }
}

}  // namespace

Result<json::object> objectFromMsgpack(const msgpack::object& o, const Limits& limits) {
  if (o.type != msgpack::type::MAP) return Status::invalidArgument("a node value must be an object");
  Budget budget{limits};
  CG_ASSIGN_OR_RETURN(json::value v, fromMsgpack(o, budget, 0));
  return std::move(v.get_object());
}

Result<json::object> decodeObject(ByteView bytes, const Limits& limits) {
  CG_ASSIGN_OR_RETURN(auto handle, unpackOne(bytes, limits));
  return objectFromMsgpack(handle.get(), limits);
}

Status validateObject(const json::object& o, const Limits& limits) {
  Budget budget{limits};
  CG_RETURN_IF_ERROR(budget.charge(1));
  for (const auto& e : o) {
    CG_RETURN_IF_ERROR(budget.charge(e.key().size()));
    CG_RETURN_IF_ERROR(validate(e.value(), budget, 1));
  }
  return {};
}

Result<msgpack::object_handle> unpackOne(ByteView bytes, const Limits& limits) {
  return unpackBounded(bytes, limits.maxMessageBytes, limits.maxDepth + 8);
}

}  // namespace cellgraph::crdt
