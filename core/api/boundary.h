// The byte formats between the JS layer and the core (MessagePack), one call
// per batch (ARCHITECTURE.md "The boundary"). js/core/store.js speaks them.
//
//   op batch  (JS -> core)  [[type u8, id str, arg]...]   type/arg as in an envelope (PROTOCOL.md §2)
//   write     (core -> JS)  [[message bin...], [changedId str...], firstSeq u64, lastSeq u64]
//   apply     (core -> JS)  [applied u64, stale u64, deferred u64, [changedId str...]]
//   node      (core -> JS)  [id str, value map, [edgeTarget str...], [wall u64, counter u64, peer str(hex16)]]
//   receive   (core -> JS)  [[reply bin...], [changedId str...]]
//   nodes     (core -> JS)  [node...]                          (query results, in order)
//   subscribe (core -> JS)  [subscription u64, [node...]]
//   events    (core -> JS)  [[subscription u64, action u8 (1 added, 2 updated, 3 removed), id str, node | nil]...]
#pragma once

#include <string>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/limits.h"
#include "core/base/status.h"
#include "core/crdt/envelope.h"
#include "core/graph/store.h"
#include "core/query/live.h"

namespace cellgraph::api {

Result<std::vector<crdt::Op>> decodeOpBatch(ByteView bytes, const Limits& limits);
// [id str...]
Result<std::vector<std::string>> decodeIdList(ByteView bytes, const Limits& limits);
Bytes encodeWriteResult(const std::vector<Bytes>& messages, const graph::ApplyReport& report);
Bytes encodeApplyReport(const graph::ApplyReport& report);
// Precondition: node.exists().
Bytes encodeNode(const graph::Store& store, const std::string& id, const graph::NodeRecord& node);
Bytes encodeNodes(const graph::Store& store, const std::vector<std::string>& ids);
Bytes encodeSubscription(const graph::Store& store, std::uint32_t id, const std::vector<std::string>& initial);
Bytes encodeEvents(const graph::Store& store, const std::vector<query::ChangeEvent>& events);
Bytes encodeReceiveResult(const std::vector<Bytes>& replies, const std::vector<std::string>& changedIds);

}  // namespace cellgraph::api
