// The byte formats between the JS layer and the core (MessagePack), one call
// per batch (ARCHITECTURE.md "The boundary"). js/core/store.js speaks them.
//
//   op batch  (JS -> core)  [[type u8, id str, arg]...]   type/arg as in an envelope (PROTOCOL.md §2)
//   write     (core -> JS)  [[message bin...], [changedId str...], firstSeq u64, lastSeq u64]
//   apply     (core -> JS)  [applied u64, stale u64, deferred u64, [changedId str...]]
//   node      (core -> JS)  [id str, value map, [edgeTarget str...], [wall u64, counter u64, peer str(hex16)]]
//   receive   (core -> JS)  [[reply bin...], [changedId str...]]
#pragma once

#include <string>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/limits.h"
#include "core/base/status.h"
#include "core/crdt/envelope.h"
#include "core/graph/store.h"

namespace cellgraph::api {

Result<std::vector<crdt::Op>> decodeOpBatch(ByteView bytes, const Limits& limits);
Bytes encodeWriteResult(const std::vector<Bytes>& messages, const graph::ApplyReport& report);
Bytes encodeApplyReport(const graph::ApplyReport& report);
// Precondition: node.exists().
Bytes encodeNode(const graph::Store& store, const std::string& id, const graph::NodeRecord& node);
Bytes encodeReceiveResult(const std::vector<Bytes>& replies, const std::vector<std::string>& changedIds);

}  // namespace cellgraph::api
