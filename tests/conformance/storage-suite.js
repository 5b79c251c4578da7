// One storage conformance suite, run against every backend (automerge-repo's
// runStorageAdapterTests idea): tests/browser/storage.test.js runs it in a
// Chromium worker for opfs-sync, opfs-async, indexeddb and memory.
import { openStorage } from '../../js/storage/index.js';

const bytes = (s) => new TextEncoder().encode(s);
const text = (b) => new TextDecoder().decode(b);
const texts = (list) => list.map(text);
function eq(actual, expected, what) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

// Writes bytes behind the adapter's back, as a crash mid-write would leave them.
async function corruptTail(kind, name) {
  if (kind === 'indexeddb') {
    const db = await new Promise((res, rej) => { const r = indexedDB.open(`cellgraph:${name}`); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    await new Promise((res, rej) => {
      const tx = db.transaction('log', 'readwrite');
      tx.objectStore('log').add(new Uint8Array([0x43, 0x47, 0x4c, 0x47, 1, 0, 0, 0, 50, 0, 0, 0, 9, 9]).buffer);
      tx.oncomplete = res; tx.onerror = () => rej(tx.error);
    });
    db.close();
    return true;
  }
  if (kind.startsWith('opfs')) {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(`cellgraph-${encodeURIComponent(name)}`);
    let logName = null;
    for await (const entry of dir.keys()) if (entry.endsWith('.log')) logName = entry;
    const fh = await dir.getFileHandle(logName);
    const w = await fh.createWritable({ keepExistingData: true });
    await w.seek((await fh.getFile()).size);
    await w.write(new Uint8Array([200, 0, 0, 0, 1, 2, 3, 4, 5, 6]));  // a frame header promising 200 bytes, then 2
    await w.close();
    return true;
  }
  return false;  // memory has no tail to tear
}

export async function runStorageSuite(kind) {
  const results = [];
  const name = `suite-${kind}-${Math.random().toString(36).slice(2)}`;
  const persistent = kind !== 'memory';
  const cases = [
    ['starts empty', async () => {
      const s = await openStorage(name, kind);
      eq(await s.read(), { snapshot: [], log: [], dropped: 0 }, 'read');
      await s.close();
    }],
    ['appends survive a reopen, in order', async () => {
      let s = await openStorage(name, kind);
      await s.read();
      for (const p of ['one', 'two', 'three']) await s.append(bytes(p));
      await s.close();
      if (!persistent) return;
      s = await openStorage(name, kind);
      const r = await s.read();
      eq(texts(r.log), ['one', 'two', 'three'], 'log');
      await s.close();
    }],
    ['replace writes a snapshot and empties the log', async () => {
      let s = await openStorage(name, kind);
      await s.read();
      await s.replace([bytes('snap-a'), bytes('snap-b')]);
      await s.append(bytes('after'));
      if (persistent) { await s.close(); s = await openStorage(name, kind); }
      const r = await s.read();
      eq(texts(r.snapshot), ['snap-a', 'snap-b'], 'snapshot');
      eq(texts(r.log), ['after'], 'log');
      await s.close();
    }],
    ['a torn tail is dropped, and appends go on after the valid part', async () => {
      if (!persistent) return;
      if (!(await corruptTail(kind, name))) return;
      let s = await openStorage(name, kind);
      const r = await s.read();
      eq(texts(r.log), ['after'], 'log before the tear');
      if (!(r.dropped > 0)) throw new Error('the torn tail was not reported');
      await s.append(bytes('next'));
      await s.close();
      s = await openStorage(name, kind);
      const again = await s.read();
      eq(texts(again.snapshot), ['snap-a', 'snap-b'], 'snapshot');
      eq(texts(again.log), ['after', 'next'], 'log');
      await s.close();
    }],
    ['a 4 MiB payload round-trips', async () => {
      let s = await openStorage(name, kind);
      await s.read();
      const big = new Uint8Array(4 << 20);
      for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
      await s.replace([big]);
      if (persistent) { await s.close(); s = await openStorage(name, kind); }
      const r = await s.read();
      if (r.snapshot.length !== 1 || r.snapshot[0].length !== big.length || r.snapshot[0][8192] !== big[8192]) {
        throw new Error('the large payload came back different');
      }
      await s.close();
    }],
    ['destroy removes everything', async () => {
      let s = await openStorage(name, kind);
      await s.read();
      await s.destroy();
      s = await openStorage(name, kind);
      eq(await s.read(), { snapshot: [], log: [], dropped: 0 }, 'read after destroy');
      await s.destroy();
    }],
  ];
  for (const [title, fn] of cases) {
    try { await fn(); results.push({ title, ok: true }); } catch (err) { results.push({ title, ok: false, error: String(err?.stack ?? err) }); }
  }
  return results;
}
