// Node values: JSON objects at the API (Boost.JSON), MessagePack on the wire.
//
// Encoding is canonical: object keys are written in byte order, integers in
// their smallest MessagePack form, other numbers as float64. Decoding accepts
// only what JSON can express (nil, bool, int, float, str, array, map with
// string keys), well-formed UTF-8, finite numbers, and stays within Limits.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <msgpack.hpp>

#include <string_view>

#include "core/base/bytes.h"
#include "core/base/limits.h"
#include "core/base/msgpack_io.h"
#include "core/base/status.h"

namespace cellgraph::crdt {

using cellgraph::ByteSink;
using cellgraph::Packer;

// A number value (is_number()) as a double; anything else is 0. Not
// json::value::to_number, which throws system_error and so links Boost's
// error formatting, printf and all, into the wasm.
inline double numberOf(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::int64: return static_cast<double>(v.get_int64());
    case boost::json::kind::uint64: return static_cast<double>(v.get_uint64());
    case boost::json::kind::double_: return v.get_double();
    default: return 0;
  }
}

void packStr(Packer& pk, std::string_view s);
void packBin(Packer& pk, ByteView b);
void packValue(Packer& pk, const boost::json::value& v);
void packObject(Packer& pk, const boost::json::object& o);
Bytes encodeObject(const boost::json::object& o);

// Converts a decoded MessagePack object; must be a map at the top.
Result<boost::json::object> objectFromMsgpack(const msgpack::object& o, const Limits& limits);

// Decodes a whole MessagePack buffer that holds one node value (a map).
Result<boost::json::object> decodeObject(ByteView bytes, const Limits& limits);

// Checks depth, finiteness and encoded size of a value built in C++ or parsed
// from JSON text (local writes); remote values are checked while decoding.
Status validateObject(const boost::json::object& o, const Limits& limits);

// Decodes exactly one MessagePack item spanning all of `bytes`, with every
// container, string and depth bounded by `limits` before allocation.
Result<msgpack::object_handle> unpackOne(ByteView bytes, const Limits& limits);

}  // namespace cellgraph::crdt
