#include "core/sync/messages.h"

#include "core/base/utf8.h"
#include "core/sync/proof_groups.h"

namespace cellgraph::sync {
using crdt::ByteSink;
using crdt::packStr;
using crdt::Packer;

namespace {

void packHash(Packer& pk, const Hash128& h) { crdt::packBin(pk, h.toBytes()); }

// An OPS message up to its envelopes, which follow: `count` of them, then
// the proof group table when `grouped`.
void packOpsHead(Packer& pk, const Ops& o, std::uint64_t firstSeq, std::uint64_t lastSeq, bool final, std::size_t count,
                 bool grouped) {
  pk.pack_array(grouped ? 9 : 8);
  pk.pack(kProtocolVersion);
  pk.pack(static_cast<std::uint8_t>(MessageType::kOps));
  pk.pack(static_cast<std::uint8_t>(o.mode));
  pk.pack(o.epoch);
  pk.pack(firstSeq);
  pk.pack(lastSeq);
  final ? pk.pack_true() : pk.pack_false();
  pk.pack_array(static_cast<std::uint32_t>(count));
}

struct Encoder {
  Packer& pk;
  void operator()(const Hello& h) {
    pk.pack_array(10);
    pk.pack(kProtocolVersion);
    pk.pack(static_cast<std::uint8_t>(MessageType::kHello));
    for (std::uint64_t v : {h.replica, h.epoch, h.logFirst, h.logHead, h.records, h.yourEpoch, h.yourSeq}) pk.pack(v);
    packHash(pk, h.fingerprint);
  }
  void operator()(const Recon& r) {
    pk.pack_array(4);
    pk.pack(kProtocolVersion);
    pk.pack(static_cast<std::uint8_t>(MessageType::kRecon));
    pk.pack_array(static_cast<std::uint32_t>(r.ranges.size()));
    for (const auto& range : r.ranges) {
      pk.pack_array(3);
      if (range.upper) packStr(pk, *range.upper); else pk.pack_nil();
      pk.pack(static_cast<std::uint8_t>(range.mode));
      switch (range.mode) {
        case RangeMode::kSkip: pk.pack_nil(); break;
        case RangeMode::kFingerprint:
          pk.pack_array(2);
          packHash(pk, range.fingerprint.sum);
          pk.pack(range.fingerprint.count);
          break;
        case RangeMode::kIdList:
          pk.pack_array(static_cast<std::uint32_t>(range.items.size()));
          for (const auto& item : range.items) {
            pk.pack_array(2);
            packStr(pk, item.id);
            packHash(pk, item.hash);
          }
          break;
      }
    }
    pk.pack_array(static_cast<std::uint32_t>(r.need.size()));
    for (const auto& id : r.need) packStr(pk, id);
  }
  void operator()(const Flow& f) {
    pk.pack_array(3);
    pk.pack(kProtocolVersion);
    pk.pack(static_cast<std::uint8_t>(MessageType::kFlow));
    pk.pack(f.consumed);
  }
};

Status malformed(const std::string& what) { return Status::invalidArgument("malformed sync message: " + what); }

bool u64(const msgpack::object& o, std::uint64_t& out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) return false;
  out = o.via.u64;
  return true;
}

Result<std::string> id(const msgpack::object& o, const Limits& limits) {
  if (o.type != msgpack::type::STR) return malformed("id is not a string");
  if (o.via.str.size > limits.maxIdBytes) return Status::tooLarge("id longer than the limit");
  std::string s(o.via.str.ptr, o.via.str.size);
  if (!isValidUtf8(s)) return malformed("id is not UTF-8");
  return s;
}

Result<Hash128> hash(const msgpack::object& o) {
  if (o.type != msgpack::type::BIN || o.via.bin.size != 16) return malformed("hash is not 16 bytes");
  return Hash128::fromBytes(reinterpret_cast<const std::uint8_t*>(o.via.bin.ptr));
}

Result<Message> decodeHello(const msgpack::object_array& a) {
  if (a.size != 10) return malformed("hello has " + std::to_string(a.size) + " fields");
  Hello h;
  std::uint64_t* fields[] = {&h.replica, &h.epoch, &h.logFirst, &h.logHead, &h.records, &h.yourEpoch, &h.yourSeq};
  for (int i = 0; i < 7; ++i) {
    if (!u64(a.ptr[i + 2], *fields[i])) return malformed("hello field " + std::to_string(i) + " is not an integer");
  }
  CG_ASSIGN_OR_RETURN(h.fingerprint, hash(a.ptr[9]));
  if (h.replica == 0) return malformed("hello from replica 0");
  return Message{h};
}

Result<Message> decodeOps(const msgpack::object_array& a, const Limits& limits) {
  if (a.size != 8 && a.size != 9) return malformed("ops has " + std::to_string(a.size) + " fields");
  Ops o;
  std::uint64_t mode = 0;
  if (!u64(a.ptr[2], mode) || mode > 3) return malformed("unknown ops mode");
  o.mode = static_cast<OpsMode>(mode);
  if (!u64(a.ptr[3], o.epoch) || !u64(a.ptr[4], o.firstSeq) || !u64(a.ptr[5], o.lastSeq)) return malformed("ops header");
  if (a.ptr[6].type != msgpack::type::BOOLEAN) return malformed("ops final flag");
  o.final = a.ptr[6].via.boolean;
  const msgpack::object& list = a.ptr[7];
  if (list.type != msgpack::type::ARRAY) return malformed("ops envelopes are not an array");
  if (list.via.array.size > limits.maxOpsPerMessage) return Status::tooLarge("too many envelopes in one message");
  // A live batch is exactly its seq range; a delta chunk may omit ops from
  // its range (the receiver's own), never hold more than it.
  std::uint64_t n = list.via.array.size;
  if (o.mode == OpsMode::kLive && n > 0 && (o.firstSeq == 0 || o.lastSeq < o.firstSeq || o.lastSeq - o.firstSeq + 1 != n)) {
    return malformed("live batch sequence range does not match its envelopes");
  }
  if (o.mode == OpsMode::kDelta && (o.firstSeq == 0 || o.lastSeq + 1 < o.firstSeq || o.lastSeq + 1 - o.firstSeq < n)) {
    return malformed("delta sequence range cannot hold its envelopes");
  }
  o.envelopes.reserve(list.via.array.size);
  std::vector<std::optional<crdt::ProofRef>> refs(a.size == 9 ? list.via.array.size : 0);
  for (std::uint32_t i = 0; i < list.via.array.size; ++i) {
    auto e = a.size == 9 ? crdt::envelopeFromMsgpack(list.via.array.ptr[i], limits, refs[i])
                         : crdt::envelopeFromMsgpack(list.via.array.ptr[i], limits);
    if (!e.ok()) return e.status().withContext("envelope " + std::to_string(i));
    o.envelopes.push_back(std::move(e).value());
  }
  if (a.size == 9) CG_RETURN_IF_ERROR(expandProofGroups(a.ptr[8], o.envelopes, refs));
  return Message{std::move(o)};
}

Result<Message> decodeRecon(const msgpack::object_array& a, const Limits& limits) {
  if (a.size != 4) return malformed("recon has " + std::to_string(a.size) + " fields");
  Recon r;
  const msgpack::object& ranges = a.ptr[2];
  if (ranges.type != msgpack::type::ARRAY) return malformed("ranges are not an array");
  if (ranges.via.array.size > limits.maxRangesPerMessage) return Status::tooLarge("too many ranges in one message");
  const std::string* previous = nullptr;
  bool sawInfinity = false;
  for (std::uint32_t i = 0; i < ranges.via.array.size; ++i) {
    const msgpack::object& ro = ranges.via.array.ptr[i];
    if (ro.type != msgpack::type::ARRAY || ro.via.array.size != 3) return malformed("range is not [upper, mode, payload]");
    if (sawInfinity) return malformed("range after the unbounded one");
    Range range;
    if (ro.via.array.ptr[0].type == msgpack::type::NIL) {
      sawInfinity = true;
    } else {
      CG_ASSIGN_OR_RETURN(std::string upper, id(ro.via.array.ptr[0], limits));
      if (previous && !(*previous < upper)) return malformed("range bounds are not increasing");
      range.upper = std::move(upper);
    }
    std::uint64_t mode = 0;
    if (!u64(ro.via.array.ptr[1], mode) || mode > 2) return malformed("unknown range mode");
    range.mode = static_cast<RangeMode>(mode);
    const msgpack::object& p = ro.via.array.ptr[2];
    if (range.mode == RangeMode::kFingerprint) {
      if (p.type != msgpack::type::ARRAY || p.via.array.size != 2) return malformed("fingerprint payload");
      CG_ASSIGN_OR_RETURN(range.fingerprint.sum, hash(p.via.array.ptr[0]));
      if (!u64(p.via.array.ptr[1], range.fingerprint.count)) return malformed("fingerprint count");
    } else if (range.mode == RangeMode::kIdList) {
      if (p.type != msgpack::type::ARRAY) return malformed("id list payload");
      range.items.reserve(p.via.array.size);
      for (std::uint32_t j = 0; j < p.via.array.size; ++j) {
        const msgpack::object& it = p.via.array.ptr[j];
        if (it.type != msgpack::type::ARRAY || it.via.array.size != 2) return malformed("id list item");
        ReconItem item;
        CG_ASSIGN_OR_RETURN(item.id, id(it.via.array.ptr[0], limits));
        CG_ASSIGN_OR_RETURN(item.hash, hash(it.via.array.ptr[1]));
        range.items.push_back(std::move(item));
      }
    }
    r.ranges.push_back(std::move(range));
    if (r.ranges.back().upper) previous = &*r.ranges.back().upper;
  }
  if (!r.ranges.empty() && !sawInfinity) return malformed("ranges do not reach the end of the id space");
  const msgpack::object& need = a.ptr[3];
  if (need.type != msgpack::type::ARRAY) return malformed("need is not an array");
  if (need.via.array.size > limits.maxOpsPerMessage) return Status::tooLarge("too many needed ids");
  r.need.reserve(need.via.array.size);
  for (std::uint32_t i = 0; i < need.via.array.size; ++i) {
    CG_ASSIGN_OR_RETURN(std::string n, id(need.via.array.ptr[i], limits));
    r.need.push_back(std::move(n));
  }
  return Message{std::move(r)};
}

}  // namespace

// Envelopes packed for one OPS message, sharing proofs through its group
// table (proof_groups.h).
class ChunkBuilder {
 public:
  // Packs `e` unless the chunk holds something and `e` could take it past
  // maxBytes or maxOps: false then, and nothing changed.
  bool add(const crdt::Envelope& e, std::size_t maxBytes, std::size_t maxOps) {
    constexpr std::size_t kHeaderRoom = 64;
    one_.clear();
    ByteSink sink{one_};
    Packer pk(sink);
    auto ref = groups_.peek(e);
    if (ref) crdt::packEnvelope(pk, e, *ref); else crdt::packEnvelope(pk, e);
    std::size_t room = one_.size() + (ref ? ProofGroupsBuilder::kMaxEntryBytes : 0);
    if (count_ > 0 && (body_.size() + groups_.packedBytes() + room + kHeaderRoom > maxBytes || count_ >= maxOps)) {
      return false;
    }
    if (ref) groups_.commit(e, *ref);
    body_.insert(body_.end(), one_.begin(), one_.end());
    ++count_;
    return true;
  }
  std::size_t count() const { return count_; }
  std::size_t bytes() const { return body_.size() + groups_.packedBytes(); }
  OpsChunk take() {
    OpsChunk c{std::move(body_), count_, groups_.packed()};
    body_.clear();
    count_ = 0;
    groups_.clear();
    return c;
  }

 private:
  Bytes body_, one_;
  std::size_t count_ = 0;
  ProofGroupsBuilder groups_;
};

namespace {

Bytes frame(const Ops& header, std::uint64_t firstSeq, std::uint64_t lastSeq, bool final, const OpsChunk& chunk) {
  Bytes msg;
  msg.reserve(chunk.body.size() + chunk.groups.size() + 48);
  ByteSink sink{msg};
  Packer pk(sink);
  packOpsHead(pk, header, firstSeq, lastSeq, final, chunk.count, !chunk.groups.empty());
  msg.insert(msg.end(), chunk.body.begin(), chunk.body.end());
  msg.insert(msg.end(), chunk.groups.begin(), chunk.groups.end());
  return msg;
}

}  // namespace

Bytes encodeMessage(const Message& m) {
  if (const auto* o = std::get_if<Ops>(&m)) {
    ChunkBuilder chunk;
    for (const auto& e : o->envelopes) chunk.add(e, SIZE_MAX, SIZE_MAX);
    return frame(*o, o->firstSeq, o->lastSeq, o->final, chunk.take());
  }
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  std::visit([&](const auto& x) {
    if constexpr (!std::is_same_v<std::decay_t<decltype(x)>, Ops>) Encoder{pk}(x);
  }, m);
  return out;
}

Result<Message> decodeMessage(ByteView bytes, const Limits& limits) {
  CG_ASSIGN_OR_RETURN(auto handle, crdt::unpackOne(bytes, limits));
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 2) return malformed("not an array [version, type, ...]");
  std::uint64_t version = 0, type = 0;
  if (!u64(o.via.array.ptr[0], version)) return malformed("version is not an integer");
  if (version != kProtocolVersion) {
    return Status::unsupportedVersion("sync protocol version " + std::to_string(version) + " (this build speaks " +
                                      std::to_string(kProtocolVersion) + ")");
  }
  if (!u64(o.via.array.ptr[1], type)) return malformed("type is not an integer");
  switch (static_cast<MessageType>(type)) {
    case MessageType::kHello: return decodeHello(o.via.array);
    case MessageType::kOps: return decodeOps(o.via.array, limits);
    case MessageType::kRecon: return decodeRecon(o.via.array, limits);
    case MessageType::kFlow: {
      Flow f;
      if (o.via.array.size != 3 || !u64(o.via.array.ptr[2], f.consumed)) return malformed("flow is [1, 4, consumed]");
      return Message{f};
    }
  }
  return malformed("unknown message type " + std::to_string(type));
}

OpsChunker::OpsChunker(Ops header, std::size_t maxBytes, std::size_t maxOps)
    : header_(std::move(header)), maxBytes_(maxBytes), maxOps_(std::max<std::size_t>(maxOps, 1)),
      chunk_(std::make_unique<ChunkBuilder>()), chunkFirst_(header_.firstSeq) {
  header_.envelopes.clear();
}

OpsChunker::~OpsChunker() = default;
OpsChunker::OpsChunker(OpsChunker&&) noexcept = default;

std::size_t OpsChunker::pendingOps() const { return chunk_->count(); }
std::size_t OpsChunker::pendingBytes() const { return chunk_->bytes(); }

std::optional<Bytes> OpsChunker::add(const crdt::Envelope& e, std::uint64_t seq) {
  std::optional<Bytes> full;
  if (!chunk_->add(e, maxBytes_, maxOps_)) {
    full = finish(lastAdded_, false);
    chunk_->add(e, maxBytes_, maxOps_);
  }
  lastAdded_ = seq;
  return full;
}

Bytes OpsChunker::flush(bool last) { return finish(last ? header_.lastSeq : lastAdded_, last && header_.final); }

Bytes OpsChunker::finish(std::uint64_t lastSeq, bool final) {
  // Chunks of a range without seqs (state, repair) all carry the header's.
  bool ranged = header_.mode == OpsMode::kLive || header_.mode == OpsMode::kDelta;
  if (!ranged) lastSeq = header_.lastSeq;
  Bytes msg = frame(header_, ranged ? chunkFirst_ : header_.firstSeq, lastSeq, final, chunk_->take());
  if (ranged) chunkFirst_ = lastSeq + 1;
  return msg;
}

std::vector<OpsChunk> packOpsChunks(const std::vector<crdt::Envelope>& envelopes, std::size_t maxBytes,
                                    std::size_t maxOps) {
  maxOps = std::max<std::size_t>(maxOps, 1);
  std::vector<OpsChunk> out;
  ChunkBuilder chunk;
  for (const auto& e : envelopes) {
    if (chunk.add(e, maxBytes, maxOps)) continue;
    out.push_back(chunk.take());
    chunk.add(e, maxBytes, maxOps);
  }
  out.push_back(chunk.take());
  return out;
}

Bytes frameOps(const Ops& header, const OpsChunk& chunk) {
  return frame(header, header.firstSeq, header.lastSeq, header.final, chunk);
}

std::vector<Bytes> encodeOpsChunked(const Ops& header, const std::vector<crdt::Envelope>& envelopes,
                                    std::size_t maxBytes, std::size_t maxOps, const std::vector<std::uint64_t>* seqs) {
  OpsChunker chunker(header, maxBytes, maxOps);
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    if (auto full = chunker.add(envelopes[i], seqs ? (*seqs)[i] : 0)) out.push_back(std::move(*full));
  }
  out.push_back(chunker.flush(true));
  return out;
}

}  // namespace cellgraph::sync
