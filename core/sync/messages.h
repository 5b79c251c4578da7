// Sync wire messages (PROTOCOL.md §3). Every message is one MessagePack
// array [version, type, ...]. Decoding is total: any byte string yields a
// message or a Status, never a crash, and nothing is allocated beyond the
// limits.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/hash.h"
#include "core/base/limits.h"
#include "core/base/status.h"
#include "core/crdt/envelope.h"

namespace cellgraph::sync {

// 2: FLOW (flow control) and restarting HELLOs; 1 had neither.
inline constexpr std::uint64_t kProtocolVersion = 2;

enum class MessageType : std::uint8_t { kHello = 1, kOps = 2, kRecon = 3, kFlow = 4 };

struct Hello {
  std::uint64_t replica = 0;
  std::uint64_t epoch = 0;        // my op log's epoch
  std::uint64_t logFirst = 0;     // oldest seq my log holds
  std::uint64_t logHead = 0;      // newest seq
  std::uint64_t records = 0;      // node records I hold (0 = empty)
  Hash128 fingerprint;            // sum of all my item hashes (with records: my set's fingerprint)
  std::uint64_t yourEpoch = 0;    // my watermark of your log (0,0 = none)
  std::uint64_t yourSeq = 0;
};

enum class OpsMode : std::uint8_t { kLive = 0, kDelta = 1, kState = 2, kRepair = 3 };

struct Ops {
  OpsMode mode = OpsMode::kLive;
  std::uint64_t epoch = 0;        // sender's log epoch
  std::uint64_t firstSeq = 0;     // sender's log range of these ops (live/delta), 0 otherwise
  std::uint64_t lastSeq = 0;      // for delta/state: the watermark reached when `final`
  bool final = false;             // last chunk of a delta or state transfer
  std::vector<crdt::Envelope> envelopes;
};

enum class RangeMode : std::uint8_t { kSkip = 0, kFingerprint = 1, kIdList = 2 };

struct ReconItem {
  std::string id;
  Hash128 hash;
};

// Ranges tile the id space in order: each covers [previous upper, upper);
// the first starts below every id, an absent upper bound means +infinity.
struct Range {
  std::optional<std::string> upper;
  RangeMode mode = RangeMode::kSkip;
  Fingerprint fingerprint;        // kFingerprint
  std::vector<ReconItem> items;   // kIdList
};

struct Recon {
  std::vector<Range> ranges;
  std::vector<std::string> need;  // ids whose element envelopes the sender asks for
};

// Flow control (PROTOCOL.md §4): "I have processed `consumed` bytes of the
// messages you sent in this session" (every message but FLOW counts).
struct Flow {
  std::uint64_t consumed = 0;
};

using Message = std::variant<Hello, Ops, Recon, Flow>;

Bytes encodeMessage(const Message& m);
Result<Message> decodeMessage(ByteView bytes, const Limits& limits);

// Packs envelopes into OPS messages of at most `maxBytes` and `maxOps`
// envelopes each (one envelope larger than maxBytes travels alone), encoding
// each envelope once. For live and delta chunks, add() takes the envelope's
// seq in the sender's log: a chunk then claims header.firstSeq (or the seq
// after the previous chunk) up to its last envelope's seq, and the last
// chunk up to header.lastSeq, so chunks tile the range.
class ChunkBuilder;
class OpsChunker {
 public:
  OpsChunker(Ops header, std::size_t maxBytes, std::size_t maxOps);
  ~OpsChunker();
  OpsChunker(OpsChunker&&) noexcept;
  // Appends an envelope; returns a full chunk when the envelope did not fit
  // in the one being built (the envelope starts the next).
  std::optional<Bytes> add(const crdt::Envelope& e, std::uint64_t seq = 0);
  // The chunk being built (possibly empty), as the last one when `last`
  // (header.final and lastSeq apply) or as an intermediate one.
  Bytes flush(bool last);
  std::size_t pendingOps() const;
  std::size_t pendingBytes() const;

 private:
  Bytes finish(std::uint64_t lastSeq, bool final);
  Ops header_;
  std::size_t maxBytes_, maxOps_;
  std::unique_ptr<ChunkBuilder> chunk_;
  std::uint64_t chunkFirst_ = 0, lastAdded_ = 0;
};

// Envelopes packed once into chunk bodies (the boundaries OpsChunker
// draws), to be framed as OPS messages with different headers: a local
// write becomes both its stored record and its live batch.
struct OpsChunk {
  Bytes body;
  std::size_t count = 0;
  Bytes groups;  // the packed proof group table, empty when no envelope shares a proof
};
std::vector<OpsChunk> packOpsChunks(const std::vector<crdt::Envelope>& envelopes, std::size_t maxBytes, std::size_t maxOps);
// One OPS message: `header` (its envelopes ignored) around a packed body.
Bytes frameOps(const Ops& header, const OpsChunk& chunk);

// Every envelope through one OpsChunker: at least one message, the last
// carrying header.final. `seqs[i]` is envelope i's seq (live and delta).
std::vector<Bytes> encodeOpsChunked(const Ops& header, const std::vector<crdt::Envelope>& envelopes,
                                    std::size_t maxBytes, std::size_t maxOps,
                                    const std::vector<std::uint64_t>* seqs = nullptr);

}  // namespace cellgraph::sync
