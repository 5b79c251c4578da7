// A peer's side of a sync session, hostile: the input is a sequence of
// messages (u16 big-endian length, then the bytes; a zero length is a local
// write, 0xffff a tick) sent to an engine over one link, interleaved with
// the honest replies of a second engine on another link. Checks: nothing
// crashes; a refused message changes nothing (digest) and ends only that
// session; unacknowledged bytes stay within the flow window plus a chunk;
// the honest peer still converges at the end.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/api/boundary.h"
#include "core/api/engine.h"
#include "core/api/engine_net.h"
#include "tests/fuzz/fuzz_check.h"

using namespace cellgraph;

namespace {
std::unique_ptr<api::Engine> make(Clock& clock, hlc::PeerId id) {
  api::EngineOptions o;
  o.store.replicaId = id;
  o.store.logEpoch = 0x100 + id;
  o.store.opLogWindow = 8;
  o.session.chunkBytes = 1024;
  o.session.windowBytes = 8192;
  o.session.ackBytes = 2048;
  o.compactAfterRecords = 5;
  return std::move(api::Engine::open(clock, o)).value();
}
Bytes put(const std::string& id, int n) {
  auto v = std::make_shared<const boost::json::object>(boost::json::object{{"n", n}});
  return api::encodeOpBatch({{crdt::OpType::kPut, id, "", v}});
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ManualClock clock;
  auto a = make(clock, 1), honest = make(clock, 2);
  api::EngineNet net;
  net.add(*a, "a");
  net.add(*honest, "h");
  for (int i = 0; i < 6; ++i) (void)net.write(i % 2, put("n" + std::to_string(i), i));
  net.connect(0, 1);
  a->openPeer("m");
  int writes = 0;
  for (std::size_t at = 0; at + 2 <= size;) {
    std::size_t n = (std::size_t{data[at]} << 8) | data[at + 1];
    at += 2;
    if (n == 0) {
      (void)net.write(0, put("w" + std::to_string(writes % 7), writes));
      ++writes;
      continue;
    }
    if (n == 0xffff) {
      clock.advance(1000);
      net.absorb(0, a->tick());
      continue;
    }
    n = std::min(n, size - at);
    auto before = a->store().digest();
    bool open = a->session("m") != nullptr;
    api::Effects fx = a->receive("m", {data + at, n});
    at += n;
    if (!fx.status.ok()) {
      FUZZ_CHECK(a->store().digest() == before);
      FUZZ_CHECK(a->session("m") == nullptr);
      if (open) FUZZ_CHECK(fx.failed.size() == 1 && fx.failed[0].peer == "m");
      a->openPeer("m");
    }
    if (const auto* s = a->session("m")) FUZZ_CHECK(s->inFlight() <= 8192 + 1024 + 256);
    net.step(0, 1);
    net.step(1, 0);
  }
  a->closePeer("m");
  net.run();
  FUZZ_CHECK(net.node(1).failures.empty());
  // What the hostile peer managed to apply (validly) is a's; sync carries it over.
  net.disconnect(0, 1);
  net.connect(0, 1);
  net.run();
  if (a->store().digest() != honest->store().digest() && std::getenv("FUZZ_DEBUG")) {
    std::fprintf(stderr, "a %zu/%zu h %zu/%zu failures a=%zu h=%zu deferred a=%zu h=%zu\n", a->store().recordCount(), a->store().liveCount(),
                 honest->store().recordCount(), honest->store().liveCount(), net.node(0).failures.size(), net.node(1).failures.size(),
                 a->deferredCount(), honest->deferredCount());
    for (auto& [id, n] : a->store().records()) {
      auto* h = honest->store().find(id);
      if (!h || h->itemHash != n.itemHash) std::fprintf(stderr, "differs: %s a=%s h=%s\n", id.c_str(), n.clock.toString().c_str(), h ? h->clock.toString().c_str() : "-");
    }
    for (auto& f : net.node(0).failures) std::fprintf(stderr, "a failure %s\n", f.status.toString().c_str());
  }
  FUZZ_CHECK(a->store().digest() == honest->store().digest());
  return 0;
}
