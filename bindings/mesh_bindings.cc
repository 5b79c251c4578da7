// Embind handle for core/mesh: one Mesh per room (js/room/room.js owns it
// and deletes it on leave). Conversion only; `now` is performance.now().
#include <emscripten/bind.h>

#include "bindings/convert.h"
#include "core/mesh/mesh.h"

namespace cellgraph::bindings {
namespace {

std::int64_t ms(double now) { return static_cast<std::int64_t>(now); }

val strings(const std::vector<std::string>& v) {
  val a = val::array();
  for (const auto& s : v) a.call<void>("push", s);
  return a;
}

class MeshHandle {
 public:
  MeshHandle(std::string self, int cellSize, double now) : mesh_(std::move(self), configFor(cellSize), ms(now)) {}

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

  // Everything the mesh wants done, in one call.
  val take() {
    val out = val::object();
    val frames = val::array();
    for (const auto& f : mesh_.takeFrames()) {
      val pair = val::array();
      pair.call<void>("push", f.to);
      pair.call<void>("push", bytesToJs(*f.bytes));
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
    st.set("framesSent", static_cast<double>(s.framesSent));
    st.set("framesReceived", static_cast<double>(s.framesReceived));
    st.set("duplicates", static_cast<double>(s.duplicates));
    st.set("delivered", static_cast<double>(s.delivered));
    st.set("refused", static_cast<double>(s.refused));
    st.set("suspicions", static_cast<double>(s.suspicions));
    st.set("evictions", static_cast<double>(s.evictions));
    st.set("gossipSent", static_cast<double>(s.gossipSent));
    st.set("repaired", static_cast<double>(s.repaired));
    st.set("rerouted", static_cast<double>(s.rerouted));
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
  mesh::Mesh mesh_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(cellgraph_mesh) {
  using namespace emscripten;
  class_<MeshHandle>("Mesh")
      .constructor<std::string, int, double>()
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
