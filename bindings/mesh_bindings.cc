// Embind handle for core/mesh: one Mesh per room (js/room/mesh-router.js
// owns it and deletes it on leave). Conversion only, plus the signer the
// core is given: BIP-340 Schnorr under the room key's secret (peer ids are
// x-only public keys in hex, js/signaling/room-keys.js). `now` is
// performance.now().
#include <emscripten/bind.h>

#include <unordered_map>

#include "bindings/convert.h"
#include "core/base/hex.h"
#include "core/mesh/mesh.h"
#include "core/security/ed25519.h"
#include "core/security/schnorr.h"
#include "core/security/secret_bytes.h"

namespace cellgraph::bindings {
namespace {

std::int64_t ms(double now) { return static_cast<std::int64_t>(now); }

val strings(const std::vector<std::string>& v) {
  val a = val::array();
  for (const auto& s : v) a.call<void>("push", s);
  return a;
}

namespace sec = cellgraph::security;

// The mesh's signatures: the 32-byte digests core/mesh/crypto.h defines,
// signed with Schnorr. The secret lives in a SecretBytes (wiped when the
// handle is deleted) and never leaves it.
class SchnorrCrypto final : public mesh::MeshCrypto {
 public:
  explicit SchnorrCrypto(ByteView secret) {
    if (secret.size() == sec::kSchnorrSecretKeyBytes) std::copy(secret.begin(), secret.end(), secret_.data());
  }
  Bytes sign(ByteView digest32) override {
    auto sig = sec::schnorrSign(secret_.view(), digest32, {});
    return sig.ok() ? Bytes(sig->begin(), sig->end()) : Bytes{};
  }
  // Ids are lowercase hex of a 32-byte key; anything else signs nothing.
  bool verify(std::string_view peerId, ByteView digest32, ByteView signature) override {
    if (peerId.size() != 2 * sec::kSchnorrPublicKeyBytes ||
        peerId.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
      return false;
    }
    auto key = decodeHex(peerId);
    return key.ok() && sec::schnorrVerify(*key, digest32, signature);
  }

 private:
  sec::SecretBytes<sec::kSchnorrSecretKeyBytes> secret_;
};

// Ok when `secret` is the secret key of the public key `self`.
Status checkSecret(const std::string& self, ByteView secret) {
  auto pk = sec::schnorrPublicKey(secret);
  if (!pk.ok()) return pk.status();
  if (encodeHex(*pk) != self) return Status::invalidArgument("the mesh's secret key is not the key of its peer id");
  return {};
}

class MeshHandle {
 public:
  // secretKey: the 32-byte BIP-340 secret of `self` (RoomKeys.useSecret).
  // A wrong one leaves the handle unable to sign: status() says so.
  MeshHandle(std::string self, val secretKey, int cellSize, double now)
      : mesh_(self, configFor(cellSize), ms(now), crypto(self, secretKey, status_)) {}

  val status() const { return statusToJs(status_); }

  void linkUp(std::string peer, double now) { mesh_.linkUp(peer, ms(now)); }
  void linkDown(std::string peer, double now) { mesh_.linkDown(peer, ms(now)); }
  void heard(std::string peer, double now) { mesh_.heard(peer, ms(now)); }
  void tick(double now) { mesh_.tick(ms(now)); }
  void leave(double now) { mesh_.leave(ms(now)); }
  void setDegraded(bool degraded, double now) { mesh_.setDegraded(degraded, ms(now)); }
  bool shouldAnnounce() const { return mesh_.shouldAnnounce(); }

  val receive(std::string peer, val bytes, double now) {
    if (!isUint8Array(bytes)) return notBytes("frame");
    return statusToJs(mesh_.receive(peer, bytesFromJs(bytes), ms(now)));
  }

  val send(std::string target, val payload, double now) {
    if (!isUint8Array(payload)) return notBytes("payload");
    auto id = mesh_.send(target, bytesFromJs(payload), ms(now));
    return id.ok() ? okToJs(val(std::to_string(*id))) : statusToJs(id.status());
  }

  // Everything the mesh wants done, in one call. A frame relayed to many
  // links is one buffer in the core: it is copied out once and the same
  // Uint8Array goes to each (the links only read it).
  val take() {
    val out = val::object();
    val frames = val::array();
    std::unordered_map<const Bytes*, val> copies;
    for (const auto& f : mesh_.takeFrames()) {
      auto [it, fresh] = copies.try_emplace(f.bytes.get(), val::undefined());
      if (fresh) it->second = bytesToJs(*f.bytes);
      val pair = val::array();
      pair.call<void>("push", f.to);
      pair.call<void>("push", it->second);
      frames.call<void>("push", pair);
    }
    val deliveries = val::array();
    for (const auto& d : mesh_.takeDeliveries()) {
      val o = val::object();
      o.set("origin", d.origin);
      o.set("payload", bytesToJs(d.payload));
      o.set("hops", d.hops);
      o.set("directed", d.directed);
      deliveries.call<void>("push", o);
    }
    out.set("frames", frames);
    out.set("deliveries", deliveries);
    out.set("dials", strings(mesh_.takeDials()));
    out.set("hangups", strings(mesh_.takeHangups()));
    return out;
  }

  val state() const {
    val o = val::object();
    mesh::Cell c = mesh_.cell();
    std::string bits;
    for (unsigned i = 0; i < c.depth; ++i) bits += ((c.prefix >> (63 - i)) & 1) ? '1' : '0';
    std::vector<std::string> roster;
    mesh_.roster().forEach([&](const mesh::Member& m) { roster.push_back(m.id); });
    o.set("self", mesh_.self());
    o.set("cell", bits);
    o.set("cellSize", static_cast<double>(mesh_.config().topology.cellSize));
    o.set("members", strings(mesh_.cellMembers()));
    o.set("bridges", strings(mesh_.bridges()));
    o.set("isBridge", mesh_.isBridge());
    o.set("roster", strings(roster));
    o.set("links", strings(mesh_.links()));
    o.set("wanted", strings(mesh_.wanted()));
    o.set("ttl", mesh_.ttl());
    o.set("incarnation", mesh_.incarnation());
    const auto& s = mesh_.stats();
    val st = val::object();
    auto put = [&](const char* name, std::uint64_t v) { st.set(name, static_cast<double>(v)); };
    put("framesSent", s.framesSent);
    put("framesReceived", s.framesReceived);
    put("duplicates", s.duplicates);
    put("delivered", s.delivered);
    put("suspicions", s.suspicions);
    put("evictions", s.evictions);
    put("refutations", s.refutations);
    put("gossipSent", s.gossipSent);
    put("repaired", s.repaired);
    put("rerouted", s.rerouted);
    put("signaturesVerified", s.signaturesVerified);
    put("refused", s.refused);
    put("refusedUnlinked", s.refusedUnlinked);
    put("refusedMalformed", s.refusedMalformed);
    put("refusedSignature", s.refusedSignature);
    put("refusedForeignId", s.refusedForeignId);
    put("membersDeferred", s.membersDeferred);
    put("membersOverCap", s.membersOverCap);
    put("repliesDeclined", s.repliesDeclined);
    put("asksDeclined", s.asksDeclined);
    put("cacheDropped", s.cacheDropped);
    put("custodyDropped", s.custodyDropped);
    put("dialsDeferred", s.dialsDeferred);
    put("rostersDeferred", s.rostersDeferred);
    put("linksRefused", s.linksRefused);
    put("hungUpRefusing", s.hungUpRefusing);
    o.set("stats", st);
    return o;
  }

 private:
  static mesh::MeshConfig configFor(int cellSize) {
    mesh::MeshConfig c;
    c.topology.cellSize = static_cast<std::size_t>(std::clamp(cellSize, 2, 64));
    c.limits.maxPayloadBytes = 4u << 20;
    return c;
  }
  static std::unique_ptr<mesh::MeshCrypto> crypto(const std::string& self, const val& secretKey, Status& status) {
    if (!isUint8Array(secretKey)) {
      status = Status::invalidArgument("the mesh's secret key must be a Uint8Array");
      return std::make_unique<SchnorrCrypto>(ByteView{});
    }
    Bytes secret = bytesFromJs(secretKey);
    status = checkSecret(self, secret);
    auto out = std::make_unique<SchnorrCrypto>(secret);
    sec::wipe(secret);
    return out;
  }
  Status status_;  // before mesh_: the constructor sets it while making mesh_'s crypto
  mesh::Mesh mesh_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(cellgraph_mesh) {
  using namespace emscripten;
  class_<MeshHandle>("Mesh")
      .constructor<std::string, val, int, double>()
      .function("status", &MeshHandle::status)
      .function("linkUp", &MeshHandle::linkUp)
      .function("linkDown", &MeshHandle::linkDown)
      .function("heard", &MeshHandle::heard)
      .function("tick", &MeshHandle::tick)
      .function("leave", &MeshHandle::leave)
      .function("setDegraded", &MeshHandle::setDegraded)
      .function("shouldAnnounce", &MeshHandle::shouldAnnounce)
      .function("receive", &MeshHandle::receive)
      .function("send", &MeshHandle::send)
      .function("take", &MeshHandle::take)
      .function("state", &MeshHandle::state);
}

}  // namespace cellgraph::bindings
