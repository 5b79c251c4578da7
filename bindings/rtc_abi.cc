// The C ABI of what only cellgraph-rtc has: the rooms' and identities'
// crypto and the cellular mesh (js/core/rtc-abi.js is the only caller).
// Conversion only: every function forwards to core calls and answers their
// bytes or Status through the reply buffer (bindings/reply.h).
//
// Why not Embind: its runtime, its JS glue and the `val` conversions were
// 8 KB gzip of JS and more of wasm for 28 functions whose arguments and
// answers are all bytes.
//
//   cg_crypto(fn, a, aLen, b, bLen, c, cLen) -> Code
//     up to three byte arguments (strings as UTF-8); takes ownership of each
//     (from malloc, or null when empty), wipes and frees it: arguments may be
//     secrets. The answers are listed at CryptoFn.
//   cg_mesh_new(self, selfLen, secret, secretLen, cellSize, now) -> handle
//     takes ownership of both buffers (the secret is wiped); the handle
//     always exists, cg_mesh_call(h, kStatus, ...) says whether it can sign.
//   cg_mesh_call(h, method, text, textLen, bytes, bytesLen, now) -> Code
//     takes ownership of `text` and `bytes`. The answers are listed at MeshFn.
//   cg_mesh_delete(h)
//   cg_code_name(code) -> Code: the code's stable name as the reply (for the
//     test that js/core/errors.js mirrors core/base/status.h).
//
// `now` is performance.now() in milliseconds. Single-threaded, as the module is.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bindings/reply.h"
#include "core/base/hash.h"
#include "core/base/hex.h"
#include "core/base/msgpack_io.h"
#include "core/crdt/value_codec.h"
#include "core/mesh/mesh.h"
#include "core/security/ed25519.h"
#include "core/security/mnemonic.h"
#include "core/security/room_crypto.h"
#include "core/security/schnorr.h"
#include "core/security/secret_bytes.h"

namespace cellgraph::bindings {
namespace {

namespace sec = cellgraph::security;

// The same table is in js/core/rtc-abi.js.
enum CryptoFn : int {
  kEd25519KeyPair = 1,      // -> public key (32) ‖ secret key (64)
  kEd25519KeyPairFromSeed,  // a seed (32) -> public ‖ secret
  kEd25519Sign,             // a message, b secret key -> signature (64)
  kEd25519Verify,           // a message, b signature, c public key -> [1] or [0]
  kMnemonicNew,             // -> 12 words
  kMnemonicCheck,           // a phrase -> nothing, or why it is not one
  kIdentityFromMnemonic,    // a phrase, b passphrase -> public ‖ secret
  kSchnorrPublicKey,        // a secret key (32) -> x-only public key (32)
  kSchnorrSign,             // a secret key, b message (32), c aux randomness (32, or none: drawn) -> signature (64)
  kSchnorrVerify,           // a public key, b message, c signature -> [1] or [0]
  kSha256,                  // a bytes -> digest (32)
  kDeriveRoomKey,           // a app, b room, c password -> key (32)
  kSealRoom,                // a key, b plaintext -> sealed
  kOpenRoom,                // a key, b sealed -> plaintext
};

// A byte argument the callee owns: viewed while the call runs, then wiped and freed.
class Arg {
 public:
  Arg(std::uint8_t* p, std::size_t n) : p_(p), n_(p ? n : 0) {}
  ~Arg() {
    if (p_) sodium_memzero(p_, n_);
    std::free(p_);
  }
  Arg(const Arg&) = delete;
  Arg& operator=(const Arg&) = delete;
  ByteView bytes() const { return {p_, n_}; }
  std::string_view text() const { return {reinterpret_cast<const char*>(p_), n_}; }

 private:
  std::uint8_t* p_;
  std::size_t n_;
};

int answerKeyPair(const Result<sec::KeyPair>& kp) {
  if (!kp.ok()) return answer(kp.status());
  Bytes both(kp->publicKey.begin(), kp->publicKey.end());
  both.insert(both.end(), kp->secretKey.view().begin(), kp->secretKey.view().end());
  answer(std::move(both));  // `both` is the reply now; nothing else holds the secret
  return 0;
}

int crypto(int fn, const Arg& a, const Arg& b, const Arg& c) {
  switch (fn) {
    case kEd25519KeyPair: return answerKeyPair(sec::generateKeyPair());
    case kEd25519KeyPairFromSeed: return answerKeyPair(sec::keyPairFromSeed(a.bytes()));
    case kEd25519Sign: return answer(sec::sign(a.bytes(), b.bytes()));
    case kEd25519Verify: return answerFlag(sec::verify(a.bytes(), b.bytes(), c.bytes()));
    case kMnemonicNew: return answer(sec::generateMnemonic());
    case kMnemonicCheck: {
      auto e = sec::decodeMnemonic(a.text());
      if (!e.ok()) return answer(e.status());
      sec::wipe(*e);
      return answer(Bytes{});
    }
    case kIdentityFromMnemonic: return answerKeyPair(sec::identityFromMnemonic(a.text(), b.text()));
    case kSchnorrPublicKey: return answer(sec::schnorrPublicKey(a.bytes()));
    case kSchnorrSign: return answer(sec::schnorrSign(a.bytes(), b.bytes(), c.bytes()));
    case kSchnorrVerify: return answerFlag(sec::schnorrVerify(a.bytes(), b.bytes(), c.bytes()));
    case kSha256: return answer(ByteView(cellgraph::sha256(a.bytes())));
    case kDeriveRoomKey: {
      auto key = sec::deriveRoomKey(a.text(), b.text(), c.text());
      return key.ok() ? answer(key->view()) : answer(key.status());
    }
    case kSealRoom: return answer(sec::sealRoom(a.bytes(), b.bytes()));
    case kOpenRoom: {
      auto opened = sec::openRoom(a.bytes(), b.bytes());
      if (!opened.ok()) return answer(opened.status());
      return answer(std::move(*opened));
    }
    default: return answer(Status::invalidArgument("no such crypto function"));
  }
}

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
Status checkSecret(std::string_view self, ByteView secret) {
  auto pk = sec::schnorrPublicKey(secret);
  if (!pk.ok()) return pk.status();
  if (encodeHex(*pk) != self) return Status::invalidArgument("the mesh's secret key is not the key of its peer id");
  return {};
}

// The same table is in js/core/rtc-abi.js.
enum MeshFn : int {
  kStatus = 1,      // -> nothing, or why the handle cannot sign
  kLinkUp,          // text peer
  kLinkDown,        // text peer
  kHeard,           // text peer
  kTick,
  kLeave,
  kShouldAnnounce,  // -> [1] or [0]
  kReceive,         // text peer, bytes frame -> nothing, or why it was refused
  kSend,            // text target ('' = everyone), bytes payload -> the message id, decimal
  kTake,            // -> MessagePack [frames, bins, deliveries, dials, hangups]
  kState,           // -> MessagePack map (js/core/rtc-abi.js documents it)
};

void packStrings(Packer& p, const std::vector<std::string>& list) {
  p.pack_array(static_cast<std::uint32_t>(list.size()));
  for (const auto& s : list) p.pack(s);
}

class MeshHandle {
 public:
  MeshHandle(std::string self, ByteView secret, int cellSize, std::int64_t now)
      : status_(checkSecret(self, secret)),
        mesh_(std::move(self), configFor(cellSize), now, std::make_unique<SchnorrCrypto>(secret)) {}

  int call(int method, std::string_view text, ByteView bytes, std::int64_t now) {
    const std::string peer(text);
    switch (method) {
      case kStatus: return answer(status_);
      case kLinkUp: mesh_.linkUp(peer, now); break;
      case kLinkDown: mesh_.linkDown(peer, now); break;
      case kHeard: mesh_.heard(peer, now); break;
      case kTick: mesh_.tick(now); break;
      case kLeave: mesh_.leave(now); break;
      case kShouldAnnounce: return answerFlag(mesh_.shouldAnnounce());
      case kReceive: return answer(mesh_.receive(peer, Bytes(bytes.begin(), bytes.end()), now));
      case kSend: {
        auto id = mesh_.send(peer, Bytes(bytes.begin(), bytes.end()), now);
        return id.ok() ? answer(std::to_string(*id)) : answer(id.status());
      }
      case kTake: return answer(take());
      case kState: return answer(state());
      default: return answer(Status::invalidArgument("no such mesh method"));
    }
    return answer(Bytes{});
  }

 private:
  // Everything the mesh wants done. A frame relayed to many links is one
  // buffer in the core: it goes out once in `bins` and each frame names it
  // by index, so JS hands the same Uint8Array to each link.
  Bytes take() {
    Bytes out;
    ByteSink sink{out};
    Packer p(sink);
    p.pack_array(5);
    auto frames = mesh_.takeFrames();
    std::unordered_map<const Bytes*, std::uint32_t> index;
    std::vector<const Bytes*> bins;
    p.pack_array(static_cast<std::uint32_t>(frames.size()));
    for (const auto& f : frames) {
      auto [it, fresh] = index.try_emplace(f.bytes.get(), static_cast<std::uint32_t>(bins.size()));
      if (fresh) bins.push_back(f.bytes.get());
      p.pack_array(2);
      p.pack(f.to);
      p.pack(it->second);
    }
    p.pack_array(static_cast<std::uint32_t>(bins.size()));
    for (const Bytes* b : bins) crdt::packBin(p, *b);
    auto deliveries = mesh_.takeDeliveries();
    p.pack_array(static_cast<std::uint32_t>(deliveries.size()));
    for (const auto& d : deliveries) {
      p.pack_array(4);
      p.pack(d.origin);
      crdt::packBin(p, d.payload);
      p.pack(d.hops);
      p.pack(d.directed);
    }
    packStrings(p, mesh_.takeDials());
    packStrings(p, mesh_.takeHangups());
    return out;
  }

  Bytes state() const {
    Bytes out;
    ByteSink sink{out};
    Packer p(sink);
    mesh::Cell c = mesh_.cell();
    std::string bits;
    for (unsigned i = 0; i < c.depth; ++i) bits += ((c.prefix >> (63 - i)) & 1) ? '1' : '0';
    std::vector<std::string> roster;
    mesh_.roster().forEach([&](const mesh::Member& m) { roster.push_back(m.id); });
    p.pack_map(12);
    p.pack("self"), p.pack(mesh_.self());
    p.pack("cell"), p.pack(bits);
    p.pack("cellSize"), p.pack(static_cast<std::uint64_t>(mesh_.config().topology.cellSize));
    p.pack("members"), packStrings(p, mesh_.cellMembers());
    p.pack("bridges"), packStrings(p, mesh_.bridges());
    p.pack("isBridge"), p.pack(mesh_.isBridge());
    p.pack("roster"), packStrings(p, roster);
    p.pack("links"), packStrings(p, mesh_.links());
    p.pack("wanted"), packStrings(p, mesh_.wanted());
    p.pack("ttl"), p.pack(mesh_.ttl());
    p.pack("incarnation"), p.pack(mesh_.incarnation());
    const auto& s = mesh_.stats();
    const std::pair<const char*, std::uint64_t> stats[] = {
        {"framesSent", s.framesSent}, {"framesReceived", s.framesReceived}, {"duplicates", s.duplicates},
        {"delivered", s.delivered}, {"suspicions", s.suspicions}, {"evictions", s.evictions},
        {"refutations", s.refutations}, {"gossipSent", s.gossipSent}, {"repaired", s.repaired},
        {"rerouted", s.rerouted}, {"signaturesVerified", s.signaturesVerified}, {"refused", s.refused},
        {"refusedUnlinked", s.refusedUnlinked}, {"refusedMalformed", s.refusedMalformed},
        {"refusedSignature", s.refusedSignature}, {"refusedForeignId", s.refusedForeignId},
        {"membersDeferred", s.membersDeferred}, {"membersOverCap", s.membersOverCap},
        {"repliesDeclined", s.repliesDeclined}, {"asksDeclined", s.asksDeclined},
        {"cacheDropped", s.cacheDropped}, {"custodyDropped", s.custodyDropped},
        {"dialsDeferred", s.dialsDeferred}, {"rostersDeferred", s.rostersDeferred},
        {"linksRefused", s.linksRefused}, {"hungUpRefusing", s.hungUpRefusing},
    };
    p.pack("stats");
    p.pack_map(static_cast<std::uint32_t>(std::size(stats)));
    for (const auto& [name, value] : stats) p.pack(name), p.pack(value);
    return out;
  }

  static mesh::MeshConfig configFor(int cellSize) {
    mesh::MeshConfig c;
    c.topology.cellSize = static_cast<std::size_t>(std::clamp(cellSize, 2, 64));
    c.limits.maxPayloadBytes = 4u << 20;
    return c;
  }

  Status status_;  // before mesh_, which is made with the same secret
  mesh::Mesh mesh_;
};

}  // namespace
}  // namespace cellgraph::bindings

using cellgraph::bindings::Arg;
using cellgraph::bindings::MeshHandle;

extern "C" {

EMSCRIPTEN_KEEPALIVE int cg_crypto(int fn, std::uint8_t* a, std::size_t aLen, std::uint8_t* b, std::size_t bLen,
                                   std::uint8_t* c, std::size_t cLen) {
  const Arg first(a, aLen), second(b, bLen), third(c, cLen);
  return cellgraph::bindings::crypto(fn, first, second, third);
}

EMSCRIPTEN_KEEPALIVE MeshHandle* cg_mesh_new(std::uint8_t* self, std::size_t selfLen, std::uint8_t* secret,
                                             std::size_t secretLen, int cellSize, double now) {
  const Arg id(self, selfLen), key(secret, secretLen);
  return new MeshHandle(std::string(id.text()), key.bytes(), cellSize, static_cast<std::int64_t>(now));
}

EMSCRIPTEN_KEEPALIVE void cg_mesh_delete(MeshHandle* h) { delete h; }

EMSCRIPTEN_KEEPALIVE int cg_mesh_call(MeshHandle* h, int method, std::uint8_t* text, std::size_t textLen,
                                      std::uint8_t* bytes, std::size_t bytesLen, double now) {
  const Arg t(text, textLen), b(bytes, bytesLen);
  return h->call(method, t.text(), b.bytes(), static_cast<std::int64_t>(now));
}

EMSCRIPTEN_KEEPALIVE int cg_code_name(int code) {
  if (code < 0 || code > static_cast<int>(cellgraph::Code::kInternal)) {
    return cellgraph::bindings::answer(cellgraph::Status::notFound("no such code"));
  }
  return cellgraph::bindings::answer(std::string_view(cellgraph::codeName(static_cast<cellgraph::Code>(code))));
}

}  // extern "C"
