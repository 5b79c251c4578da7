// The owned wrapper over the core's Engine handle (core/api/engine.h): the
// only JS code that touches it. close() deletes the handle; nobody else
// sees it. Byte formats: core/api/boundary.h.
import { loadCore } from './module.js';
import { check, codeName, CellgraphError } from './errors.js';
import { encode, decode } from './msgpack.js';

export const OpType = Object.freeze({ PUT: 1, REMOVE: 2, LINK: 3, UNLINK: 4 });
const OP_NAMES = [undefined, 'put', 'remove', 'link', 'unlink'];
const ACTIONS = [undefined, 'added', 'updated', 'removed', 'error'];

/** 16 hex digits, never zero. */
export const randomId64 = () => {
  const b = crypto.getRandomValues(new Uint8Array(8));
  b[0] |= 1;
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
};

const nodeOf = ([id, value, edges, [wall, counter, peer]]) => ({ id, value, edges, clock: { wall, counter, peer } });

function bytesOf(value, what) {
  try {
    return encode(value);
  } catch (err) {
    throw new CellgraphError('INVALID_ARGUMENT', `${what} cannot be encoded: ${err.message}`, { cause: err });
  }
}

const errorOf = (code, message) => (code === 0 ? null : new CellgraphError(codeName(code), message));

function decodeEffects(bytes) {
  const [code, message, persist, blobs, sends, broadcast, events, synced, failed, inspect, compact] = decode(bytes);
  return {
    error: errorOf(code, message),
    persist,
    sends: sends.map(([peer, blob]) => ({ peer, bytes: blobs[blob] })),
    broadcast: broadcast.map((blob) => blobs[blob]),
    events: events.map(([subscription, action, id, node]) => ({
      subscription, action: ACTIONS[action], id, node: node ? nodeOf(node) : null,
    })),
    synced,
    failed: failed.map(([peer, c, m]) => ({ peer, error: errorOf(c, m) })),
    inspect: inspect && {
      ticket: inspect[0], peer: inspect[1], relayed: inspect[2],
      ops: inspect[3].map(([type, id, arg, wall, counter, peer]) => ({
        type: OP_NAMES[type], id,
        ...(type === OpType.PUT && { value: arg }),
        ...((type === OpType.LINK || type === OpType.UNLINK) && { target: arg }),
        key: `${wall}:${counter}:${peer}`,
      })),
    },
    compact,
  };
}

export class CoreEngine {
  /**
   * @param {{replicaId?: string, epoch?: string, opLogWindow?: number, maxClockAheadMs?: number,
   *   maxPeers?: number, maxDeferredOps?: number, compactAfterRecords?: number, maxRecords?: number,
   *   maxGhostRecords?: number, middleware?: boolean, liveOverMesh?: boolean, trust?: object}} [options]
   *   ids are 16 hex digits, random when omitted.
   */
  static async open(options = {}) {
    const core = await loadCore();
    const handle = new core.Engine();
    try {
      check(handle.open(bytesOf({ replicaId: randomId64(), epoch: randomId64(), ...options }, 'engine options')));
    } catch (err) {
      handle.delete();
      throw err;
    }
    return new CoreEngine(handle);
  }

  #handle;
  constructor(handle) { this.#handle = handle; }

  #live() {
    if (!this.#handle) throw new CellgraphError('CLOSED', 'the engine is closed');
    return this.#handle;
  }

  /** Reloads one stored record; returns null, or the CellgraphError that refused it (nothing applied). */
  load(record, fromLog) {
    const r = this.#live().load(record, fromLog);
    return errorOf(r.code, r.message);
  }

  /** Every record as OPS messages: a new snapshot for storage. */
  snapshot() { return check(this.#live().snapshot()); }
  compacted() { this.#live().compacted(); }

  /**
   * Stamps a batch of local ops ([OpType, id, value | target | null]...);
   * nothing is visible until commit(). Throws on bad input (nothing changed).
   * @returns {{ticket: number, records: Uint8Array[]}} records to persist first
   */
  prepare(ops) {
    const [ticket, records] = decode(check(this.#live().prepare(bytesOf(ops, 'the ops'))));
    return { ticket, records };
  }

  commit(ticket) { return this.#effects(this.#live().commit(ticket)); }
  abort(ticket) { this.#live().abort(ticket); }

  /** A link opened; `identity`: who it speaks for, verified by the handshake (64 hex digits), if known. */
  openPeer(peer, identity = '') { return this.#effects(this.#live().openPeer(String(peer), String(identity))); }
  closePeer(peer) { this.#live().closePeer(String(peer)); }
  receive(peer, bytes) { return this.#effects(this.#live().receive(String(peer), bytes)); }
  receiveRelayed(origin, bytes) { return this.#effects(this.#live().receiveRelayed(String(origin), bytes)); }
  /** @param {boolean[]} keep one flag per inspected op */
  resume(ticket, keep) { return this.#effects(this.#live().resume(ticket, encode(keep.map(Boolean)))); }
  resyncAll() { return this.#effects(this.#live().resyncAll()); }
  tick() { return this.#effects(this.#live().tick()); }
  /** Drops every record (storage must be emptied first); sessions start over. */
  clear() { return this.#effects(this.#live().clear(randomId64())); }
  setMiddleware(on) { this.#live().setMiddleware(Boolean(on)); }
  setLiveOverMesh(on) { this.#live().setLiveOverMesh(Boolean(on)); }

  /** @returns {{id: string, value: object, edges: string[], clock: object} | null} */
  get(id) {
    const bytes = check(this.#live().get(String(id)));
    return bytes === null ? null : nodeOf(decode(bytes));
  }

  /** Runs a query ({query, field, order, $limit, $after, $before}) in the core. */
  query(options = {}) { return decode(check(this.#live().query(bytesOf(options, 'map options')))).map(nodeOf); }

  /** Registers a live query; its events arrive in the effects of later calls. */
  subscribe(options = {}) {
    const [id, initial] = decode(check(this.#live().subscribe(bytesOf(options, 'map options'))));
    return { id, initial: initial.map(nodeOf) };
  }

  unsubscribe(id) { return this.#live().unsubscribe(id); }
  stats() { return decode(check(this.#live().stats())); }
  /** The session with one peer ({plan, synced, bytesSent, ...}), or null. */
  peerStats(peer) {
    const bytes = check(this.#live().peerStats(String(peer)));
    return bytes === null ? null : decode(bytes);
  }
  /** The role an identity (64 hex digits) holds now, in a database opened with `trust`. */
  roleOf(identity) { return check(this.#live().roleOf(String(identity))); }
  digest() { return this.#live().digest(); }
  get replicaId() { return this.#live().replicaId(); }

  close() {
    this.#handle?.delete();
    this.#handle = null;
  }

  #effects(result) { return decodeEffects(check(result)); }
}
