// Owned wrappers over the core's Store and SyncSession handles: the only
// JS code that touches them. Each wrapper deletes its handle in close();
// users of these classes never see a raw handle. Byte formats:
// core/api/boundary.h.
import { loadCore } from './module.js';
import { check, CellgraphError } from './errors.js';
import { encode, decode } from './msgpack.js';

export const OpType = Object.freeze({ PUT: 1, REMOVE: 2, LINK: 3, UNLINK: 4 });

const randomId64 = () => {
  const b = crypto.getRandomValues(new Uint8Array(8));
  b[0] |= 1;  // never zero
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
};

const ACTIONS = [undefined, 'added', 'updated', 'removed'];
const nodeOf = ([id, value, edges, [wall, counter, peer]]) => ({ id, value, edges, clock: { wall, counter, peer } });

function jsonOf(options) {
  try {
    return JSON.stringify(options);
  } catch (err) {
    throw new CellgraphError('INVALID_ARGUMENT', `map options cannot be serialized: ${err.message}`, { cause: err });
  }
}

function wrapError(fn) {
  try { return fn(); } catch (err) {
    if (err instanceof CellgraphError) throw err;
    throw new CellgraphError('INVALID_ARGUMENT', err.message, { cause: err });
  }
}

export class CoreStore {
  /**
   * @param {{replicaId?: string, epoch?: string, opLogWindow?: number, maxClockAheadMs?: number}} [options]
   *   ids are 16 hex digits; random when omitted.
   */
  static async open(options = {}) {
    const core = await loadCore();
    const config = { replicaId: randomId64(), epoch: randomId64(), ...options };
    const handle = new core.Store(JSON.stringify(config));
    try { check(handle.status()); } catch (err) { handle.delete(); throw err; }
    return new CoreStore(core, handle);
  }

  constructor(core, handle) { this.core = core; this.handle = handle; this.sessions = new Set(); }

  #live() {
    if (!this.handle) throw new CellgraphError('CLOSED', 'the store is closed');
    return this.handle;
  }

  /**
   * Applies a batch of local ops atomically.
   * @param {Array<[number, string, any]>} ops  [OpType, id, value | target | null]
   * @returns {{messages: Uint8Array[], changed: string[], firstSeq: number, lastSeq: number}}
   */
  write(ops) {
    const bytes = wrapError(() => encode(ops));
    const [messages, changed, firstSeq, lastSeq] = decode(check(this.#live().write(bytes)));
    return { messages, changed, firstSeq, lastSeq };
  }

  /**
   * Applies a live batch received outside a session (relayed by the mesh),
   * without the ops whose clock keys are in `refused` (db.use()).
   */
  applyLive(message, refused = []) {
    const [applied, stale, deferred, changed] = decode(check(this.#live().applyLive(message, refused.join('\n'))));
    return { applied, stale, deferred, changed };
  }

  /** @returns {{id: string, value: object, edges: string[], clock: {wall: number, counter: number, peer: string}} | null} */
  get(id) {
    const bytes = this.#live().get(String(id));
    if (bytes === null) return null;
    return nodeOf(decode(bytes));
  }

  /**
   * Runs a query ({query, field, order, $limit, $after, $before}) in the core.
   * @returns {Array<{id: string, value: object, edges: string[], clock: object}>}
   */
  query(options = {}) {
    return decode(check(this.#live().query(jsonOf(options)))).map(nodeOf);
  }

  /** Registers a live query; events arrive through takeEvents(). */
  subscribe(options = {}) {
    const [id, initial] = decode(check(this.#live().subscribe(jsonOf(options))));
    return { id, initial: initial.map(nodeOf) };
  }

  unsubscribe(id) { return this.#live().unsubscribe(id); }

  /** @returns {Array<{subscription: number, action: 'added'|'updated'|'removed', id: string, node: object|null}>} */
  takeEvents() {
    const bytes = this.#live().takeEvents();
    if (bytes === null) return [];
    return decode(bytes).map(([subscription, action, id, node]) => ({
      subscription, action: ACTIONS[action], id, node: node ? nodeOf(node) : null,
    }));
  }

  /** Every record's state, as OPS messages to persist (Uint8Array[]). */
  snapshot() { return decode(this.#live().snapshot())[0]; }

  /** The state of the given nodes, as OPS messages to persist. */
  exportNodes(ids) { return decode(check(this.#live().exportNodes(encode(ids))))[0]; }

  /** Reloads a message produced by snapshot()/exportNodes(); never deferred. */
  load(message) {
    const [applied, stale, deferred, changed] = decode(check(this.#live().load(message)));
    return { applied, stale, deferred, changed };
  }

  /**
   * The ops of a sync message, for the application to inspect before they
   * apply (db.use()): [{type, id, value?, target?, key}], or null when the
   * message carries no ops. Throws on a malformed message.
   */
  describeOps(message) {
    const m = JSON.parse(check(this.core.describeMessage(message)));
    if (m.type !== 'ops') return null;
    return m.envelopes.map(({ op, id, value, target, clock }) => ({
      type: op, id, ...(value !== undefined && { value }), ...(target !== undefined && { target }),
      key: `${clock.wall}:${clock.counter}:${clock.peer}`,
    }));
  }

  digest() { return this.#live().digest(); }
  get liveCount() { return this.#live().liveCount(); }
  get recordCount() { return this.#live().recordCount(); }
  get replicaId() { return this.#live().replicaId(); }

  /** A sync session with one peer; `expectedPeer` is its replica id if known. */
  session(expectedPeer = '') {
    const s = new CoreSession(this, new this.core.SyncSession(this.#live(), expectedPeer));
    this.sessions.add(s);
    return s;
  }

  close() {
    for (const s of this.sessions) s.close();
    this.handle?.delete();
    this.handle = null;
  }
}

export class CoreSession {
  constructor(store, handle) { this.store = store; this.handle = handle; }
  #live() {
    if (!this.handle) throw new CellgraphError('CLOSED', 'the sync session is closed');
    return this.handle;
  }
  start() { return this.#live().start(); }
  /** @returns {{replies: Uint8Array[], changed: string[]}} */
  receive(message) {
    const [replies, changed] = decode(check(this.#live().receive(message)));
    return { replies, changed };
  }
  /**
   * receive() that drops the refused ops: `refused` lists clock keys
   * "wall:counter:peer" as describeOps() gives them.
   */
  receiveExcept(message, refused) {
    const [replies, changed] = decode(check(this.#live().receiveExcept(message, refused.join('\n'))));
    return { replies, changed };
  }
  get synced() { return this.#live().synced(); }
  get peer() { return this.#live().peer(); }
  stats() { return this.#live().stats(); }
  close() {
    this.handle?.delete();
    this.handle = null;
    this.store.sessions.delete(this);
  }
}
