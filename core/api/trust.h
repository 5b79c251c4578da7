// Trust: signatures, reserved records and roles for a database opened with
// security (PROTOCOL.md §10). The gate (gate.h) asks it about every
// envelope that did not originate here; the engine asks it to sign and to
// authorize local writes. It keeps the grants it has seen (the Authority's
// candidates, with their envelopes) and nothing else.
//
// Reserved ids (every other id starting with '~' is refused):
//   ~grant/<grantee hex>/<grantor hex>/<nonce>   put only, by the grantor:
//        {role: name, notBefore?: ms, expiresAt?: ms}; never removed or linked
//   ~profile/<identity hex>                       its identity writes it at any role
// Any other op needs a permission of its author's role at the op's clock:
// put write, link/unlink link, remove delete.
//
// Why the engine calls it through virtual methods: a host that never makes
// one (the wasm build of a local database, bindings/engine_abi.cc) then links
// none of its code, nor the signing and proof checking behind it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/base/status.h"
#include "core/crdt/envelope.h"
#include "core/security/ed25519.h"
#include "core/security/op_signature.h"
#include "core/security/roles.h"

namespace cellgraph::api {

struct TrustOptions {
  security::Digest database{};                // databaseId(app, room)
  std::vector<security::Identity> superadmins;  // 32-byte public keys
  security::RoleTable roles = security::RoleTable::standard();
  std::optional<security::SecretKey> secretKey;  // this user's identity; without it, writes are refused
  std::size_t maxGrants = 65'536;
};

enum class Screen : std::uint8_t { kGrant, kData, kForged, kMalformed };

class Trust {
 public:
  static Result<std::unique_ptr<Trust>> make(TrustOptions options);
  virtual ~Trust();

  const std::optional<security::Identity>& self() const { return self_; }
  security::Authority& authority() { return *authority_; }
  const security::Authority& authority() const { return *authority_; }

  // Author and proof for each envelope, one signature per kMaxGroup.
  virtual Status sign(std::vector<crdt::Envelope>& envelopes) const;
  // Signature (skipped when `trusted`: this engine's own storage) and the
  // reserved-id rules.
  virtual Screen screen(const crdt::Envelope& e, bool trusted);
  // For a kGrant envelope: the grant it carries (screen() checked it).
  virtual security::Grant grantOf(const crdt::Envelope& e) const;
  // Could `g`'s grantor assign at its clock, by what is known now? Grants
  // that cannot wait outside the candidates, so a guest cannot fill them.
  bool admissible(const security::Grant& g) const {
    return authority_->can(g.grantor, g.clock, security::kAssign);
  }
  // Adds a grant envelope as a candidate; true when that changed anything.
  virtual Result<bool> addCandidate(const crdt::Envelope& e);
  virtual const crdt::Envelope* candidate(const std::string& id) const;
  // Every candidate grant's envelope, in clock order.
  virtual std::vector<crdt::Envelope> candidates() const;
  // Forgets every grant (the database was cleared on this device).
  virtual void clear();
  // A data op's author held a role that permits it at its clock; a grant
  // record is valid.
  virtual bool permits(const crdt::Envelope& e) const;
  // Why a local op of this identity would be refused, if it would.
  virtual Status authorizeLocal(const crdt::Envelope& e) const;
  std::uint64_t signaturesChecked() const { return verifier_.signaturesChecked(); }

 private:
  explicit Trust(TrustOptions options);
  Status checkGrant(const crdt::Envelope& e, security::Grant* out) const;

  TrustOptions options_;
  std::optional<security::Identity> self_;
  std::unique_ptr<security::Authority> authority_;
  security::ProofVerifier verifier_;
  std::unordered_map<std::string, crdt::Envelope> candidates_;
};

}  // namespace cellgraph::api
