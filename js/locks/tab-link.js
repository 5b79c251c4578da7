// One writer per database per origin. The tab holding the Web Lock
// `cellgraph:<name>` runs the engine worker (the leader); other tabs
// (followers) send their requests to it over a BroadcastChannel and get
// their live-query events back the same way. When the leader closes or
// dies, the browser hands the lock to a waiting tab, which starts its own
// worker on the same storage and announces itself; followers then resend
// requests still in flight (the leader ignores repeats) and re-subscribe.
import { CellgraphError } from '../core/errors.js';
import { EngineClient } from '../worker/client.js';
import { startEngineWorker } from '../worker/start.js';
import { configuredWasmUrl } from '../core/locations.js';
import { compiledWasm, loadRtc } from '../core/module.js';

const DONE_KEPT = 4096;

export class TabLink {
  #name; #options; #onEvents; #onLeaderChange;
  #channel; #client = null; #release = null;
  #tabId = crypto.randomUUID();
  #next = 1;
  #pending = new Map();            // request id -> {type, args, resolve, reject}
  #inFlight = new Map();           // "tab:id" -> result promise, while it runs (a leader runs each request once)
  #done = new Set();               // "tab:id" of the last DONE_KEPT requests answered: repeats are ignored
  #owners = new Map();             // subscription id -> tab id
  #closed = false;
  role = 'starting';
  /** Leader only: what the engine sends to peers. */
  onNet = null;
  /** Leader only: a remote change could not be persisted. */
  onStorageError = null;

  /**
   * @param {(events: object[]) => void} onEvents events of this tab's subscriptions
   * @param {() => void} onLeaderChange called when a new leader took over
   */
  constructor(name, options, onEvents, onLeaderChange) {
    this.#name = name;
    this.#options = options;
    this.#onEvents = onEvents;
    this.#onLeaderChange = onLeaderChange;
  }

  static supported() { return typeof navigator !== 'undefined' && !!navigator.locks && typeof BroadcastChannel !== 'undefined'; }

  async start() {
    this.#channel = new BroadcastChannel(`cellgraph:${this.#name}`);
    this.#channel.onmessage = ({ data }) => this.#onChannel(data);
    const lock = `cellgraph:${this.#name}`;
    const won = await new Promise((resolve, reject) => {
      navigator.locks.request(lock, { ifAvailable: true }, (held) => {
        if (!held) { resolve(false); return undefined; }
        return this.#lead().then(() => { resolve(true); return this.#hold(); }, (err) => { reject(err); });
      }).catch(reject);
    });
    if (!won) {
      this.role = 'follower';
      // Queue for the lock: granted when the leader closes or its tab dies.
      navigator.locks.request(lock, async () => {
        if (this.#closed) return;
        await this.#lead();
        this.#onLeaderChange();
        await this.#hold();
      }).catch(() => {});
    }
    return this;
  }

  #hold() { return new Promise((release) => { this.#release = release; }); }

  async #lead() {
    this.#client = new EngineClient(startEngineWorker(), (events) => this.#route(events));
    this.#client.onNet = (net) => this.onNet?.(net);
    this.#client.onStorageError = (err) => this.onStorageError?.(err);
    // A leader that joins a room or opens a secured database needs the 'rtc'
    // build (the core build has neither peers nor security) on this page too
    // (js/core/module.js): it loads it first and its worker takes the same
    // compiled module. A wasm this page compiled already (ready()) goes
    // along likewise; else the worker fetches the engine from its URL.
    if (this.#options.rtc || this.#options.trust) await loadRtc();
    const wasm = compiledWasm() ?? { wasmUrl: configuredWasmUrl('core')?.href };
    this.info = await this.#client.call('open', { name: this.#name, storage: this.#options.storage, trust: this.#options.trust, wasm });
    if (this.#closed) { await this.#client.call('close').catch(() => {}); this.#client.terminate(); return; }
    this.role = 'leader';
    this.#owners.clear();
    this.#inFlight.clear();
    this.#done.clear();
    this.#channel.postMessage({ kind: 'leader', tab: this.#tabId });
    // Requests this tab sent to the old leader and never got answered.
    for (const [id, p] of this.#pending) this.#execute(this.#tabId, id, p.type, p.args).then(p.resolve, p.reject);
    this.#pending.clear();
  }

  #route(events) {
    const mine = [], others = new Map();
    for (const e of events) {
      const owner = this.#owners.get(e.subscription) ?? this.#tabId;
      if (owner === this.#tabId) mine.push(e);
      else (others.get(owner) ?? others.set(owner, []).get(owner)).push(e);
    }
    if (mine.length) this.#onEvents(mine);
    for (const [to, list] of others) this.#channel.postMessage({ kind: 'events', to, events: list });
  }

  // A follower resends what is in flight when it hears a leader announce
  // itself; the leader runs each request once and keeps no results: a
  // repeat of a running request shares its answer, a repeat of an answered
  // one is dropped (its answer is already on the channel, which is ordered).
  #execute(from, id, type, args) {
    const key = `${from}:${id}`;
    if (this.#done.has(key)) return null;
    if (!this.#inFlight.has(key)) {
      const result = this.#client.call(type, args).then((r) => {
        if (type === 'subscribe') this.#owners.set(r.id, from);
        return r;
      });
      this.#inFlight.set(key, result);
      const settled = () => {
        this.#inFlight.delete(key);
        this.#done.add(key);
        if (this.#done.size > DONE_KEPT) this.#done.delete(this.#done.values().next().value);
      };
      result.then(settled, settled);
    }
    return this.#inFlight.get(key);
  }

  #onChannel(msg) {
    if (msg.kind === 'request' && this.role === 'leader') {
      this.#execute(msg.from, msg.id, msg.type, msg.args)?.then(
        (result) => this.#channel.postMessage({ kind: 'response', to: msg.from, id: msg.id, result }),
        (err) => this.#channel.postMessage({ kind: 'response', to: msg.from, id: msg.id,
          error: { code: typeof err?.code === 'string' ? err.code : 'INTERNAL', message: err?.message ?? String(err) } }));
    } else if (msg.kind === 'response' && msg.to === this.#tabId) {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error) p.reject(CellgraphError.fromJSON(msg.error)); else p.resolve(msg.result);
    } else if (msg.kind === 'events' && msg.to === this.#tabId) {
      this.#onEvents(msg.events);
    } else if (msg.kind === 'leader' && this.role === 'follower') {
      for (const [id, p] of this.#pending) this.#send(id, p.type, p.args);  // the new leader dedupes
      if (this.#sawLeader) this.#onLeaderChange();
      this.#sawLeader = true;
    } else if (msg.kind === 'hello' && this.role === 'leader') {
      this.#channel.postMessage({ kind: 'leader', tab: this.#tabId });
    }
  }

  #sawLeader = false;

  #send(id, type, args) { this.#channel.postMessage({ kind: 'request', from: this.#tabId, id, type, args }); }

  // A follower's request, unless it cannot cross the channel (a function in a value).
  #request(id, type, args, resolve, reject) {
    try {
      this.#send(id, type, args);
    } catch (err) {
      reject(new CellgraphError('INVALID_ARGUMENT', `cannot pass this to the engine: ${err.message}`, { cause: err }));
      return;
    }
    this.#pending.set(id, { type, args, resolve, reject });
  }

  call(type, args = {}) {
    if (this.#closed) return Promise.reject(new CellgraphError('CLOSED', 'the database is closed'));
    const id = this.#next++;
    if (this.role === 'leader') return this.#execute(this.#tabId, id, type, args);
    return new Promise((resolve, reject) => this.#request(id, type, args, resolve, reject));
  }

  /** What this tab holds for others: requests running now, and answered ones remembered (ids only, no results). */
  get stats() { return { role: this.role, inFlight: this.#inFlight.size, remembered: this.#done.size, pending: this.#pending.size }; }

  /** Asks the current leader to announce itself (a follower's first contact). */
  hello() { this.#channel.postMessage({ kind: 'hello', from: this.#tabId }); }

  async close() {
    this.#closed = true;
    if (this.role === 'leader') {
      this.role = 'closing';  // followers' requests wait for the next leader
      await this.#client.call('close').catch(() => {});
      this.#client.terminate();
    }
    this.#release?.();
    this.#channel.close();
    for (const p of this.#pending.values()) p.reject(new CellgraphError('CLOSED', 'the database is closed'));
    this.#pending.clear();
  }
}
