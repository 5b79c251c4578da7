// MessagePack in and out of byte buffers, shared by every wire format of
// the core (sync messages, mesh frames, the JS boundary).
//
// unpackBounded decodes exactly one item spanning all of `bytes`, with
// nesting bounded by `maxDepth` and every length checked against the bytes
// that remain, all before anything is allocated (checkMsgpackShape), so the
// objects it allocates number at most bytes.size(). Errors are values:
// kTooLarge for a size or depth bound, kCorrupt for anything malformed.
#pragma once

#include <msgpack.hpp>

#include <cstddef>

#include "core/base/bytes.h"
#include "core/base/status.h"

namespace cellgraph {

// Appends bytes to a Bytes buffer; what msgpack::packer writes into.
struct ByteSink {
  Bytes& out;
  void write(const char* p, std::size_t n) { out.insert(out.end(), p, p + n); }
};
using Packer = msgpack::packer<ByteSink>;

// One pass over `bytes`, allocating only a stack of maxDepth counters: ok
// when they hold exactly one MessagePack item, nested at most maxDepth deep,
// whose containers never promise more items than there are bytes left.
Status checkMsgpackShape(ByteView bytes, std::size_t maxDepth);

Result<msgpack::object_handle> unpackBounded(ByteView bytes, std::size_t maxBytes, std::size_t maxDepth);

}  // namespace cellgraph
