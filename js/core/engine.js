// The owned wrapper over the core's Engine handle (core/api/engine.h): the
// only JS code that touches it. close() deletes the handle; nobody else
// sees it. Byte formats: core/api/boundary.h.
import { loadCore } from './module.js';
import { codeName, CellgraphError } from './errors.js';
import { callEngine } from './abi.js';
import { encode, decode } from './msgpack.js';
import { toHex } from './hex.js';

export const OpType = Object.freeze({ PUT: 1, REMOVE: 2, LINK: 3, UNLINK: 4 });
const OP_NAMES = [undefined, 'put', 'remove', 'link', 'unlink'];
const ACTIONS = [undefined, 'added', 'updated', 'removed', 'error'];

/** 16 hex digits, never zero. */
export const randomId64 = () => {
  const b = crypto.getRandomValues(new Uint8Array(8));
  b[0] |= 1;
  return toHex(b);
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

// Method numbers of bindings/engine_abi.cc.
const M = Object.freeze({
  open: 1, load: 2, snapshot: 3, compacted: 4, prepare: 5, commit: 6, abort: 7, openPeer: 8, closePeer: 9,
  receive: 10, receiveRelayed: 11, resume: 12, resyncAll: 13, tick: 14, clear: 15, setMiddleware: 16,
  setLiveOverMesh: 17, get: 18, query: 19, subscribe: 20, unsubscribe: 21, stats: 22, peerStats: 23,
  roleOf: 24, digest: 25, replicaId: 26,
});
const fromUtf8 = new TextDecoder();
const utf8 = new TextEncoder();

export class CoreEngine {
  /**
   * @param {{replicaId?: string, epoch?: string, opLogWindow?: number, maxClockAheadMs?: number,
   *   maxPeers?: number, maxDeferredOps?: number, compactAfterRecords?: number, maxRecords?: number,
   *   maxGhostRecords?: number, middleware?: boolean, liveOverMesh?: boolean, trust?: object}} [options]
   *   ids are 16 hex digits, random when omitted.
   */
  static async open(options = {}) {
    const core = await loadCore();
    const bytes = bytesOf({ replicaId: randomId64(), epoch: randomId64(), ...options }, 'engine options');
    const handle = core._cg_engine_new();
    try {
      callEngine(core, handle, M.open, bytes);
    } catch (err) {
      core._cg_engine_delete(handle);
      throw err;
    }
    return new CoreEngine(core, handle);
  }

  #core;
  #handle;
  /** @param {any} core @param {number} handle */
  constructor(core, handle) {
    this.#core = core;
    this.#handle = handle;
  }

  /** One method of the handle: its reply bytes (throws its CellgraphError). */
  #call(method, bytes = null, text = '', number = 0) {
    if (!this.#handle) throw new CellgraphError('CLOSED', 'the engine is closed');
    return callEngine(this.#core, this.#handle, method, bytes, text, number);
  }

  /** Reloads one stored record; returns null, or the CellgraphError that refused it (nothing applied). */
  load(record, fromLog) {
    try {
      this.#call(M.load, record, '', fromLog ? 1 : 0);
      return null;
    } catch (err) {
      if (err instanceof CellgraphError && err.code !== 'CLOSED') return err;
      throw err;
    }
  }

  /** Every record as OPS messages: a new snapshot for storage. */
  snapshot() { return decode(this.#call(M.snapshot)); }
  compacted() { this.#call(M.compacted); }

  /**
   * Stamps a batch of local ops ([OpType, id, value | target | null]...);
   * nothing is visible until commit(). Throws on bad input (nothing changed).
   * @returns {{ticket: number, records: Uint8Array[]}} records to persist first
   */
  prepare(ops) {
    const [ticket, records] = decode(this.#call(M.prepare, bytesOf(ops, 'the ops')));
    return { ticket, records };
  }

  commit(ticket) { return this.#effects(M.commit, null, '', ticket); }
  abort(ticket) { this.#call(M.abort, null, '', ticket); }

  /** A link opened; `identity`: who it speaks for, verified by the handshake (64 hex digits), if known. */
  openPeer(peer, identity = '') { return this.#effects(M.openPeer, utf8.encode(String(identity)), String(peer)); }
  closePeer(peer) { this.#call(M.closePeer, null, String(peer)); }
  receive(peer, bytes) { return this.#effects(M.receive, bytes, String(peer)); }
  receiveRelayed(origin, bytes) { return this.#effects(M.receiveRelayed, bytes, String(origin)); }
  /** @param {boolean[]} keep one flag per inspected op */
  resume(ticket, keep) { return this.#effects(M.resume, encode(keep.map(Boolean)), '', ticket); }
  resyncAll() { return this.#effects(M.resyncAll); }
  tick() { return this.#effects(M.tick); }
  /** Drops every record (storage must be emptied first); sessions start over. */
  clear() { return this.#effects(M.clear, null, randomId64()); }
  setMiddleware(on) { this.#call(M.setMiddleware, null, '', on ? 1 : 0); }
  setLiveOverMesh(on) { this.#call(M.setLiveOverMesh, null, '', on ? 1 : 0); }

  /** @returns {{id: string, value: object, edges: string[], clock: object} | null} */
  get(id) {
    const bytes = this.#call(M.get, null, String(id));
    return bytes.length === 0 ? null : nodeOf(decode(bytes));
  }

  /** Runs a query ({query, field, order, $limit, $after, $before}) in the core. */
  query(options = {}) { return decode(this.#call(M.query, bytesOf(options, 'map options'))).map(nodeOf); }

  /** Registers a live query; its events arrive in the effects of later calls. */
  subscribe(options = {}) {
    const [id, initial] = decode(this.#call(M.subscribe, bytesOf(options, 'map options')));
    return { id, initial: initial.map(nodeOf) };
  }

  unsubscribe(id) { return this.#call(M.unsubscribe, null, '', Number(id))[0] === 1; }
  stats() { return decode(this.#call(M.stats)); }
  /** The session with one peer ({plan, synced, bytesSent, ...}), or null. */
  peerStats(peer) {
    const bytes = this.#call(M.peerStats, null, String(peer));
    return bytes.length === 0 ? null : decode(bytes);
  }
  /** The role an identity (64 hex digits) holds now, in a database opened with `trust`. */
  roleOf(identity) { return fromUtf8.decode(this.#call(M.roleOf, null, String(identity))); }
  digest() { return fromUtf8.decode(this.#call(M.digest)); }
  get replicaId() { return fromUtf8.decode(this.#call(M.replicaId)); }

  close() {
    if (this.#handle) this.#core._cg_engine_delete(this.#handle);
    this.#handle = null;
  }

  #effects(method, bytes = null, text = '', number = 0) { return decodeEffects(this.#call(method, bytes, text, number)); }
}
