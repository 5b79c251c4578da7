#include "core/api/trust.h"

#include <algorithm>
#include <string_view>

#include "core/base/hex.h"

namespace cellgraph::api {
namespace {

constexpr std::string_view kGrantPrefix = "~grant/";
constexpr std::string_view kProfilePrefix = "~profile/";

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string authorHex(const crdt::Envelope& e) { return encodeHex(e.author); }

bool isLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::uint32_t permissionFor(crdt::OpType t) {
  switch (t) {
    case crdt::OpType::kPut: return security::kWrite;
    case crdt::OpType::kRemove: return security::kDelete;
    case crdt::OpType::kLink:
    case crdt::OpType::kUnlink: return security::kLink;
  }
  return UINT32_MAX;
}

bool readMs(const boost::json::value& v, std::uint64_t& out) {
  if (v.is_uint64()) out = v.get_uint64();
  else if (v.is_int64() && v.get_int64() >= 0) out = static_cast<std::uint64_t>(v.get_int64());
  else if (v.is_double() && v.get_double() >= 0 && v.get_double() < 1.8e19 && v.get_double() == static_cast<double>(static_cast<std::uint64_t>(v.get_double()))) out = static_cast<std::uint64_t>(v.get_double());
  else return false;
  return true;
}

}  // namespace

Trust::Trust(TrustOptions options)
    : options_(std::move(options)),
      authority_(std::make_unique<security::Authority>(options_.roles, options_.superadmins, options_.maxGrants)) {
  if (options_.secretKey) {
    const std::uint8_t* pk = options_.secretKey->data() + security::kSeedBytes;
    self_ = security::Identity(reinterpret_cast<const char*>(pk), security::kPublicKeyBytes);
  }
}

Trust::~Trust() = default;

Result<std::unique_ptr<Trust>> Trust::make(TrustOptions options) {
  CG_RETURN_IF_ERROR(security::initCrypto());
  for (const auto& s : options.superadmins) {
    if (s.size() != security::kPublicKeyBytes) return Status::invalidArgument("a superadmin is a 32-byte Ed25519 public key");
  }
  if (options.maxGrants < 1) return Status::invalidArgument("trust options: maxGrants must be positive");
  return std::unique_ptr<Trust>(new Trust(std::move(options)));
}

Status Trust::sign(std::vector<crdt::Envelope>& envelopes) const {
  if (!self_) return Status::unauthorized("this database was opened without an identity: it cannot write");
  Bytes author(self_->begin(), self_->end());
  for (std::size_t start = 0; start < envelopes.size(); start += security::kMaxGroup) {
    std::size_t end = std::min(envelopes.size(), start + security::kMaxGroup);
    std::vector<security::Digest> leaves;
    for (std::size_t i = start; i < end; ++i) {
      envelopes[i].author = author;
      leaves.push_back(security::leafHash(crdt::signedBytes(envelopes[i])));
    }
    CG_ASSIGN_OR_RETURN(auto proofs, security::signGroup(options_.database, options_.secretKey->view(), leaves));
    for (std::size_t i = start; i < end; ++i) envelopes[i].signature = std::move(proofs[i - start]);
  }
  return {};
}

Status Trust::checkGrant(const crdt::Envelope& e, security::Grant* out) const {
  std::string_view rest = std::string_view(e.op.id).substr(kGrantPrefix.size());
  std::size_t a = rest.find('/');
  std::size_t b = a == std::string_view::npos ? a : rest.find('/', a + 1);
  if (b == std::string_view::npos) return Status::invalidArgument("a grant id is ~grant/<grantee>/<grantor>/<nonce>");
  std::string_view grantee = rest.substr(0, a), grantor = rest.substr(a + 1, b - a - 1), nonce = rest.substr(b + 1);
  if (!isLowerHex64(grantee) || !isLowerHex64(grantor)) return Status::invalidArgument("a grant names its keys in 64 lower-case hex digits");
  if (nonce.empty() || nonce.size() > 32 ||
      nonce.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz") != std::string_view::npos) {
    return Status::invalidArgument("a grant's nonce is 1..32 of [0-9a-z]");
  }
  if (e.op.type != crdt::OpType::kPut) return Status::unauthorized("a grant is never removed or linked");
  if (authorHex(e) != grantor) return Status::unauthorized("a grant is signed by its grantor");
  const boost::json::object& v = *e.op.value;
  security::Grant g;
  const boost::json::value* role = v.if_contains("role");
  if (!role || !role->is_string()) return Status::invalidArgument("a grant names a role");
  auto level = authority_->table().find(std::string_view(role->as_string()));
  if (!level) return Status::invalidArgument("a grant names an unknown role");
  g.role = *level;
  for (const auto& [key, value] : v) {
    if (key == "role") continue;
    std::uint64_t ms = 0;
    if ((key != "notBefore" && key != "expiresAt") || !readMs(value, ms)) {
      return Status::invalidArgument("a grant holds role, notBefore and expiresAt (ms) only");
    }
    (key == "notBefore" ? g.notBefore : g.expiresAt) = ms;
  }
  if (g.notBefore >= g.expiresAt) return Status::invalidArgument("a grant expires after it starts");
  if (out) {
    g.id = e.op.id;
    g.grantor = security::Identity(e.author.begin(), e.author.end());
    auto raw = decodeHex(grantee).value();
    g.grantee = security::Identity(raw.begin(), raw.end());
    g.clock = e.clock;
    *out = std::move(g);
  }
  return {};
}

Screen Trust::screen(const crdt::Envelope& e, bool trusted) {
  if (e.author.size() != security::kPublicKeyBytes) return Screen::kForged;
  if (!trusted) {
    auto leaf = security::leafHash(crdt::signedBytes(e));
    if (!verifier_.verify(options_.database, e.author, leaf, e.signature)) return Screen::kForged;
  }
  if (e.op.id.empty() || e.op.id[0] != '~') return Screen::kData;
  if (startsWith(e.op.id, kGrantPrefix)) return checkGrant(e, nullptr).ok() ? Screen::kGrant : Screen::kMalformed;
  if (startsWith(e.op.id, kProfilePrefix) && isLowerHex64(std::string_view(e.op.id).substr(kProfilePrefix.size()))) {
    return Screen::kData;
  }
  return Screen::kMalformed;
}

security::Grant Trust::grantOf(const crdt::Envelope& e) const {
  security::Grant g;
  (void)checkGrant(e, &g);
  return g;
}

Result<bool> Trust::addCandidate(const crdt::Envelope& e) {
  security::Grant g = grantOf(e);
  CG_ASSIGN_OR_RETURN(bool changed, authority_->add(g));
  if (changed) candidates_[g.id] = e;
  return changed;
}

const crdt::Envelope* Trust::candidate(const std::string& id) const {
  auto it = candidates_.find(id);
  return it == candidates_.end() ? nullptr : &it->second;
}

std::vector<crdt::Envelope> Trust::candidates() const {
  std::vector<crdt::Envelope> out;
  out.reserve(candidates_.size());
  for (const auto& [id, e] : candidates_) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const crdt::Envelope& a, const crdt::Envelope& b) { return a.clock < b.clock; });
  return out;
}

void Trust::clear() {
  candidates_.clear();
  authority_ = std::make_unique<security::Authority>(options_.roles, options_.superadmins, options_.maxGrants);
}

bool Trust::permits(const crdt::Envelope& e) const {
  if (startsWith(e.op.id, kGrantPrefix)) {
    const crdt::Envelope* c = candidate(e.op.id);
    return c && c->clock == e.clock && authority_->valid(e.op.id);
  }
  security::Identity author(e.author.begin(), e.author.end());
  if (startsWith(e.op.id, kProfilePrefix)) {
    if (std::string_view(e.op.id).substr(kProfilePrefix.size()) == authorHex(e)) return true;
    return e.op.type == crdt::OpType::kRemove && authority_->can(author, e.clock, security::kDelete);
  }
  return authority_->can(author, e.clock, permissionFor(e.op.type));
}

Status Trust::authorizeLocal(const crdt::Envelope& e) const {
  if (!self_) return Status::unauthorized("this database was opened without an identity: it cannot write");
  if (!e.op.id.empty() && e.op.id[0] == '~') {
    if (startsWith(e.op.id, kGrantPrefix)) {
      security::Grant g;
      CG_RETURN_IF_ERROR(checkGrant(e, &g));
      return authority_->checkGrant(g);
    }
    if (!startsWith(e.op.id, kProfilePrefix) || !isLowerHex64(std::string_view(e.op.id).substr(kProfilePrefix.size()))) {
      return Status::invalidArgument("ids starting with '~' are reserved: ~grant/… and ~profile/<identity>");
    }
  }
  if (permits(e)) return {};
  std::uint8_t role = authority_->roleAt(*self_, e.clock);
  static const char* const kVerb[] = {"", "write", "remove", "link", "unlink"};
  return Status::unauthorized("role " + authority_->table().role(role).name + " cannot " +
                                  kVerb[static_cast<int>(e.op.type)] + " '" + e.op.id + "'");
}

}  // namespace cellgraph::api
