// In-memory storage: nothing survives the page. Used when no persistent
// backend exists (with a warning) and as the reference in the conformance suite.
export class MemoryStorage {
  kind = 'memory';
  #snapshot = [];
  #log = [];
  async read() { return { snapshot: this.#snapshot.slice(), log: this.#log.slice(), dropped: 0 }; }
  async append(payload) { this.#log.push(payload.slice()); }
  async replace(payloads) { this.#snapshot = payloads.map((p) => p.slice()); this.#log = []; }
  async close() {}
  async destroy() { this.#snapshot = []; this.#log = []; }
}
