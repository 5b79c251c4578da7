#include "core/base/msgpack_io.h"

#include <exception>
#include <string>

namespace cellgraph {

Result<msgpack::object_handle> unpackBounded(ByteView bytes, std::size_t maxBytes, std::size_t maxDepth) {
  if (bytes.size() > maxBytes) {
    return Status::tooLarge("message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                            std::to_string(maxBytes));
  }
  if (bytes.empty()) return Status::corrupt("empty message");
  // No container can declare more elements than the message has bytes.
  auto n = static_cast<std::size_t>(bytes.size());
  msgpack::unpack_limit bound(n, n, n, n, n, maxDepth);
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
  } catch (const std::exception& e) {
    return Status::corrupt(std::string("message is not valid MessagePack: ") + e.what());
  }
}

}  // namespace cellgraph
