// A JSON description of a sync message: for debugging tools, the mesh
// monitor and the golden vectors in tests/vectors/ (PROTOCOL.md §6).
// 64-bit ids, epochs and peers are 16-digit hex strings; hashes hex.
#pragma once

#include <boost/json/value.hpp>

#include "core/sync/messages.h"

namespace cellgraph::sync {

boost::json::value describeMessage(const Message& m);
boost::json::value describeEnvelope(const crdt::Envelope& e);

}  // namespace cellgraph::sync
