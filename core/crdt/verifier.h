// The verification gate every op passes before it is applied, whichever path
// it arrived by (live batch, delta, reconciliation repair, full state).
//
// verify() returns ok, or the reason the op must not be applied; a batch
// with any refused op is refused whole. Today's StructuralVerifier checks
// shape and limits (decoders already bound sizes); a later issue adds a
// verifier for signatures, roles and ACLs behind the same interface.
#pragma once

#include "core/base/limits.h"
#include "core/base/status.h"
#include "core/crdt/envelope.h"

namespace cellgraph::crdt {

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual Status verify(const Envelope& e) = 0;
};

class StructuralVerifier final : public Verifier {
 public:
  explicit StructuralVerifier(Limits limits = {}) : limits_(limits) {}
  Status verify(const Envelope& e) override {
    CG_RETURN_IF_ERROR(validateOp(e.op, limits_));
    if (e.clock.wall == 0) return Status::invalidArgument("envelope has a zero clock");
    if (e.op.type == OpType::kPut) CG_RETURN_IF_ERROR(validateObject(*e.op.value, limits_));
    return {};
  }

 private:
  Limits limits_;
};

}  // namespace cellgraph::crdt
