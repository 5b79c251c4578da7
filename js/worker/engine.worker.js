// The engine worker: the wasm core and the storage live here, off the UI
// thread. Requests {id, type, args} are answered {id, result} or
// {id, error: {code, message}}; live query events go out as one
// {type: 'events'} message per batch of changes.
//
// Durability: a write is applied, appended to storage, and only then
// answered, so an acknowledged write survives a crash of the page.
// Persistence format: storage snapshot = core.snapshot() messages; log =
// the OPS messages of each change (local write batches as written, other
// changes as the changed nodes' state). Loading replays both with
// core.load(), which never defers ops for clock skew.
import { CoreStore } from '../core/store.js';
import { CellgraphError } from '../core/errors.js';
import { openStorage } from '../storage/index.js';

if (typeof WorkerGlobalScope === 'undefined' || !(self instanceof WorkerGlobalScope)) {
  throw new Error('engine.worker.js must run in a dedicated Worker');
}

const COMPACT_AFTER = 2000;  // log batches before the log is folded into a snapshot

let store = null;
let storage = null;
const sessions = new Map();   // peer id -> CoreSession (sync over the room)
const replicas = new Map();   // peer id -> its replica id, for a 1-round-trip delta on reconnect
let appendsSinceSnapshot = 0;
let queue = Promise.resolve();  // storage operations, strictly in order
const serial = (fn) => (queue = queue.then(fn, fn));

function flushEvents() {
  const events = store?.takeEvents() ?? [];
  if (events.length) postMessage({ type: 'events', events });
}

async function persist(messages) {
  for (const m of messages) await storage.append(m);
  appendsSinceSnapshot += messages.length;
  if (appendsSinceSnapshot >= COMPACT_AFTER) {
    await storage.replace(store.snapshot());
    appendsSinceSnapshot = 0;
  }
}

const handlers = {
  async open({ name, storage: kind }) {
    storage = await openStorage(name, kind);
    const { snapshot, log, dropped } = await storage.read();
    store = await CoreStore.open();
    for (const m of snapshot) store.load(m);
    for (const m of log) store.load(m);
    store.takeEvents();
    appendsSinceSnapshot = log.length;
    return { storage: storage.kind, nodes: store.liveCount, droppedBytes: dropped };
  },
  write({ ops }) {
    const w = store.write(ops);  // throws (and changes nothing) on bad input
    return serial(() => persist(w.messages)).then(() => {
      flushEvents();
      // Durable, so peers may have it: the same bytes serve every session
      // (or, in cells mode, one broadcast through the mesh).
      postMessage({ type: 'live', messages: w.messages });
      return { changed: w.changed };
    });
  },
  // Sync sessions, one per connected peer (PROTOCOL.md §4). Remote changes
  // are persisted as the changed nodes' state; they are not acknowledged to
  // anyone, so they do not wait for the disk.
  peerOpen({ peer }) {
    sessions.get(peer)?.close();
    const session = store.session(replicas.get(peer) ?? '');
    sessions.set(peer, session);
    return session.start();
  },
  // The ops a peer's message would apply, for the application's middleware.
  peerInspect({ bytes }) { return store.describeOps(bytes); },
  peerReceive({ peer, bytes, refused }) {
    const session = sessions.get(peer);
    if (!session) throw new CellgraphError('CLOSED', `no sync session with ${peer}`);
    let out;
    try {
      out = refused?.length ? session.receiveExcept(bytes, refused) : session.receive(bytes);
    } catch (err) {
      sessions.delete(peer);
      session.close();
      throw err;
    }
    if (session.peer) replicas.set(peer, session.peer);
    if (out.changed.length) {
      const state = store.exportNodes(out.changed);
      serial(() => persist(state));
      flushEvents();
    }
    return { replies: out.replies, synced: session.synced, changed: out.changed.length };
  },
  // A live batch relayed by the mesh (cells): applied outside any session.
  meshLive({ bytes, refused }) {
    const out = store.applyLive(bytes, refused ?? []);
    if (out.changed.length) {
      const state = store.exportNodes(out.changed);
      serial(() => persist(state));
      flushEvents();
    }
    return { changed: out.changed.length };
  },
  peerClose({ peer }) {
    sessions.get(peer)?.close();
    sessions.delete(peer);
  },
  peerStats({ peer }) { return sessions.get(peer)?.stats() ?? null; },
  get({ id }) { return store.get(id); },
  query({ options }) { return store.query(options).map(({ id, value, edges }) => ({ id, value, edges })); },
  subscribe({ options }) {
    const { id, initial } = store.subscribe(options);
    return { id, initial: initial.map(({ id: nodeId, value, edges }) => ({ id: nodeId, value, edges })) };
  },
  unsubscribe({ id }) { return store.unsubscribe(id); },
  clear() {
    return serial(async () => {
      await storage.replace([]);
      const subscriptionsGone = store;
      store = await CoreStore.open();
      subscriptionsGone.close();  // and its sync sessions
      sessions.clear();
      appendsSinceSnapshot = 0;
    });
  },
  close() {
    return serial(async () => {
      await storage.close();
      store.close();
      sessions.clear();
      store = null;
    });
  },
  stats() { return { nodes: store.liveCount, records: store.recordCount, storage: storage.kind }; },
};

onmessage = async ({ data: { id, type, args } }) => {
  try {
    if (type !== 'open' && !store) throw new CellgraphError('CLOSED', 'the database is not open');
    const handler = handlers[type];
    if (!handler) throw new CellgraphError('INVALID_ARGUMENT', `unknown request "${type}"`);
    const result = await handler(args ?? {});
    postMessage({ id, result });
  } catch (err) {
    const code = err instanceof CellgraphError ? err.code : (err?.code ?? 'INTERNAL');
    postMessage({ id, error: { code, message: err?.message ?? String(err) } });
  }
};
