// Everything a host hands the engine as bytes besides ops and messages:
// engine options, query options, keep lists, stored records. Each decodes
// or fails cleanly; a stored record that fails to load changes nothing.
#include <cstdint>

#include "core/api/boundary.h"
#include "core/api/engine.h"
#include "tests/fuzz/fuzz_check.h"

using namespace cellgraph;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in{data, size};
  Limits limits;
  auto options = api::decodeEngineOptions(in);
  if (options.ok()) {
    ManualClock clock;
    auto e = api::Engine::open(clock, *options);
    if (e.ok()) FUZZ_CHECK((*e)->store().options().replicaId != 0);
  }
  (void)api::decodeKeep(in, limits);
  (void)api::decodeOpBatch(in, limits);
  ManualClock clock;
  auto e = std::move(api::Engine::open(clock, api::EngineOptions{{1, 2, 60'000, 100, {}}})).value();
  auto q = api::decodeQueryOptions(in, limits);
  if (q.ok()) {
    auto r = e->query(*q);
    if (r.ok()) FUZZ_CHECK(r->empty());
  }
  auto before = e->store().digest();
  if (!e->load(in, true).ok()) FUZZ_CHECK(e->store().digest() == before);
  return 0;
}
