// rivals.js: the same workloads as cellgraph's own benchmarks, run in-process
// on two rival CRDT libraries (Yjs and Automerge) so their numbers can be set
// side by side with cellgraph's. Every function returns plain numbers (sizes
// in bytes, times in ms) and prints nothing; the caller does the printing.
//
// Workloads, mirroring cellgraph's bench workloads:
//   put(n)          n local writes, one transaction/change per write, of the
//                   node value {i, name:'node'} under ids 'n0'..'n{n-1}'.
//                   Measures local write throughput (ops/s).
//   remoteApply(n)  peer A makes those n writes one at a time and keeps each
//                   one's update/change; a fresh peer B then applies them all.
//                   Measures how fast remote operations are integrated (ops/s).
//                   Yjs also reports opsPerSecMerged: the n updates merged
//                   with Y.mergeUpdates into one update, applied once.
//   sync(n, d)      two peers share the same n nodes, then make d differences
//                   between them (even i: A sets 'n'+(i*3) to {changed:true};
//                   odd i: B does, one transaction/change each). Runs the
//                   library's standard sync until both are equal. Measures bytes
//                   on the wire, round trips and wall time; throws if the two
//                   peers do not end with equal contents.
// Setup (the shared initial n nodes) is built in one transaction/change and is
// never timed. Timing uses performance.now(). Note that a one-change seed makes
// Automerge's sync send its whole document (see automergeSync's seedChanges).
//
// Automerge is much slower than Yjs: callers use n <= 10000 for its put and
// remoteApply. automergeSync builds 100000 nodes in about 10 s on this kind of
// machine, so it accepts n up to 100000 and throws Error('too slow') above that.
//
// Self-check: `node bench/rivals.js` runs every function with n=2000, d=10.

import * as Y from 'yjs';
import * as Automerge from '@automerge/automerge';

const AUTOMERGE_SYNC_MAX_N = 100000;

const nodeId = (i) => 'n' + i;

// JSON with object keys sorted, so two maps holding the same entries compare
// equal whatever order their keys were inserted in.
function canonicalJson(value) {
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(value[k])).join(',') + '}';
  }
  return JSON.stringify(value);
}

const perSec = (ops, ms) => (ms > 0 ? (ops * 1000) / ms : Infinity);

// ---------------------------------------------------------------- Yjs ------

// Builds a doc whose map 'nodes' holds n nodes, written in one transaction.
function yjsSeed(n) {
  const doc = new Y.Doc();
  const map = doc.getMap('nodes');
  doc.transact(() => {
    for (let i = 0; i < n; i++) map.set(nodeId(i), { i, name: 'node' });
  });
  return doc;
}

const YJS_MERGE_FANIN = 64;

function yjsMergeInRounds(updates) {
  let level = updates;
  do {
    const next = [];
    for (let i = 0; i < level.length; i += YJS_MERGE_FANIN) {
      next.push(Y.mergeUpdates(level.slice(i, i + YJS_MERGE_FANIN)));
    }
    level = next;
  } while (level.length > 1);
  return level[0];
}

export async function yjsPut(n) {
  const doc = new Y.Doc();
  const map = doc.getMap('nodes');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    doc.transact(() => map.set(nodeId(i), { i, name: 'node' }));
  }
  const ms = performance.now() - t0;
  if (map.size !== n) throw new Error(`yjsPut: map has ${map.size} entries, expected ${n}`);
  return { opsPerSec: perSec(n, ms) };
}

export async function yjsRemoteApply(n) {
  const a = new Y.Doc();
  const mapA = a.getMap('nodes');
  const updates = [];
  a.on('update', (update) => updates.push(update));
  for (let i = 0; i < n; i++) {
    a.transact(() => mapA.set(nodeId(i), { i, name: 'node' }));
  }
  if (updates.length !== n) throw new Error(`yjsRemoteApply: captured ${updates.length} updates, expected ${n}`);

  // One applyUpdate per remote update.
  const b = new Y.Doc();
  const t0 = performance.now();
  for (const u of updates) Y.applyUpdate(b, u);
  const ms = performance.now() - t0;

  // All updates merged into one (merge time included), applied once. The
  // merge runs in rounds of at most YJS_MERGE_FANIN updates per mergeUpdates
  // call (one call when n <= YJS_MERGE_FANIN): a single call over all n
  // updates grows about quadratically (about 1 s at n=10000, 4 s at 20000,
  // near 5 minutes at 100000), while rounds of 64 merge 100000 in under 1 s
  // into an update of the same size.
  const c = new Y.Doc();
  const t1 = performance.now();
  const merged = yjsMergeInRounds(updates);
  Y.applyUpdate(c, merged);
  const msMerged = performance.now() - t1;

  const want = canonicalJson(mapA.toJSON());
  if (canonicalJson(b.getMap('nodes').toJSON()) !== want) throw new Error('yjsRemoteApply: B differs from A');
  if (canonicalJson(c.getMap('nodes').toJSON()) !== want) throw new Error('yjsRemoteApply: merged doc differs from A');

  let updateBytes = 0;
  for (const u of updates) updateBytes += u.byteLength;
  return {
    opsPerSec: perSec(n, ms),
    opsPerSecMerged: perSec(n, msMerged),
    updateBytes,
    mergedBytes: merged.byteLength,
  };
}

export async function yjsSync(n, d) {
  const a = yjsSeed(n);
  const b = new Y.Doc();
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  const mapA = a.getMap('nodes');
  const mapB = b.getMap('nodes');
  for (let i = 0; i < d; i++) {
    const [doc, map] = i % 2 === 0 ? [a, mapA] : [b, mapB];
    doc.transact(() => map.set(nodeId(i * 3), { changed: true }));
  }

  // Standard Yjs sync: state vectors cross, then each side answers the
  // other's state vector with the update it is missing. One round trip.
  const t0 = performance.now();
  const svA = Y.encodeStateVector(a);
  const svB = Y.encodeStateVector(b);
  const updForB = Y.encodeStateAsUpdate(a, svB);
  const updForA = Y.encodeStateAsUpdate(b, svA);
  Y.applyUpdate(b, updForB);
  Y.applyUpdate(a, updForA);
  const ms = performance.now() - t0;

  if (canonicalJson(mapA.toJSON()) !== canonicalJson(mapB.toJSON())) {
    throw new Error('yjsSync: docs differ after sync');
  }
  const bytes = svA.byteLength + svB.byteLength + updForA.byteLength + updForB.byteLength;
  return { bytes, roundTrips: 1, ms };
}

// ---------------------------------------------------------- Automerge ------

// A doc whose map 'nodes' holds n nodes: one change creates the empty map,
// then `changes` changes (one by default) write about n/changes nodes each.
function automergeSeed(n, changes = 1) {
  let doc = Automerge.change(Automerge.init(), (x) => {
    x.nodes = {};
  });
  const chunks = Math.max(1, Math.min(n, Math.floor(changes)));
  const per = Math.ceil(n / chunks);
  for (let lo = 0; lo < n; lo += per) {
    const hi = Math.min(n, lo + per);
    doc = Automerge.change(doc, (x) => {
      for (let i = lo; i < hi; i++) x.nodes[nodeId(i)] = { i, name: 'node' };
    });
  }
  return doc;
}

const automergeNodesJson = (doc) => canonicalJson(Automerge.toJS(doc).nodes);

export async function automergePut(n) {
  let doc = automergeSeed(0); // creates the empty 'nodes' map (untimed)
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    doc = Automerge.change(doc, (x) => {
      x.nodes[nodeId(i)] = { i, name: 'node' };
    });
  }
  const ms = performance.now() - t0;
  const size = Object.keys(doc.nodes).length;
  if (size !== n) throw new Error(`automergePut: map has ${size} entries, expected ${n}`);
  return { opsPerSec: perSec(n, ms) };
}

export async function automergeRemoteApply(n) {
  let a = automergeSeed(0);
  // B starts from A's initial doc (same 'nodes' map object). Cloned before A
  // changes, since Automerge marks a doc outdated once it has been changed.
  let b = Automerge.clone(a);
  const changes = [];
  for (let i = 0; i < n; i++) {
    a = Automerge.change(a, (x) => {
      x.nodes[nodeId(i)] = { i, name: 'node' };
    });
    changes.push(Automerge.getLastLocalChange(a));
  }

  const t0 = performance.now();
  [b] = Automerge.applyChanges(b, changes);
  const ms = performance.now() - t0;

  if (automergeNodesJson(a) !== automergeNodesJson(b)) throw new Error('automergeRemoteApply: B differs from A');
  return { opsPerSec: perSec(n, ms) };
}

// opts.seedChanges: how many changes the shared n nodes are written in
// (default 1). It matters: Automerge 3 answers with its whole saved document
// instead of the missing changes when those are more than a third of its
// change history, which is always the case when the seed is a single change.
// The result's docChunksSent counts messages that carried a whole document.
export async function automergeSync(n, d, { seedChanges = 1 } = {}) {
  if (n > AUTOMERGE_SYNC_MAX_N) throw new Error('too slow');
  let a = automergeSeed(n, seedChanges);
  let b = Automerge.load(Automerge.save(a));
  for (let i = 0; i < d; i++) {
    const edit = (x) => {
      x.nodes[nodeId(i * 3)] = { changed: true };
    };
    if (i % 2 === 0) a = Automerge.change(a, edit);
    else b = Automerge.change(b, edit);
  }

  // Automerge sync protocol, run as alternating flights (A->B, then B->A,
  // ...) until neither side has anything to send. Consecutive messages in
  // the same direction count as one flight; a round trip is two flights.
  let stateA = Automerge.initSyncState();
  let stateB = Automerge.initSyncState();
  let bytes = 0;
  let messages = 0;
  let flights = 0;
  let lastDir = null;
  const sentMessages = [];
  const sent = (dir, msg) => {
    sentMessages.push(msg);
    bytes += msg.byteLength;
    messages++;
    if (dir !== lastDir) flights++;
    lastDir = dir;
  };
  const t0 = performance.now();
  for (;;) {
    let msgAB, msgBA;
    [stateA, msgAB] = Automerge.generateSyncMessage(a, stateA);
    if (msgAB) {
      sent('AB', msgAB);
      [b, stateB] = Automerge.receiveSyncMessage(b, stateB, msgAB);
    }
    [stateB, msgBA] = Automerge.generateSyncMessage(b, stateB);
    if (msgBA) {
      sent('BA', msgBA);
      [a, stateA] = Automerge.receiveSyncMessage(a, stateA, msgBA);
    }
    if (!msgAB && !msgBA) break;
    if (messages > 1000) throw new Error('automergeSync: sync did not converge');
  }
  const ms = performance.now() - t0;

  if (automergeNodesJson(a) !== automergeNodesJson(b)) throw new Error('automergeSync: docs differ after sync');
  // A storage chunk starts with 4 magic bytes and a 4-byte checksum; the
  // next byte is the chunk type, 0 for a whole document.
  let docChunksSent = 0;
  for (const msg of sentMessages) {
    if (Automerge.decodeSyncMessage(msg).changes.some((c) => c[8] === 0)) docChunksSent++;
  }
  return { bytes, roundTrips: Math.ceil(flights / 2), ms, messages, docChunksSent };
}

// ---------------------------------------------------------- self-check -----

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = 2000;
  const d = 10;
  const runs = [
    ['yjsPut', () => yjsPut(n)],
    ['yjsRemoteApply', () => yjsRemoteApply(n)],
    ['yjsSync', () => yjsSync(n, d)],
    ['automergePut', () => automergePut(n)],
    ['automergeRemoteApply', () => automergeRemoteApply(n)],
    ['automergeSync', () => automergeSync(n, d)],
  ];
  for (const [name, run] of runs) {
    console.log(JSON.stringify({ name, n, ...(name.endsWith('Sync') ? { d } : {}), ...(await run()) }));
  }
}
