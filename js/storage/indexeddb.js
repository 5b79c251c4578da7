// IndexedDB storage. Database `cellgraph:<name>` with two object stores:
//   meta  'snapshot' -> framed snapshot bytes (frames.js)
//   log   auto-increment key -> one framed batch
// append() resolves when its transaction commits with strict durability;
// replace() writes the snapshot and clears the log in one transaction, so a
// crash leaves either the old state or the new one. Every record is
// checksummed; a corrupt record and all after it are dropped on read.
import { encodeFrame, decodeFile, encodeHeader, encodeSnapshot, decodeSnapshot } from './frames.js';

const request = (r) => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});
const done = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = () => resolve();
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
});

export class IndexedDbStorage {
  kind = 'indexeddb';
  static available() { return typeof indexedDB !== 'undefined'; }

  static async open(name) {
    const openReq = indexedDB.open(`cellgraph:${name}`, 1);
    openReq.onupgradeneeded = () => {
      openReq.result.createObjectStore('meta');
      openReq.result.createObjectStore('log', { autoIncrement: true });
    };
    return new IndexedDbStorage(await request(openReq), name);
  }

  constructor(db, name) { this.db = db; this.name = name; }

  async read() {
    const tx = this.db.transaction(['meta', 'log'], 'readonly');
    const [snap, records, keys] = await Promise.all([request(tx.objectStore('meta').get('snapshot')),
      request(tx.objectStore('log').getAll()), request(tx.objectStore('log').getAllKeys())]);
    const snapshot = snap ? decodeSnapshot(new Uint8Array(snap)) : [];
    if (snapshot === null) throw Object.assign(new Error('the stored snapshot is corrupt'), { code: 'CORRUPT' });
    const log = [];
    let dropped = 0;
    for (let i = 0; i < records.length; i++) {
      const { ok, frames, dropped: d } = decodeFile(new Uint8Array(records[i]), 'CGLG');
      if (!ok || d !== 0 || frames.length !== 1) {  // corrupt: drop it and everything after, for good
        for (let j = i; j < records.length; j++) dropped += records[j].byteLength;
        const del = this.db.transaction('log', 'readwrite', { durability: 'strict' });
        del.objectStore('log').delete(IDBKeyRange.lowerBound(keys[i]));
        await done(del);
        break;
      }
      log.push(frames[0]);
    }
    return { snapshot, log, dropped };
  }

  async append(payload) {
    const header = encodeHeader('CGLG'), frame = encodeFrame(payload);
    const record = new Uint8Array(header.length + frame.length);
    record.set(header);
    record.set(frame, header.length);
    const tx = this.db.transaction('log', 'readwrite', { durability: 'strict' });
    tx.objectStore('log').add(record.buffer);
    await done(tx);
  }

  async replace(payloads) {
    const tx = this.db.transaction(['meta', 'log'], 'readwrite', { durability: 'strict' });
    tx.objectStore('meta').put(encodeSnapshot(payloads).buffer, 'snapshot');
    tx.objectStore('log').clear();
    await done(tx);
  }

  async close() { this.db.close(); }

  async destroy() {
    this.db.close();
    await request(indexedDB.deleteDatabase(`cellgraph:${this.name}`));
  }
}
