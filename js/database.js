// The database a web developer holds: open(name) resolves to one of these.
// Every method is a thin request to the engine worker (js/worker/), where
// the wasm core and the storage live. See index.d.ts for the contract.
import { CellgraphError } from './core/errors.js';
import { OpType } from './core/store.js';
import { EngineClient } from './worker/client.js';

const newId = () => crypto.randomUUID();

export class Database {
  #client;
  #listeners = new Map();  // subscription id -> callback(event)
  #queued = [];
  #scheduled = false;
  #closed = false;

  /** @internal use open() */
  constructor(worker, name) {
    this.name = name;
    this.#client = new EngineClient(worker, (events) => this.#deliver(events));
  }

  /** @internal */
  async _open(options) {
    this.info = await this.#client.call('open', { name: this.name, storage: options.storage });
    return this;
  }

  // Events arrive once per applied batch; callbacks run together on the next
  // microtask, one call per node, never one postMessage per node.
  #deliver(events) {
    this.#queued.push(...events);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      const batch = this.#queued;
      this.#queued = [];
      for (const e of batch) {
        const cb = this.#listeners.get(e.subscription);
        if (!cb) continue;
        cb({ id: e.id, value: e.node?.value ?? null, edges: e.node?.edges ?? [], action: e.action });
      }
    });
  }

  #write(ops) {
    if (this.#closed) return Promise.reject(new CellgraphError('CLOSED', 'the database is closed'));
    return this.#client.call('write', { ops });
  }

  /** Replaces the node's whole value; resolves to its id once durable. */
  async put(value, id = newId()) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new CellgraphError('INVALID_ARGUMENT', 'put() takes a plain object value');
    }
    await this.#write([[OpType.PUT, String(id), value]]);
    return String(id);
  }

  /** Several puts as one atomic, durable batch; resolves to their ids. */
  async putMany(entries) {
    const ops = entries.map(([value, id = newId()]) => [OpType.PUT, String(id), value]);
    await this.#write(ops);
    return ops.map((op) => op[1]);
  }

  async remove(id) { await this.#write([[OpType.REMOVE, String(id), null]]); }
  async link(sourceId, targetId) { await this.#write([[OpType.LINK, String(sourceId), String(targetId)]]); }
  async unlink(sourceId, targetId) { await this.#write([[OpType.UNLINK, String(sourceId), String(targetId)]]); }

  /**
   * get(id) resolves to {result: {id, value, edges} | null}. With a callback it
   * is reactive: the callback gets the node (or null) now and after every change.
   */
  async get(id, callback) {
    const node = await this.#client.call('get', { id: String(id) });
    const result = node ? { id: node.id, value: node.value, edges: node.edges } : null;
    if (!callback) return { result };
    const { unsubscribe } = await this.map({ query: { id: String(id) } }, (e) => {
      if (e.action !== 'initial') callback(e.action === 'removed' ? null : { id: e.id, value: e.value, edges: e.edges });
    });
    callback(result);
    return { result, unsubscribe };
  }

  /**
   * map(options?, callback?) in either order. Options: query, field, order,
   * $limit, $after, $before, realtime. With a callback (and realtime not
   * false) the callback gets every result as `initial`, then `added`,
   * `updated`, `removed` as they happen.
   */
  async map(...args) {
    const options = args.find((a) => a && typeof a === 'object') ?? {};
    const callback = args.find((a) => typeof a === 'function');
    const { realtime = Boolean(callback), ...rest } = options;
    if (!realtime) {
      const results = await this.#client.call('query', { options: rest });
      if (callback) for (const n of results) callback({ ...n, action: 'initial' });
      return { results };
    }
    const { id, initial } = await this.#client.call('subscribe', { options: rest });
    if (callback) {
      this.#listeners.set(id, callback);
      for (const n of initial) callback({ ...n, action: 'initial' });
    }
    const unsubscribe = async () => {
      this.#listeners.delete(id);
      if (!this.#closed) await this.#client.call('unsubscribe', { id });
    };
    return { results: initial, unsubscribe };
  }

  /** Drops every node of this database on this device. */
  async clear() { await this.#client.call('clear'); this.#listeners.clear(); }

  async close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    await this.#client.call('close');
    this.#client.terminate();
  }
}
