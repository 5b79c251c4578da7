#include "core/mesh/wire.h"

#include <algorithm>

#include "core/base/msgpack_io.h"
#include "core/base/utf8.h"

namespace cellgraph::mesh {
namespace {

enum class Type : std::uint8_t { kHeartbeat = 1, kFlood = 2, kRoster = 3, kGossip = 4, kIwant = 5 };

// Fixed layout of a FLOOD's head: fixarray(10), 2, 2, 0xcc ttl, 0xcc hops, 0xcf id.
constexpr std::size_t kTtlAt = 4, kHopsAt = 6, kIdAt = 8, kHeadBytes = 16;

Status malformed(const std::string& what) { return Status::invalidArgument("malformed mesh frame: " + what); }

void packStr(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

void packBin(Packer& pk, std::string_view b) {
  pk.pack_bin(static_cast<std::uint32_t>(b.size()));
  pk.pack_bin_body(b.data(), static_cast<std::uint32_t>(b.size()));
}

void packMember(Packer& pk, const Member& m) {
  pk.pack_array(5);
  packStr(pk, m.id);
  pk.pack(std::uint64_t{m.incarnation});
  pk.pack(static_cast<std::uint8_t>(m.state));
  pk.pack(m.flags);
  packBin(pk, m.sig);
}

bool u64(const msgpack::object& o, std::uint64_t& out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) return false;
  out = o.via.u64;
  return true;
}

Result<std::string> peerId(const msgpack::object& o) {
  if (o.type != msgpack::type::STR || o.via.str.size == 0) return malformed("peer id is not a non-empty string");
  if (o.via.str.size > kMaxPeerIdBytes) return Status::tooLarge("peer id longer than 128 bytes");
  std::string s(o.via.str.ptr, o.via.str.size);
  if (!isValidUtf8(s)) return malformed("peer id is not UTF-8");
  return s;
}

// A signature: 1..64 bytes.
Result<std::string> signature(const msgpack::object& o) {
  if (o.type != msgpack::type::BIN || o.via.bin.size == 0) return malformed("signature is not non-empty bytes");
  if (o.via.bin.size > kMaxSignatureBytes) return Status::tooLarge("signature longer than 64 bytes");
  return std::string(o.via.bin.ptr, o.via.bin.size);
}

// An incarnation (u32) and flags (bits of `allowed` only), as in a member entry.
bool incarnationAndFlags(const msgpack::object& i, const msgpack::object& f, std::uint32_t& inc, std::uint8_t& flags,
                         std::uint8_t allowed = kKnownFlags) {
  std::uint64_t a = 0, b = 0;
  if (!u64(i, a) || a > UINT32_MAX || !u64(f, b) || (b & ~std::uint64_t{allowed}) != 0) return false;
  inc = static_cast<std::uint32_t>(a);
  flags = static_cast<std::uint8_t>(b);
  return true;
}

Result<Member> memberFrom(const msgpack::object& o) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 5) return malformed("member is not [id, incarnation, state, flags, sig]");
  const auto* f = o.via.array.ptr;
  Member m;
  CG_ASSIGN_OR_RETURN(m.id, peerId(f[0]));
  std::uint64_t state = 0;
  if (!u64(f[2], state) || state > 1) return malformed("member state");
  if (!incarnationAndFlags(f[1], f[3], m.incarnation, m.flags)) return malformed("member incarnation or flags");
  CG_ASSIGN_OR_RETURN(m.sig, signature(f[4]));
  m.key = keyOf(m.id);
  m.state = static_cast<MemberState>(state);
  return m;
}

struct Encoder {
  Packer& pk;
  void operator()(const Heartbeat& h) {
    pk.pack_array(8);
    pk.pack(kMeshVersion);
    pk.pack(static_cast<std::uint8_t>(Type::kHeartbeat));
    pk.pack(h.rosterSize);
    pk.pack(h.rosterDigest);
    ids(h.ihave);
    pk.pack(std::uint64_t{h.incarnation});
    pk.pack(h.flags);
    packBin(pk, h.sig);
  }
  void operator()(const IwantFrame& w) {
    pk.pack_array(3);
    pk.pack(kMeshVersion);
    pk.pack(static_cast<std::uint8_t>(Type::kIwant));
    ids(w.ids);
  }
  void ids(const std::vector<std::uint64_t>& list) {
    pk.pack_array(static_cast<std::uint32_t>(list.size()));
    for (std::uint64_t id : list) pk.pack(id);
  }
  void operator()(const Flood& f) {
    pk.pack_array(10);
    pk.pack(kMeshVersion);
    pk.pack(static_cast<std::uint8_t>(Type::kFlood));
    pk.pack_fix_uint8(f.ttl);
    pk.pack_fix_uint8(f.hops);
    pk.pack_fix_uint64(f.id);
    pk.pack(static_cast<std::uint8_t>(f.kind));
    packStr(pk, f.origin);
    if (f.to) packStr(pk, *f.to); else pk.pack_nil();
    pk.pack_bin(static_cast<std::uint32_t>(f.body.size()));
    pk.pack_bin_body(reinterpret_cast<const char*>(f.body.data()), static_cast<std::uint32_t>(f.body.size()));
    packBin(pk, f.sig);
  }
  void operator()(const RosterFrame& r) {
    pk.pack_array(4);
    pk.pack(kMeshVersion);
    pk.pack(static_cast<std::uint8_t>(Type::kRoster));
    pk.pack(r.rosterSize);
    members(r.members);
  }
  void operator()(const GossipFrame& g) {
    pk.pack_array(3);
    pk.pack(kMeshVersion);
    pk.pack(static_cast<std::uint8_t>(Type::kGossip));
    members(g.members);
  }
  void members(const std::vector<Member>& list) {
    pk.pack_array(static_cast<std::uint32_t>(list.size()));
    for (const auto& m : list) packMember(pk, m);
  }
};

Result<std::vector<std::uint64_t>> idsFrom(const msgpack::object& o, const WireLimits& limits) {
  if (o.type != msgpack::type::ARRAY) return malformed("id list is not an array");
  if (o.via.array.size > limits.maxIds) return Status::tooLarge("id list longer than the limit");
  std::vector<std::uint64_t> out(o.via.array.size);
  for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
    if (!u64(o.via.array.ptr[i], out[i])) return malformed("id is not an unsigned integer");
  }
  return out;
}

Result<std::vector<Member>> membersFrom(const msgpack::object& o, const WireLimits& limits) {
  if (o.type != msgpack::type::ARRAY) return malformed("member list is not an array");
  if (o.via.array.size > std::min(limits.maxRosterEntries, kMaxMembersPerFrame)) {
    return Status::tooLarge("member list longer than the limit");
  }
  std::vector<Member> out;
  out.reserve(o.via.array.size);
  for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
    auto m = memberFrom(o.via.array.ptr[i]);
    if (!m.ok()) return m.status().withContext("member " + std::to_string(i));
    out.push_back(std::move(m).value());
  }
  return out;
}

}  // namespace

Bytes encodeFrame(const Frame& f) {
  Bytes out;
  ByteSink sink{out};
  Packer pk(sink);
  std::visit(Encoder{pk}, f);
  return out;
}

Result<Frame> decodeFrame(ByteView bytes, const WireLimits& limits) {
  // The largest frame the limits allow: a FLOOD with a full body, or a
  // ROSTER of full entries (id, sig and about 16 bytes of heads each).
  // Chosen by the fixed head before anything is decoded, so a membership
  // frame is held to the membership bound, not to the payload's.
  std::size_t entries = std::min(limits.maxRosterEntries, kMaxMembersPerFrame);
  std::size_t maxBytes = floodId(bytes) ? limits.maxPayloadBytes + 2 * kMaxPeerIdBytes + kMaxSignatureBytes + 64
                                        : std::max(entries * (kMaxPeerIdBytes + kMaxSignatureBytes + 24) + 64,
                                                   limits.maxIds * 9 + kMaxSignatureBytes + 256);
  CG_ASSIGN_OR_RETURN(auto handle, unpackBounded(bytes, maxBytes, 4));
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 2) return malformed("not an array [version, type, ...]");
  const auto* a = o.via.array.ptr;
  std::uint64_t version = 0, type = 0;
  if (!u64(a[0], version)) return malformed("version is not an integer");
  if (version != kMeshVersion) return Status::unsupportedVersion("mesh frame version " + std::to_string(version));
  if (!u64(a[1], type)) return malformed("type is not an integer");
  std::size_t n = o.via.array.size;
  switch (static_cast<Type>(type)) {
    case Type::kHeartbeat: {
      Heartbeat h;
      // Its own entry: own flags only; accusations are others' to make.
      if (n != 8 || !u64(a[2], h.rosterSize) || !u64(a[3], h.rosterDigest) ||
          !incarnationAndFlags(a[5], a[6], h.incarnation, h.flags, kOwnFlags)) {
        return malformed("heartbeat");
      }
      CG_ASSIGN_OR_RETURN(h.sig, signature(a[7]));
      CG_ASSIGN_OR_RETURN(h.ihave, idsFrom(a[4], limits));
      return Frame{std::move(h)};
    }
    case Type::kIwant: {
      if (n != 3) return malformed("iwant");
      CG_ASSIGN_OR_RETURN(auto ids, idsFrom(a[2], limits));
      return Frame{IwantFrame{std::move(ids)}};
    }
    case Type::kFlood: {
      // The whole fixed head, as relays read it (floodId, forwardFlood).
      if (n != 10 || !floodId(bytes)) {
        return malformed("flood head");
      }
      Flood f;
      std::uint64_t kind = 0;
      f.ttl = bytes[kTtlAt];
      f.hops = bytes[kHopsAt];
      u64(a[4], f.id);
      if (!u64(a[5], kind) || kind != 0) return malformed("flood kind");
      f.kind = static_cast<FloodKind>(kind);
      CG_ASSIGN_OR_RETURN(f.origin, peerId(a[6]));
      if (a[7].type != msgpack::type::NIL) {
        CG_ASSIGN_OR_RETURN(std::string to, peerId(a[7]));
        f.to = std::move(to);
      }
      if (a[8].type != msgpack::type::BIN) return malformed("flood body is not bytes");
      if (a[8].via.bin.size > limits.maxPayloadBytes) return Status::tooLarge("flood body over the payload limit");
      const auto* p = reinterpret_cast<const std::uint8_t*>(a[8].via.bin.ptr);
      CG_ASSIGN_OR_RETURN(f.sig, signature(a[9]));
      f.body.assign(p, p + a[8].via.bin.size);
      return Frame{std::move(f)};
    }
    case Type::kRoster: {
      RosterFrame r;
      if (n != 4 || !u64(a[2], r.rosterSize)) return malformed("roster");
      CG_ASSIGN_OR_RETURN(r.members, membersFrom(a[3], limits));
      return Frame{std::move(r)};
    }
    case Type::kGossip: {
      if (n != 3) return malformed("gossip");
      CG_ASSIGN_OR_RETURN(auto members, membersFrom(a[2], limits));
      return Frame{GossipFrame{std::move(members)}};
    }
  }
  return malformed("unknown frame type " + std::to_string(type));
}

std::optional<std::uint64_t> floodId(ByteView bytes) {
  if (bytes.size() < kHeadBytes || bytes[0] != 0x9a || bytes[1] != kMeshVersion || bytes[2] != 0x02 ||
      bytes[kTtlAt - 1] != 0xcc || bytes[kHopsAt - 1] != 0xcc || bytes[kIdAt - 1] != 0xcf) {
    return std::nullopt;
  }
  std::uint64_t id = 0;
  for (std::size_t i = 0; i < 8; ++i) id = (id << 8) | bytes[kIdAt + i];
  return id;
}

Bytes forwardFlood(ByteView bytes) {
  Bytes out(bytes.begin(), bytes.end());
  out[kTtlAt] = static_cast<std::uint8_t>(out[kTtlAt] - 1);
  out[kHopsAt] = static_cast<std::uint8_t>(out[kHopsAt] + 1);
  return out;
}

}  // namespace cellgraph::mesh
