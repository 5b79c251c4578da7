#include "core/base/msgpack_io.h"

#include <exception>
#include <string>
#include <vector>

namespace cellgraph {
namespace {

std::uint32_t be(const std::uint8_t* p, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace

Status checkMsgpackShape(ByteView bytes, std::size_t maxDepth) {
  const std::uint8_t* p = bytes.data();
  const std::size_t n = bytes.size();
  std::size_t pos = 0;
  std::uint64_t outstanding = 1;   // items still to read, the root included
  std::vector<std::uint64_t> open;  // items left in each open container
  open.reserve(maxDepth);
  while (outstanding > 0) {
    if (pos >= n) return Status::corrupt("message is truncated");
    const std::uint8_t t = p[pos++];
    std::uint64_t skip = 0;       // payload bytes after the header
    std::uint64_t children = 0;   // items of a container
    bool container = false;
    auto header = [&](int bytesOfLength) -> bool {
      if (n - pos < static_cast<std::size_t>(bytesOfLength)) return false;
      std::uint32_t v = be(p + pos, bytesOfLength);
      pos += static_cast<std::size_t>(bytesOfLength);
      skip = v;
      return true;
    };
    if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
      // fixint, negative fixint, nil, false, true
    } else if ((t & 0xf0) == 0x80 || (t & 0xf0) == 0x90) {
      container = true;
      children = (t & 0x0f) * ((t & 0xf0) == 0x80 ? 2u : 1u);
    } else if ((t & 0xe0) == 0xa0) {
      skip = t & 0x1f;
    } else {
      switch (t) {
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xca: case 0xce: case 0xd2: skip = 4; break;
        case 0xcb: case 0xcf: case 0xd3: skip = 8; break;
        case 0xd4: skip = 2; break;  // fixext: type byte + data
        case 0xd5: skip = 3; break;
        case 0xd6: skip = 5; break;
        case 0xd7: skip = 9; break;
        case 0xd8: skip = 17; break;
        case 0xc4: case 0xd9: if (!header(1)) return Status::corrupt("message is truncated"); break;
        case 0xc5: case 0xda: if (!header(2)) return Status::corrupt("message is truncated"); break;
        case 0xc6: case 0xdb: if (!header(4)) return Status::corrupt("message is truncated"); break;
        case 0xc7: if (!header(1)) return Status::corrupt("message is truncated"); skip += 1; break;
        case 0xc8: if (!header(2)) return Status::corrupt("message is truncated"); skip += 1; break;
        case 0xc9: if (!header(4)) return Status::corrupt("message is truncated"); skip += 1; break;
        case 0xdc: case 0xde:
          if (!header(2)) return Status::corrupt("message is truncated");
          container = true;
          children = skip * (t == 0xde ? 2u : 1u);
          skip = 0;
          break;
        case 0xdd: case 0xdf:
          if (!header(4)) return Status::corrupt("message is truncated");
          container = true;
          children = skip * (t == 0xdf ? 2u : 1u);
          skip = 0;
          break;
        default: return Status::corrupt("message holds the reserved MessagePack byte 0xc1");
      }
    }
    if (skip > n - pos) return Status::corrupt("message is truncated");
    pos += static_cast<std::size_t>(skip);
    --outstanding;
    if (!open.empty()) --open.back();
    if (container && children > 0) {
      if (open.size() >= maxDepth) return Status::tooLarge("message nests too deeply");
      // Every item takes at least one byte, so no container can promise more
      // items than the bytes left, counting those its ancestors still owe.
      outstanding += children;
      if (outstanding > n - pos) return Status::tooLarge("message declares more items than it has bytes");
      open.push_back(children);
    }
    while (!open.empty() && open.back() == 0) open.pop_back();
  }
  if (pos != n) return Status::corrupt("trailing bytes after the message");
  return {};
}

Result<msgpack::object_handle> unpackBounded(ByteView bytes, std::size_t maxBytes, std::size_t maxDepth) {
  if (bytes.size() > maxBytes) {
    return Status::tooLarge("message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                            std::to_string(maxBytes));
  }
  if (bytes.empty()) return Status::corrupt("empty message");
  // msgpack-c reserves a container's objects when it reads the header, so
  // the shape is checked first: what it then allocates is bounded by the
  // number of items, which is at most the number of bytes.
  CG_RETURN_IF_ERROR(checkMsgpackShape(bytes, maxDepth));
  auto n = static_cast<std::size_t>(bytes.size());
  msgpack::unpack_limit bound(n, n, n, n, n, maxDepth + 1);
  std::size_t offset = 0;
  try {
    msgpack::object_handle h =
        msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size(), offset, nullptr, nullptr, bound);
    if (offset != bytes.size()) return Status::corrupt("trailing bytes after the message");
    return h;
  } catch (const msgpack::depth_size_overflow&) {
    return Status::tooLarge("message nests too deeply");
  } catch (const msgpack::size_overflow&) {
    return Status::tooLarge("message declares a container larger than itself");
  } catch (const msgpack::insufficient_bytes&) {
    return Status::corrupt("message is truncated");
  } catch (const std::bad_alloc&) {
    return Status::tooLarge("message does not fit in memory");
  } catch (const std::exception& e) {
    return Status::corrupt(std::string("message is not valid MessagePack: ") + e.what());
  }
}

}  // namespace cellgraph
