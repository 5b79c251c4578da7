// Mesh frames from hostile links (core/mesh). The input is read twice:
//
// 1. As one frame: it decodes to a frame or an error, and a decoded frame's
//    encoding is a fixpoint (it decodes, and encodes to the same bytes).
// 2. As a script of records [op u8][length u16, big-endian][bytes] driving a
//    Mesh (FakeCrypto, small bounds so the fuzzer reaches them) with two
//    links, m1 and m2:
//      op % 8 = 0, 1  the bytes as a frame from m1 / m2
//               2, 3  the same, re-signed first: every member entry by its
//                     member, a FLOOD by its origin, a HEARTBEAT by its
//                     sender (an attacker holding all those keys, as one
//                     with fake members does; the fuzzer cannot make tags)
//               4     time passes (1 + 16·byte0 ms) and the mesh ticks
//               5     the link to m1 / m2 (byte0 & 1) goes down, or up
//               6     this peer broadcasts the bytes, or sends them to m2
//               7     the bytes as a peer id heard announcing
//    After every record: every bound MeshConfig states holds, every refused
//    frame was counted once (and by reason), an IWANT got at most
//    maxRepliesPerIwant floods back, and no more dials left than allowed.
#include <cstdint>
#include <string>

#include "core/mesh/mesh.h"
#include "tests/fuzz/fuzz_check.h"

using namespace cellgraph;
using namespace cellgraph::mesh;

namespace {

std::string sigOf(const std::string& signer, const Digest& d) {
  Bytes tag = FakeCrypto::tag(1, signer, d);
  return {tag.begin(), tag.end()};
}

Member signedMember(const std::string& id) {
  Member m{keyOf(id), id, 0, MemberState::kAlive, 0, {}};
  m.sig = sigOf(id, claimDigest(m));
  return m;
}

// The frame re-signed as its claimed authors would sign it.
Bytes resign(ByteView bytes, const std::string& from, const WireLimits& limits) {
  auto frame = decodeFrame(bytes, limits);
  if (!frame.ok()) return {bytes.begin(), bytes.end()};
  struct Signer {
    const std::string& from;
    void operator()(Heartbeat& h) {
      Member self{keyOf(from), from, h.incarnation, MemberState::kAlive, h.flags, {}};
      h.sig = sigOf(from, claimDigest(self));
    }
    void operator()(Flood& f) { f.sig = sigOf(f.origin, floodDigestOf(f)); }
    void operator()(RosterFrame& r) { members(r.members); }
    void operator()(GossipFrame& g) { members(g.members); }
    void operator()(IwantFrame&) {}
    void members(std::vector<Member>& list) {
      for (Member& m : list) m.sig = sigOf(m.id, claimDigest(m));
    }
  };
  std::visit(Signer{from}, frame.value());
  return encodeFrame(frame.value());
}

MeshConfig smallConfig() {
  MeshConfig c;
  c.limits.maxPayloadBytes = 4096;
  c.limits.maxRosterEntries = 32;
  c.limits.maxIds = 64;
  c.dedupWindow = 64;
  c.maxMembers = 48;
  c.rosterRate = 16;
  c.rosterBurst = 32;
  c.maxRepliesPerIwant = 4;
  c.repairFramesPerSecond = 8;
  c.repairBytesPerSecond = 8192;
  c.maxCached = 16;
  c.maxCachedBytes = 8192;
  c.maxAsked = 32;
  c.maxAskedPerLink = 16;
  c.maxCustody = 8;
  c.maxCustodyBytes = 8192;
  c.maxLinks = 3;
  c.maxDialsInFlight = 4;
  c.maxDialsPerTick = 2;
  c.refusalLimit = 8;
  c.maxBanned = 4;
  return c;
}

void checkBounds(const Mesh& mesh, const MeshConfig& c) {
  const MeshStats& s = mesh.stats();
  FUZZ_CHECK(mesh.roster().size() <= c.maxMembers);
  FUZZ_CHECK(mesh.roster().tombstones() <= c.maxMembers);
  Mesh::Sizes z = mesh.sizes();
  FUZZ_CHECK(z.cached <= c.maxCached && z.cachedBytes <= c.maxCachedBytes);
  FUZZ_CHECK(z.custody <= c.maxCustody && z.custodyBytes <= c.maxCustodyBytes);
  FUZZ_CHECK(z.asked <= c.maxAsked);
  FUZZ_CHECK(z.dialsInFlight <= c.maxDialsInFlight);
  FUZZ_CHECK(z.banned <= c.maxBanned);
  FUZZ_CHECK(z.seen <= c.dedupWindow);
  FUZZ_CHECK(mesh.links().size() <= c.maxLinks + mesh.wanted().size());
  FUZZ_CHECK(s.refused == s.refusedUnlinked + s.refusedMalformed + s.refusedSignature + s.refusedForeignId);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const MeshConfig config = smallConfig();
  ByteView input{data, size};

  // 1. One frame.
  if (auto frame = decodeFrame(input, config.limits); frame.ok()) {
    Bytes once = encodeFrame(frame.value());
    auto again = decodeFrame(once, config.limits);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(encodeFrame(again.value()) == once);
  }

  // 2. A script.
  static const Roster room = [] {
    Roster r;
    for (const char* id : {"m1", "m2", "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"}) r.apply(signedMember(id), 0);
    return r;
  }();
  const std::string links[2] = {"m1", "m2"};
  Mesh mesh("b", config, 0, fakeCrypto("b"));
  mesh.adoptRoster(room, 0);
  bool up[2] = {true, true};
  for (const auto& l : links) mesh.linkUp(l, 0);
  std::int64_t now = 0;
  std::size_t at = 0;
  while (at + 3 <= size) {
    std::uint8_t op = data[at];
    std::size_t len = std::min<std::size_t>(static_cast<std::size_t>(data[at + 1]) << 8 | data[at + 2], size - at - 3);
    ByteView bytes = input.subspan(at + 3, len);
    at += 3 + len;
    std::uint8_t b0 = len ? bytes[0] : 0;
    bool iwant = false;
    std::uint64_t refusedBefore = mesh.stats().refused;
    switch (op % 8) {
      case 0:
      case 1:
      case 2:
      case 3: {
        const std::string& from = links[op & 1];
        Bytes frame = (op % 8) >= 2 ? resign(bytes, from, config.limits) : Bytes(bytes.begin(), bytes.end());
        auto decoded = decodeFrame(frame, config.limits);
        iwant = decoded.ok() && std::holds_alternative<IwantFrame>(decoded.value());
        Status st = mesh.receive(from, frame, now);
        FUZZ_CHECK(mesh.stats().refused == refusedBefore + (st.ok() ? 0 : 1));
        break;
      }
      case 4:
        now += 1 + 16 * static_cast<std::int64_t>(b0);
        mesh.tick(now);
        break;
      case 5: {
        int i = b0 & 1;
        if (up[i]) mesh.linkDown(links[i], now); else mesh.linkUp(links[i], now);
        up[i] = !up[i];
        break;
      }
      case 6:
        (void)mesh.send(b0 & 1 ? "m2" : "", bytes.size() > 1 ? bytes.subspan(1) : ByteView{}, now);
        break;
      default:
        if (len > 0 && len <= kMaxPeerIdBytes) mesh.heard(std::string(bytes.begin(), bytes.end()), now);
        break;
    }
    std::size_t floods = 0;
    for (const auto& f : mesh.takeFrames()) floods += floodId(*f.bytes).has_value();
    if (iwant) FUZZ_CHECK(floods <= config.maxRepliesPerIwant);
    FUZZ_CHECK(mesh.takeDials().size() <= config.maxDialsPerTick);
    for (const auto& h : mesh.takeHangups()) {
      for (int i = 0; i < 2; ++i) {
        if (h == links[i]) up[i] = false;
      }
    }
    (void)mesh.takeDeliveries();
    checkBounds(mesh, config);
  }
  return 0;
}
