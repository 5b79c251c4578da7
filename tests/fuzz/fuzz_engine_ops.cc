// Op batches into the engine: the input is a local op batch (boundary.h)
// given to prepare(), and the same bytes as a relayed live batch. Checks:
// nothing crashes; a refused batch changes nothing; a prepared batch is
// invisible until commit and its records reload to the committed state.
#include <cstdint>

#include "core/api/boundary.h"
#include "core/api/engine.h"
#include "tests/fuzz/fuzz_check.h"

using namespace cellgraph;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ManualClock clock;
  api::EngineOptions o;
  o.store.replicaId = 1;
  o.store.logEpoch = 2;
  o.store.maxGhostRecords = 4;
  auto e = std::move(api::Engine::open(clock, o)).value();
  auto empty = e->store().digest();
  auto p = e->prepare({data, size});
  FUZZ_CHECK(e->store().digest() == empty);
  if (p.ok()) {
    api::Effects fx = e->commit(p->ticket);
    FUZZ_CHECK(fx.status.ok());
    api::EngineOptions r = o;
    r.store.logEpoch = 3;
    auto reloaded = std::move(api::Engine::open(clock, r)).value();
    for (const Bytes& rec : p->records) FUZZ_CHECK(reloaded->load(rec, true).ok());
    FUZZ_CHECK(reloaded->store().digest() == e->store().digest());
  }
  auto before = e->store().digest();
  api::Effects relayed = e->receiveRelayed("x", {data, size});
  if (!relayed.status.ok()) FUZZ_CHECK(e->store().digest() == before);
  FUZZ_CHECK(e->store().ghostCount() <= 4);
  return 0;
}
