// The engine worker: a dispatcher between the wasm engine (core/api/engine.h)
// and storage, off the UI thread. It holds no sync or trust state: every
// decision is the engine's; this file carries out the effects it returns.
//
// Requests {id, type, args} are answered {id, result} or {id, error: {code,
// message}}. Unsolicited messages to the page:
//   {type: 'events', events}                 live query events
//   {type: 'net', sends, broadcast, synced, failed}   what to send to peers
//   {type: 'storage', error}                 a remote change could not be persisted
//
// Durability: a write is prepared (stamped, invisible), its records are
// appended to storage, and only then committed (visible, events, live
// batches) and answered; if the append fails the write is aborted and
// leaves no trace. One write is in flight at a time. Records of changes
// from peers are appended after they applied (nobody was promised them;
// sync brings them again if the append fails). Storage holds a snapshot
// and a log of records; the engine says when to fold the log into a new
// snapshot. Buffers go to the page in transfer lists, never copied.
import { CoreEngine } from '../core/engine.js';
import { loadCore } from '../core/module.js';
import { CellgraphError } from '../core/errors.js';
import { openStorage } from '../storage/index.js';

/** @type {any} */
const scope = globalThis;
if (typeof scope.WorkerGlobalScope === 'undefined' || !(self instanceof scope.WorkerGlobalScope)) {
  throw new Error('engine.worker.js must run in a dedicated Worker');
}

const TICK_MS = 1000;  // ops held for clock skew are retried this often

let engine = null;
let storage = null;
let ticker = null;
let storageQueue = Promise.resolve();  // storage operations, strictly in order
/** @type {Promise<unknown>} */
let writes = Promise.resolve();        // one local write at a time
const serial = (fn) => (storageQueue = storageQueue.then(fn, fn));
const stats = { storageErrors: 0, recordsDropped: 0 };

function post(message) {
  const transfer = new Set();
  for (const s of message.sends ?? []) transfer.add(s.bytes.buffer);
  for (const b of message.broadcast ?? []) transfer.add(b.buffer);
  scope.postMessage(message, [...transfer]);
}

// Carries out one effects record: persist, then send, then events.
function dispatch(fx) {
  for (const record of fx.persist) {
    serial(() => storage.append(record)).catch((err) => {
      stats.storageErrors++;
      postMessage({ type: 'storage', error: { code: 'INTERNAL', message: `a remote change was not persisted: ${err?.message ?? err}` } });
    });
  }
  if (fx.compact) {
    serial(async () => {
      await storage.replace(engine.snapshot());
      engine.compacted();
    }).catch(() => { stats.storageErrors++; });
  }
  if (fx.sends.length || fx.broadcast.length || fx.synced.length || fx.failed.length) {
    post({ type: 'net', sends: fx.sends, broadcast: fx.broadcast, synced: fx.synced,
      failed: fx.failed.map(({ peer, error }) => ({ peer, error: error.toJSON() })) });
  }
  if (fx.events.length) postMessage({ type: 'events', events: fx.events.map(eventOf) });
  return fx;
}

const nodeOut = (n) => n && { id: n.id, value: n.value, edges: n.edges };
const eventOf = ({ subscription, action, id, node }) => ({ subscription, action, id, node: nodeOut(node) });

function checked(fx) {
  if (fx.error) throw fx.error;
  return fx;
}

const handlers = {
  /** @param {{name: string, storage?: string, trust?: object, wasm?: {kind?: 'core'|'rtc', module?: WebAssembly.Module, wasmUrl?: string}}} args */
  async open({ name, storage: kind, trust, wasm = {} }) {
    await loadCore(wasm);
    storage = await openStorage(name, kind);
    const { snapshot, log, dropped } = await storage.read();
    engine = await CoreEngine.open(trust ? { trust } : {});
    for (const m of snapshot) if (engine.load(m, false)) stats.recordsDropped++;
    for (const m of log) if (engine.load(m, true)) stats.recordsDropped++;
    ticker = setInterval(() => dispatch(engine.tick()), TICK_MS);
    return { storage: storage.kind, nodes: engine.stats().nodes, droppedBytes: dropped, droppedRecords: stats.recordsDropped };
  },
  write({ ops }) {
    const run = async () => {
      const { ticket, records } = engine.prepare(ops);  // throws (and changes nothing) on bad input
      try {
        await serial(async () => { for (const r of records) await storage.append(r); });
      } catch (err) {
        engine.abort(ticket);
        throw new CellgraphError('INTERNAL', `the write was not persisted, so it was not applied: ${err?.message ?? err}`, { cause: err });
      }
      dispatch(checked(engine.commit(ticket)));
      return {};
    };
    const result = writes.then(run, run);
    writes = result.catch(() => {});
    return result;
  },
  peerOpen({ peer, identity = '' }) { checked(dispatch(engine.openPeer(peer, identity))); },
  peerClose({ peer }) { engine.closePeer(peer); },
  // A sync message from a peer's link; with middleware on, an OPS message
  // comes back as `inspect` and waits for resume().
  peerReceive({ peer, bytes }) { return { inspect: dispatch(engine.receive(peer, bytes)).inspect }; },
  meshLive({ origin, bytes }) {
    const fx = dispatch(engine.receiveRelayed(origin, bytes));
    return { inspect: fx.inspect, error: fx.error?.toJSON() ?? null };
  },
  resume({ ticket, keep }) { dispatch(engine.resume(ticket, keep)); },
  resync() { dispatch(engine.resyncAll()); },
  setMiddleware({ on }) { engine.setMiddleware(on); },
  setLiveOverMesh({ on }) { engine.setLiveOverMesh(on); },
  get({ id }) { return nodeOut(engine.get(id)); },
  query({ options }) { return engine.query(options).map(nodeOut); },
  subscribe({ options }) {
    const { id, initial } = engine.subscribe(options);
    return { id, initial: initial.map(nodeOut) };
  },
  unsubscribe({ id }) { return engine.unsubscribe(id); },
  roleOf({ identity }) { return engine.roleOf(identity); },
  async clear() {
    await writes;
    await serial(() => storage.replace([]));
    checked(dispatch(engine.clear()));
  },
  async close() {
    clearInterval(ticker);
    await writes;
    await serial(() => storage.close());
    engine.close();
    engine = null;
  },
  stats() { return { ...engine.stats(), ...stats, storage: storage.kind }; },
};

onmessage = async ({ data: { id, type, args } }) => {
  try {
    if (type !== 'open' && !engine) throw new CellgraphError('CLOSED', 'the database is not open');
    const handler = handlers[type];
    if (!handler) throw new CellgraphError('INVALID_ARGUMENT', `unknown request "${type}"`);
    const result = await handler(args ?? {});
    postMessage({ id, result });
  } catch (err) {
    postMessage({ id, error: errorJson(err) });
  }
};

// Every failure crosses as a stable string code.
function errorJson(err) {
  if (err instanceof CellgraphError) return err.toJSON();
  if (err?.name === 'QuotaExceededError') return { code: 'TOO_LARGE', message: `storage is full: ${err.message}` };
  return { code: 'INTERNAL', message: err?.message ?? String(err) };
}
