// The byte formats between a host (js/core/engine.js) and the engine
// (MessagePack), one call per batch (ARCHITECTURE.md "The boundary").
//
//   options   (host -> core)  {replicaId str(hex16), epoch str(hex16), opLogWindow?, maxClockAheadMs?,
//                              maxPeers?, maxDeferredOps?, compactAfterRecords?, maxRecords?,
//                              maxGhostRecords?, middleware? bool, liveOverMesh? bool}
//   op batch  (host -> core)  [[type u8, id str, arg]...]   type/arg as in an envelope (PROTOCOL.md §2)
//   query     (host -> core)  {query?, field?, order?, $limit?, $after?, $before?}
//   keep      (host -> core)  [bool...]                      one per inspected op
//   prepared  (core -> host)  [ticket u64, [record bin...]]
//   node      (core -> host)  [id str, value map, [edgeTarget str...], [wall u64, counter u64, peer str(hex16)]]
//   nodes     (core -> host)  [node...]                          (query results, in order)
//   subscribe (core -> host)  [subscription u64, [node...]]
//   effects   (core -> host)  [code u8, message str, persist [bin...], blobs [bin...],
//                              sends [[peer str, blob u32]...], broadcast [blob u32...], events [event...],
//                              synced [peer str...], failed [[peer str, code u8, message str]...],
//                              inspect (nil | [ticket u64, peer str, relayed bool, [op...]]), compact bool]
//   event                     [subscription u64, action u8 (1 added, 2 updated, 3 removed, 4 failed), id str, node | nil]
//                             (failed: the subscription stopped; `id` is "CODE: message")
//   op (inspect)              [type u8, id str, arg (value map | target str | nil), wall u64, counter u64, peer str(hex16)]
//   stats     (core -> host)  {name str: u64...}
//   session   (core -> host)  {plan str, synced bool, name str: u64...}
// A message sent to several peers is one blob that several sends name.
#pragma once

#include <string>
#include <vector>

#include "core/api/engine.h"
#include "core/base/bytes.h"
#include "core/base/limits.h"
#include "core/base/status.h"
#include "core/crdt/envelope.h"
#include "core/graph/store.h"
#include "core/query/engine.h"
#include "core/query/live.h"

namespace cellgraph::api {

Result<EngineOptions> decodeEngineOptions(ByteView bytes);
Bytes encodeOpBatch(const std::vector<crdt::Op>& ops);
Result<std::vector<crdt::Op>> decodeOpBatch(ByteView bytes, const Limits& limits);
Result<query::QueryOptions> decodeQueryOptions(ByteView bytes, const Limits& limits);
Result<std::vector<bool>> decodeKeep(ByteView bytes, const Limits& limits);

Bytes encodePrepared(const Engine::Prepared& p);
// Precondition: node.exists().
Bytes encodeNode(const graph::Store& store, const std::string& id, const graph::NodeRecord& node);
Bytes encodeNodes(const graph::Store& store, const std::vector<std::string>& ids);
Bytes encodeSubscription(const graph::Store& store, std::uint32_t id, const std::vector<std::string>& initial);
Bytes encodeEffects(const graph::Store& store, const Effects& fx);
Bytes encodeStats(const Engine& engine);
// The session with one peer: {plan str, synced bool, inFlight u64, queuedBytes u64, and its SessionStats}.
Bytes encodeSessionStats(const sync::SyncSession& session);

}  // namespace cellgraph::api
