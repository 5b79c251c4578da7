// Ops and their envelopes: the unit of change every replica exchanges.
//
//   Op        put(id, value) | remove(id) | link(id, target) | unlink(id, target)
//   Envelope  {op, clock, author, signature}
//
// author/signature are empty in a database opened without security. Values
// are immutable once written and shared (not copied) between the node, the
// op log and envelopes. Wire form: core/sync/PROTOCOL.md §2.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/base/bytes.h"
#include "core/base/limits.h"
#include "core/base/status.h"
#include "core/crdt/value_codec.h"
#include "core/hlc/hlc.h"

namespace cellgraph::crdt {

enum class OpType : std::uint8_t { kPut = 1, kRemove = 2, kLink = 3, kUnlink = 4 };

using Value = std::shared_ptr<const boost::json::object>;

struct Op {
  OpType type = OpType::kPut;
  std::string id;      // the node (the edge source for link/unlink)
  std::string target;  // link/unlink only
  Value value;         // put only; never null for a put
};

struct Envelope {
  Op op;
  hlc::Timestamp clock;
  Bytes author;
  Bytes signature;
};

// Checks an op's own shape: non-empty ids within limits, UTF-8, a value for
// put only. Values from the wire are checked while decoding.
Status validateOp(const Op& op, const Limits& limits);

void packEnvelope(Packer& pk, const Envelope& e);
Bytes encodeEnvelope(const Envelope& e);
Result<Envelope> envelopeFromMsgpack(const msgpack::object& o, const Limits& limits);

// Inside an OPS message with proof groups (sync/proof_groups.h) an envelope
// may leave author and signature to its message: `nil` for the author and
// [group, leaf] for the signature.
struct ProofRef {
  std::uint32_t group = 0;
  std::uint8_t leaf = 0;
};
void packEnvelope(Packer& pk, const Envelope& e, const ProofRef& ref);
// As envelopeFromMsgpack(), also accepting that form: `ref` is then set and
// author and signature are left empty for the message to fill in.
Result<Envelope> envelopeFromMsgpack(const msgpack::object& o, const Limits& limits, std::optional<ProofRef>& ref);
Result<Envelope> decodeEnvelope(ByteView bytes, const Limits& limits);

// The bytes a signature covers: the envelope without its signature.
Bytes signedBytes(const Envelope& e);

// Orders two envelopes carrying the same clock (only a faulty or hostile
// peer reuses a clock): the larger encoding wins, the same on every replica.
bool winsTie(const Envelope& a, const Envelope& b);

}  // namespace cellgraph::crdt
