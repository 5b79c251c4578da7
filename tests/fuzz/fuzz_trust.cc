// The trust layer (core/api/trust.h, core/security/): the input is a list
// of records, each [length u16 BE][bytes], loaded into an engine opened with
// security. Stored records skip the signature check, so the fuzzer reaches
// grants, roles, held ops and retractions; the same records relayed from a
// peer are signature-checked; every record is also tried as a signature
// proof, and the whole input as a recovery phrase. Checks: nothing
// crashes; a refused record changes nothing; the pools stay within their
// bounds; a snapshot reloads to the same state; no proof made of fuzz
// verifies; a phrase that decodes encodes back to itself.
#include <cstdint>

#include "core/api/engine.h"
#include "core/security/mnemonic.h"
#include "core/security/op_signature.h"
#include "tests/fuzz/fuzz_check.h"

using namespace cellgraph;

namespace {

api::EngineOptions options(std::uint64_t epoch) {
  api::EngineOptions o;
  o.store.replicaId = 1;
  o.store.logEpoch = epoch;
  o.maxUnauthorizedOps = 64;
  api::TrustOptions t;
  t.database = security::databaseId("fuzz", "room");
  t.superadmins.push_back(std::string(32, 'S'));
  t.maxGrants = 64;
  o.trust = std::move(t);
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view phrase(reinterpret_cast<const char*>(data), size);
  if (auto entropy = security::decodeMnemonic(phrase); entropy.ok()) {
    FUZZ_CHECK(security::encodeMnemonic(*entropy).value() == phrase);
  }
  ManualClock clock(1'700'000'000'000ull);
  auto stored = std::move(api::Engine::open(clock, options(2))).value();
  auto relayed = std::move(api::Engine::open(clock, options(3))).value();
  security::ProofVerifier proofs;
  const auto db = security::databaseId("fuzz", "room");
  const auto leaf = security::leafHash({data, size});
  const Bytes author(32, 'S');
  for (std::size_t at = 0; at + 2 <= size;) {
    std::size_t n = std::min<std::size_t>(size - at - 2, (std::size_t{data[at]} << 8) | data[at + 1]);
    ByteView record{data + at + 2, n};
    at += 2 + n;
    auto before = stored->store().digest();
    if (!stored->load(record, true).ok()) FUZZ_CHECK(stored->store().digest() == before);
    before = relayed->store().digest();
    if (!relayed->receiveRelayed("peer", record).status.ok()) FUZZ_CHECK(relayed->store().digest() == before);
    FUZZ_CHECK(!proofs.verify(db, author, leaf, record));
    clock.advance(1'000);
    stored->tick();
  }
  for (auto* e : {stored.get(), relayed.get()}) {
    FUZZ_CHECK(e->trust()->authority().candidateCount() <= 64);
    FUZZ_CHECK(e->unauthorizedCount() <= 64);
  }
  auto reloaded = std::move(api::Engine::open(clock, options(4))).value();
  for (const Bytes& r : stored->snapshot()) FUZZ_CHECK(reloaded->load(r, false).ok());
  FUZZ_CHECK(reloaded->store().digest() == stored->store().digest());
  return 0;
}
