// The database a web developer holds: open(name) resolves to one of these.
// Every method is a thin request to the engine worker (js/worker/), where
// the wasm core and the storage live. See index.d.ts for the contract.
import { CellgraphError } from './core/errors.js';
import { OpType } from './core/engine.js';
import { loadRtc } from './core/module.js';
import { TabLink } from './locks/tab-link.js';
import { Identity } from './identity.js';

const newId = () => crypto.randomUUID();

export class Database {
  #client;
  #subs = new Map();  // engine subscription id -> {options, callback, ids: Set}
  #queued = [];
  #scheduled = false;
  #closed = false;
  #rtc = null;
  #room = null;
  #bridge = null;
  #middleware = [];
  #secured = false;
  #lowestRole = 'guest';

  /** @internal use open() */
  constructor(name) {
    this.name = name;
  }

  /** @internal */
  async _open(options) {
    this.#rtc = options.rtc ? rtcOptions(this.name, options.rtc) : null;
    const trust = trustOptions(this.name, options);
    /** The identity this database writes as (open(name, {identity})), or null. */
    this.identity = options.identity ?? null;
    this.#secured = Boolean(trust);
    this.#lowestRole = trust?.roles?.[0]?.name ?? 'guest';
    this.#client = new TabLink(this.name, { storage: options.storage, trust, rtc: Boolean(this.#rtc) }, (events) => this.#deliver(events), () => this.#leaderChanged());
    this.#client.onNet = (net) => this.#bridge?.net(net);
    this.#client.onStorageError = (err) => console.error('cellgraph:', err.message);
    await this.#client.start();
    if (this.#client.role === 'follower') this.#client.hello();
    const stats = await this.#client.call('stats');
    this.info = { storage: stats.storage, nodes: stats.nodes, droppedBytes: this.#client.info?.droppedBytes ?? 0 };
    if (this.#client.role === 'leader') await this.#joinRoom();
    return this;
  }

  /**
   * The peers this database syncs with (open(name, {rtc})): presence,
   * named channels, stats. Only the tab that runs the engine joins the
   * room; in other tabs of the same origin this is null (their writes
   * reach the room through that tab).
   */
  get room() { return this.#room; }

  async #joinRoom() {
    if (!this.#rtc || this.#room || this.#closed) return;
    // Loaded before the worker started, which runs the same module (TabLink).
    const core = await loadRtc();
    const identity = this.identity && { id: this.identity.id, sign: (bytes) => Identity.sign(this.identity, core, bytes) };
    // Rooms, signaling and transport load on first use: a local database
    // never downloads them.
    const [{ Room }, { SyncBridge }] = await Promise.all([import('./room/room.js'), import('./room/sync-bridge.js')]);
    this.#room = await Room.join({ ...this.#rtc, identity });
    await this.#client.call('setLiveOverMesh', { on: this.#room.cells });
    this.#bridge = new SyncBridge(this.#room, (type, args) => this.#client.call(type, args));
    await this.#wireMiddleware();
  }

  // Without middleware the engine applies incoming ops at once.
  async #wireMiddleware() {
    if (!this.#bridge) return;
    const on = this.#middleware.length > 0;
    this.#bridge.filter = on ? (ops, peer) => this.#filter(ops, peer) : null;
    await this.#client.call('setMiddleware', { on });
  }

  /**
   * Adds a middleware over incoming remote ops: fn(ops, {peer}) gets each
   * batch a peer sends ([{type: 'put'|'remove'|'link'|'unlink', id, value?,
   * target?, key}]) before it applies, and returns (or resolves to) the ops
   * to keep. Returning a falsy value or throwing drops the whole batch.
   * Middlewares run in the order they were added; local writes do not pass
   * through them. Runs in the tab that joined the room.
   * @returns {() => void} removes the middleware
   */
  use(fn) {
    if (typeof fn !== 'function') throw new CellgraphError('INVALID_ARGUMENT', 'use() takes a function');
    this.#middleware.push(fn);
    this.#wireMiddleware().catch(() => {});
    return () => {
      this.#middleware = this.#middleware.filter((m) => m !== fn);
      this.#wireMiddleware().catch(() => {});
    };
  }

  async #filter(ops, peer) {
    const offered = new Set(ops);  // a middleware can only keep ops it was given
    let kept = ops;
    for (const fn of this.#middleware) {
      try {
        const out = await fn(kept, { peer });
        kept = Array.isArray(out) ? out.filter((op) => offered.has(op)) : [];
      } catch (err) {
        queueMicrotask(() => { throw err; });
        return [];
      }
      if (!kept.length) break;
    }
    return kept;
  }

  async #leaderChanged() {
    await this.#resubscribe();
    await this.#joinRoom();
  }

  /** This tab runs the engine ('leader') or talks to the tab that does ('follower'). */
  get role() { return this.#client.role; }

  // A new leader has no subscriptions: register ours again (the same
  // objects, so their unsubscribe() still finds them) and report what
  // changed meanwhile as added/removed.
  async #resubscribe() {
    const old = [...this.#subs.values()];
    this.#subs.clear();
    for (const sub of old) {
      const { id, initial } = await this.#client.call('subscribe', { options: sub.options });
      const now = new Map(initial.map((n) => [n.id, n]));
      const before = sub.ids;
      sub.ids = new Set(now.keys());
      this.#subs.set(id, sub);
      for (const prev of before) if (!now.has(prev)) sub.callback?.({ id: prev, value: null, edges: [], action: 'removed' });
      for (const [nid, n] of now) if (!before.has(nid)) sub.callback?.({ ...n, action: 'added' });
    }
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
        const sub = this.#subs.get(e.subscription);
        if (!sub) continue;
        if (e.action === 'error') {  // the subscription stopped (over the query work budget): say so once
          const [code, ...rest] = e.id.split(': ');
          sub.callback?.({ id: null, value: null, edges: [], action: 'error', error: new CellgraphError(code, rest.join(': ')) });
          continue;
        }
        if (e.action === 'removed') sub.ids.delete(e.id); else sub.ids.add(e.id);
        sub.callback?.({ id: e.id, value: e.node?.value ?? null, edges: e.node?.edges ?? [], action: e.action });
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
      if (e.action !== 'initial' && e.action !== 'error') callback(e.action === 'removed' ? null : { id: e.id, value: e.value, edges: e.edges });
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
    const sub = { options: rest, callback, ids: new Set(initial.map((n) => n.id)) };
    this.#subs.set(id, sub);
    if (callback) for (const n of initial) callback({ ...n, action: 'initial' });
    const unsubscribe = async () => {
      for (const [key, s] of this.#subs) {
        if (s !== sub) continue;
        this.#subs.delete(key);
        if (!this.#closed) await this.#client.call('unsubscribe', { id: key });
      }
    };
    return { results: initial, unsubscribe };
  }

  /**
   * Roles in a database opened with `security` (README "Identities and
   * roles"): grant() and revoke() are signed ops like any write, checked by
   * every peer against the grantor's own role at the op's clock.
   */
  get roles() {
    const need = () => {
      if (!this.#secured) throw new CellgraphError('INVALID_ARGUMENT', 'this database was opened without security: it has no roles');
    };
    /**
     * @param {object|string} identity
     * @param {string} role
     * @param {{notBefore?: number|Date, expiresAt?: number|Date}} [when]
     */
    const grant = async (identity, role, { notBefore, expiresAt } = {}) => {
      need();
      const grantee = identityId(identity, 'grant()');
      if (!this.identity) throw new CellgraphError('UNAUTHORIZED', 'this database was opened without an identity: it cannot grant');
      if (typeof role !== 'string') throw new CellgraphError('INVALID_ARGUMENT', 'grant() needs a role name');
      const value = { role };
      for (const [k, v] of /** @type {Array<[string, any]>} */ ([['notBefore', notBefore], ['expiresAt', expiresAt]])) {
        if (v === undefined || v === null) continue;
        const ms = v instanceof Date ? v.getTime() : v;
        if (!Number.isSafeInteger(ms) || ms < 0) throw new CellgraphError('INVALID_ARGUMENT', `${k} is a Date or ms since 1970`);
        value[k] = ms;
      }
      const nonce = Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => (b % 36).toString(36)).join('');
      await this.#write([[OpType.PUT, `~grant/${grantee}/${this.identity.id}/${nonce}`, value]]);
    };
    return {
      grant,
      /** Takes the identity back to the lowest role (a grant of it). */
      revoke: async (identity) => {
        need();
        await grant(identity, this.#lowestRole);
      },
      /** The role an identity holds now, by the grants this device knows. */
      get: async (identity) => {
        need();
        return this.#client.call('roleOf', { identity: identityId(identity, 'roles.get()') });
      },
    };
  }

  /**
   * The engine's counters: nodes and records held, ops applied, held back
   * for clock skew, skipped over a quota or dropped by middleware, and every
   * refusal by reason (EngineStats in core/api/engine.h), plus storage errors.
   */
  async stats() { return { ...await this.#client.call('stats'), tabs: this.#client.stats }; }

  /**
   * Drops every node of this database on this device: live maps see each
   * one removed, and every peer session starts over (peers fill it again).
   */
  async clear() { await this.#client.call('clear'); }

  async close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#subs.clear();
    this.#bridge?.detach();
    this.#room?.leave();
    await this.#client.close();
  }
}

// Public relays used when rtc.relayUrls is not given. Tests and the demo
// always pass their own local relay.
export const DEFAULT_RELAYS = Object.freeze(['wss://relay.damus.io', 'wss://nos.lol', 'wss://relay.primal.net']);

const identityId = (identity, what) => {
  const id = identity instanceof Identity ? identity.id : identity;
  if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) {
    throw new CellgraphError('INVALID_ARGUMENT', `${what} takes an Identity or its id (64 lower-case hex digits)`);
  }
  return id;
};

// open(name, {security: {superadmins, roles?}, identity?}): what the engine
// needs to sign and check every op. The database id every signature covers
// is the room's app and name, so peers of one room agree on it.
function trustOptions(name, options) {
  const { security, identity } = options;
  if (identity !== undefined && identity !== null && !(identity instanceof Identity)) {
    throw new CellgraphError('INVALID_ARGUMENT', 'identity must come from Identity.create() or Identity.restore()');
  }
  if (!security) {
    if (identity) throw new CellgraphError('INVALID_ARGUMENT', 'an identity needs security: {superadmins: [...]}');
    return undefined;
  }
  if (typeof security !== 'object' || !Array.isArray(security.superadmins) || security.superadmins.length === 0) {
    throw new CellgraphError('INVALID_ARGUMENT', 'security needs superadmins: a list of identity ids');
  }
  const rtc = options.rtc && typeof options.rtc === 'object' ? options.rtc : {};
  const trust = {
    app: rtc.app ?? '',
    room: rtc.room ?? name,
    superadmins: security.superadmins.map((s) => identityId(s, 'security.superadmins')),
  };
  if (security.roles !== undefined) trust.roles = security.roles;
  if (identity) trust.secretKey = Identity.secretKeyHex(identity);
  return trust;
}

function rtcOptions(name, rtc) {
  const o = rtc === true ? {} : rtc;
  if (typeof o !== 'object') throw new CellgraphError('INVALID_ARGUMENT', 'rtc is true or an options object');
  return { ...o, room: o.room ?? name, relayUrls: o.relayUrls ?? [...DEFAULT_RELAYS], iceServers: o.iceServers ?? [{ urls: 'stun:stun.l.google.com:19302' }] };
}
