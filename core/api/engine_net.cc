#include "core/api/engine_net.h"

namespace cellgraph::api {

std::size_t EngineNet::add(Engine& engine, std::string name) {
  Node n;
  n.engine = &engine;
  n.name = std::move(name);
  nodes_.push_back(std::move(n));
  return nodes_.size() - 1;
}

std::size_t EngineNet::indexOf(const std::string& name) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].name == name) return i;
  }
  return nodes_.size();
}

bool EngineNet::connected(std::size_t a, std::size_t b) const { return queues_.count({a, b}) != 0; }

void EngineNet::connect(std::size_t a, std::size_t b) {
  disconnect(a, b);
  queues_[{a, b}];
  queues_[{b, a}];
  absorb(a, nodes_[a].engine->openPeer(nodes_[b].name));
  absorb(b, nodes_[b].engine->openPeer(nodes_[a].name));
}

void EngineNet::disconnect(std::size_t a, std::size_t b) {
  if (!connected(a, b)) return;
  queues_.erase({a, b});
  queues_.erase({b, a});
  nodes_[a].engine->closePeer(nodes_[b].name);
  nodes_[b].engine->closePeer(nodes_[a].name);
}

void EngineNet::absorb(std::size_t from, Effects fx) {
  Node& n = nodes_[from];
  for (Bytes& r : fx.persist) n.log.push_back(std::move(r));
  if (fx.compact) {
    n.snapshot = n.engine->snapshot();
    n.log.clear();
    n.engine->compacted();
  }
  for (auto& s : fx.sends) {
    std::size_t to = indexOf(s.peer);
    auto q = queues_.find({from, to});
    if (q != queues_.end()) q->second.push_back(*s.bytes);
  }
  n.events.insert(n.events.end(), fx.events.begin(), fx.events.end());
  n.synced.insert(n.synced.end(), fx.synced.begin(), fx.synced.end());
  for (auto& f : fx.failed) {
    n.failures.push_back(f);
    std::size_t to = indexOf(f.peer);
    if (to < nodes_.size()) disconnect(from, to);
  }
}

Status EngineNet::write(std::size_t at, ByteView opBatch) {
  Node& n = nodes_[at];
  CG_ASSIGN_OR_RETURN(Engine::Prepared p, n.engine->prepare(opBatch));
  for (Bytes& r : p.records) n.log.push_back(std::move(r));
  Effects fx = n.engine->commit(p.ticket);
  Status s = fx.status;
  absorb(at, std::move(fx));
  return s;
}

bool EngineNet::step(std::size_t from, std::size_t to) {
  auto q = queues_.find({from, to});
  if (q == queues_.end() || q->second.empty()) return false;
  Bytes m = std::move(q->second.front());
  q->second.pop_front();
  if (onDeliver && !onDeliver(from, to, m)) return true;
  ++messages_;
  bytes_ += m.size();
  absorb(to, nodes_[to].engine->receive(nodes_[from].name, m));
  return true;
}

std::size_t EngineNet::queued(std::size_t from, std::size_t to) const {
  auto q = queues_.find({from, to});
  return q == queues_.end() ? 0 : q->second.size();
}

std::size_t EngineNet::run(std::size_t maxMessages) {
  std::size_t delivered = 0;
  for (bool any = true; any && delivered < maxMessages;) {
    any = false;
    std::vector<Key> keys;
    for (const auto& [key, q] : queues_) {
      if (!q.empty()) keys.push_back(key);
    }
    for (const Key& k : keys) {
      if (delivered >= maxMessages) break;
      if (step(k.first, k.second)) {
        any = true;
        ++delivered;
      }
    }
  }
  return delivered;
}

std::size_t EngineNet::runFlights(std::size_t maxFlights) {
  std::size_t flights = 0;
  for (; flights < maxFlights; ++flights) {
    std::vector<std::pair<Key, std::size_t>> batch;
    for (const auto& [key, q] : queues_) {
      if (!q.empty()) batch.push_back({key, q.size()});
    }
    if (batch.empty()) break;
    for (const auto& [key, count] : batch) {
      for (std::size_t i = 0; i < count; ++i) step(key.first, key.second);
    }
  }
  return flights;
}

}  // namespace cellgraph::api
