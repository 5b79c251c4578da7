// HeldPool: envelopes the gate let through but that cannot apply yet (a
// clock too far ahead; a role or grant not known yet), each held once, the
// oldest dropped first beyond maxOps or maxBytes (sync offers them again).
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/crdt/envelope.h"

namespace cellgraph::api {

class HeldPool {
 public:
  HeldPool(std::size_t maxOps, std::size_t maxBytes) : maxOps_(maxOps), maxBytes_(maxBytes) {}

  // False when it was held already.
  bool add(crdt::Envelope e) {
    if (!keys_.insert(key(e)).second) return false;
    sizes_.push_back(crdt::encodeEnvelope(e).size());
    bytes_ += sizes_.back();
    ops_.push_back(std::move(e));
    while (ops_.size() > maxOps_ || bytes_ > maxBytes_) {
      forget(ops_.front(), sizes_.front());
      ops_.pop_front();
      sizes_.pop_front();
      ++dropped_;
    }
    return true;
  }
  // Removes and returns, in their order, the envelopes `ready` accepts.
  std::vector<crdt::Envelope> take(const std::function<bool(const crdt::Envelope&)>& ready) {
    std::vector<crdt::Envelope> out;
    std::deque<crdt::Envelope> rest;
    std::deque<std::size_t> restSizes;
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      if (!ready(ops_[i])) {
        rest.push_back(std::move(ops_[i]));
        restSizes.push_back(sizes_[i]);
        continue;
      }
      forget(ops_[i], sizes_[i]);
      out.push_back(std::move(ops_[i]));
    }
    ops_ = std::move(rest);
    sizes_ = std::move(restSizes);
    return out;
  }
  void clear() {
    ops_.clear();
    sizes_.clear();
    keys_.clear();
    bytes_ = 0;
  }
  const std::deque<crdt::Envelope>& ops() const { return ops_; }
  std::size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  std::uint64_t dropped() const { return dropped_; }

 private:
  static std::string key(const crdt::Envelope& e) {
    std::string k = std::to_string(e.clock.wall) + ':' + std::to_string(e.clock.counter) + ':' +
                    std::to_string(e.clock.peer) + ':' + std::to_string(static_cast<int>(e.op.type)) + ':';
    k += e.op.id;
    k += '\0';
    k += e.op.target;
    k += '\0';
    k.append(e.author.begin(), e.author.end());
    return k;
  }
  void forget(const crdt::Envelope& e, std::size_t size) {
    keys_.erase(key(e));
    bytes_ -= std::min(bytes_, size);
  }

  std::size_t maxOps_, maxBytes_;
  std::deque<crdt::Envelope> ops_;
  std::deque<std::size_t> sizes_;  // each one's encoded size, counted once
  std::unordered_set<std::string> keys_;
  std::size_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace cellgraph::api
