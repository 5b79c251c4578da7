// The verification gate: the one place that decides whether envelopes that
// did not originate here may be applied, whichever path brought them (a
// live batch, a delta, reconciliation repairs, a full state, a mesh
// broadcast, a reload from storage, another tab's request). Local writes
// pass it too, after stamping.
//
// gate() runs the verifier on every envelope (structure and limits today;
// signatures, roles and ACLs behind the same interface later): one refusal
// refuses the whole batch and nothing is applied. An envelope whose clock is
// more than the bound ahead of this replica's wall clock is not refused but
// deferred (PROTOCOL.md §1): it is neither applied nor clamped, and offered
// again later. Deciding is a pure function of the envelopes and the wall
// clock, so the set of accepted ops never depends on the path or the order.
#pragma once

#include <vector>

#include "core/base/status.h"
#include "core/crdt/envelope.h"
#include "core/crdt/verifier.h"
#include "core/hlc/hlc.h"

namespace cellgraph::api {

struct GateDecision {
  std::vector<crdt::Envelope> accepted;  // in their order, ready for Store::apply
  std::vector<crdt::Envelope> deferred;  // too far ahead of the clock, for now
};

// Consumes `batch`. The error names the first refused envelope by index.
Result<GateDecision> gate(std::vector<crdt::Envelope> batch, crdt::Verifier& verifier, const hlc::Hlc& clock);

}  // namespace cellgraph::api
