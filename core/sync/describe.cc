#include "core/sync/describe.h"

#include <boost/json.hpp>

#include "core/base/hex.h"

namespace cellgraph::sync {
namespace json = boost::json;
namespace {

std::string hexHash(const Hash128& h) { return encodeHex(h.toBytes()); }
const char* opName(crdt::OpType t) {
  switch (t) {
    case crdt::OpType::kPut: return "put";
    case crdt::OpType::kRemove: return "remove";
    case crdt::OpType::kLink: return "link";
    case crdt::OpType::kUnlink: return "unlink";
  }
  return "?";
}

struct Describer {
  json::value operator()(const Hello& h) {
    return {{"type", "hello"},   {"replica", encodeHex64(h.replica)},     {"epoch", encodeHex64(h.epoch)},
            {"logFirst", h.logFirst}, {"logHead", h.logHead},      {"records", h.records},
            {"yourEpoch", encodeHex64(h.yourEpoch)}, {"yourSeq", h.yourSeq}, {"fingerprint", hexHash(h.fingerprint)}};
  }
  json::value operator()(const Ops& o) {
    static const char* modes[] = {"live", "delta", "state", "repair"};
    json::array envs;
    for (const auto& e : o.envelopes) envs.push_back(describeEnvelope(e));
    return {{"type", "ops"}, {"mode", modes[static_cast<int>(o.mode)]}, {"epoch", encodeHex64(o.epoch)},
            {"firstSeq", o.firstSeq}, {"lastSeq", o.lastSeq}, {"final", o.final}, {"envelopes", std::move(envs)}};
  }
  json::value operator()(const Recon& r) {
    json::array ranges;
    for (const auto& range : r.ranges) {
      json::object x;
      x["upper"] = range.upper ? json::value(*range.upper) : json::value(nullptr);
      switch (range.mode) {
        case RangeMode::kSkip: x["mode"] = "skip"; break;
        case RangeMode::kFingerprint:
          x["mode"] = "fingerprint";
          x["sum"] = hexHash(range.fingerprint.sum);
          x["count"] = range.fingerprint.count;
          break;
        case RangeMode::kIdList: {
          x["mode"] = "ids";
          json::array items;
          for (const auto& it : range.items) items.push_back(json::array{json::value(it.id), json::value(hexHash(it.hash))});
          x["items"] = std::move(items);
          break;
        }
      }
      ranges.push_back(std::move(x));
    }
    json::array need;
    for (const auto& id : r.need) need.push_back(json::value(id));
    return {{"type", "recon"}, {"ranges", std::move(ranges)}, {"need", std::move(need)}};
  }
  json::value operator()(const Flow& f) { return {{"type", "flow"}, {"consumed", f.consumed}}; }
};

}  // namespace

json::value describeEnvelope(const crdt::Envelope& e) {
  json::object o{{"op", opName(e.op.type)}, {"id", e.op.id}};
  if (e.op.type == crdt::OpType::kPut) o["value"] = *e.op.value;
  if (e.op.type == crdt::OpType::kLink || e.op.type == crdt::OpType::kUnlink) o["target"] = e.op.target;
  o["clock"] = {{"wall", e.clock.wall}, {"counter", e.clock.counter}, {"peer", encodeHex64(e.clock.peer)}};
  o["author"] = encodeHex(e.author);
  o["signature"] = encodeHex(e.signature);
  return o;
}

json::value describeMessage(const Message& m) { return std::visit(Describer{}, m); }

}  // namespace cellgraph::sync
