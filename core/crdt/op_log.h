// OpLog: the last `window` ops this replica applied, numbered by a local
// sequence (1, 2, 3, ...), in the order they were applied.
//
// A peer that remembers "I have your ops up to seq N of epoch E" (its
// watermark) can catch up with just the ops after N, as long as the log
// still holds N+1. The epoch changes whenever the numbering restarts
// (a new or cleared database), so stale watermarks are recognised.
// Older ops fall off the front; their effects stay in the store (including
// tombstones), which reconciliation uses instead.
//
// Each entry keeps the tag of the link it arrived on (0: written here,
// reloaded, or unknown), so a delta never sends a link back what came over
// it, whatever replica an op claims to be from.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "core/crdt/envelope.h"

namespace cellgraph::crdt {

class OpLog {
 public:
  OpLog(std::size_t window, std::uint64_t epoch) : window_(window == 0 ? 1 : window), epoch_(epoch) {}

  std::uint64_t append(Envelope e, std::uint32_t tag = 0) {
    ops_.push_back(std::move(e));
    tags_.push_back(tag);
    ++head_;
    if (ops_.size() > window_) {
      ops_.pop_front();
      tags_.pop_front();
    }
    return head_;
  }
  std::uint64_t epoch() const { return epoch_; }
  std::uint64_t head() const { return head_; }                     // 0 when nothing was ever appended
  std::uint64_t firstSeq() const { return head_ - ops_.size() + 1; }  // head+1 when empty
  std::size_t size() const { return ops_.size(); }
  std::size_t window() const { return window_; }
  // True when every op after `seq` is still held.
  bool covers(std::uint64_t seq) const { return seq <= head_ && seq + 1 >= firstSeq(); }
  // Precondition: covers(afterSeq - 1) for afterSeq > 0 ... i.e. seq in [firstSeq, head].
  const Envelope& at(std::uint64_t seq) const { return ops_[seq - firstSeq()]; }
  std::uint32_t tagAt(std::uint64_t seq) const { return tags_[seq - firstSeq()]; }
  void reset(std::uint64_t epoch) {
    ops_.clear();
    tags_.clear();
    head_ = 0;
    epoch_ = epoch;
  }

 private:
  std::deque<Envelope> ops_;
  std::deque<std::uint32_t> tags_;
  std::size_t window_;
  std::uint64_t epoch_;
  std::uint64_t head_ = 0;
};

}  // namespace cellgraph::crdt
