// EngineNet: engines wired together in one process, for tests, benchmarks,
// fuzzing and tools that need the real engine without a browser. It plays
// the host: each Effects record's sends go into an ordered queue per
// directed link, its records to a fake storage per engine (with compaction
// when the engine asks), its events to a list per engine. Nothing here has
// policy: it carries bytes, as js/worker does.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/api/engine.h"

namespace cellgraph::api {

class EngineNet {
 public:
  struct Node {
    Engine* engine = nullptr;
    std::string name;
    std::vector<Bytes> snapshot, log;  // the fake storage: records of the last snapshot, then appended ones
    std::vector<query::ChangeEvent> events;
    std::vector<std::string> synced;  // peers, in the order they caught up
    std::vector<Effects::Failure> failures;
  };

  // `engine` must outlive the net. Returns its index.
  std::size_t add(Engine& engine, std::string name);
  Node& node(std::size_t i) { return nodes_[i]; }
  std::size_t size() const { return nodes_.size(); }

  // Opens a link: a session on both ends, HELLOs queued.
  void connect(std::size_t a, std::size_t b);
  // Closes it: queued messages are lost, both sessions end.
  void disconnect(std::size_t a, std::size_t b);
  bool connected(std::size_t a, std::size_t b) const;

  // Carries out what engine `from` asked for.
  void absorb(std::size_t from, Effects fx);
  // A local write: prepare, persist, commit.
  Status write(std::size_t at, ByteView opBatch);
  // Delivers queued messages, oldest link first, until none is left or
  // `maxMessages` were delivered. A failed session disconnects its link.
  std::size_t run(std::size_t maxMessages = 10'000'000);
  // Delivers in flights: each flight delivers exactly what was queued when
  // it began (one hop in every direction at once). Returns the flights.
  std::size_t runFlights(std::size_t maxFlights = 100'000);
  // Delivers the oldest message of one directed link; false if none.
  bool step(std::size_t from, std::size_t to);
  // Messages waiting on the link from -> to.
  std::size_t queued(std::size_t from, std::size_t to) const;
  std::uint64_t bytesDelivered() const { return bytes_; }
  std::uint64_t messagesDelivered() const { return messages_; }

  // Optional: called for every message about to be delivered; returning
  // false drops it (a lossy or hostile network).
  std::function<bool(std::size_t from, std::size_t to, Bytes& message)> onDeliver;

 private:
  using Key = std::pair<std::size_t, std::size_t>;  // from, to
  std::size_t indexOf(const std::string& name) const;
  std::vector<Node> nodes_;
  std::map<Key, std::deque<Bytes>> queues_;
  std::uint64_t bytes_ = 0, messages_ = 0;
};

}  // namespace cellgraph::api
