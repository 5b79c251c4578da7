#include "core/api/gate.h"

namespace cellgraph::api {

Result<GateDecision> gate(std::vector<crdt::Envelope> batch, crdt::Verifier& verifier, const hlc::Hlc& clock) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Status s = verifier.verify(batch[i]);
    if (!s.ok()) return s.withContext("envelope " + std::to_string(i));
  }
  GateDecision d;
  for (crdt::Envelope& e : batch) (clock.tooFarAhead(e.clock) ? d.deferred : d.accepted).push_back(std::move(e));
  return d;
}

}  // namespace cellgraph::api
