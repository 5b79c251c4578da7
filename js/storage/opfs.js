// OPFS storage, in the Origin Private File System directory
// `cellgraph-<name>/`, as generations of two files:
//   <gen>.snap   a complete snapshot (frames.js; ends with SNAPSHOT_END)
//   <gen>.log    batches appended since that snapshot
// replace() writes <gen+1>.snap whole, then an empty <gen+1>.log, and only
// then deletes generation <gen>: a crash at any point leaves a complete
// generation to read. read() takes the newest generation whose snapshot is
// complete, truncates a torn or corrupt log tail, and removes the others.
//
// Two ways to touch files, chosen by feature detection:
//   sync   FileSystemSyncAccessHandle (dedicated workers): append = write +
//          flush, no copy; the fast path.
//   async  createWritable (anywhere): every append rewrites the file through
//          a swap file; correct but slower.
import { encodeFrame, encodeHeader, decodeFile, encodeSnapshot, decodeSnapshot } from './frames.js';

const dirName = (name) => `cellgraph-${encodeURIComponent(name)}`;

class SyncFiles {
  constructor(dir) { this.dir = dir; this.handles = new Map(); }
  async handle(name) {
    if (!this.handles.has(name)) {
      const fh = await this.dir.getFileHandle(name, { create: true });
      // A tab taking over from a closing one may find the old worker still
      // holding the file for a moment: retry for up to five seconds.
      for (let attempt = 0; ; attempt++) {
        try {
          this.handles.set(name, await fh.createSyncAccessHandle());
          break;
        } catch (err) {
          if (err?.name !== 'NoModificationAllowedError' || attempt >= 100) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
    return this.handles.get(name);
  }
  async read(name) {
    const h = await this.handle(name);
    const bytes = new Uint8Array(h.getSize());
    h.read(bytes, { at: 0 });
    return bytes;
  }
  async append(name, bytes) {
    const h = await this.handle(name);
    h.write(bytes, { at: h.getSize() });
    h.flush();
  }
  async truncate(name, length) {
    const h = await this.handle(name);
    h.truncate(length);
    h.flush();
  }
  async writeNew(name, bytes) {
    const h = await this.handle(name);
    h.truncate(0);
    h.write(bytes, { at: 0 });
    h.flush();
  }
  async remove(name) {
    this.handles.get(name)?.close();
    this.handles.delete(name);
    await this.dir.removeEntry(name).catch(() => {});
  }
  async close() { for (const h of this.handles.values()) h.close(); this.handles.clear(); }
}

class AsyncFiles {
  constructor(dir) { this.dir = dir; }
  async read(name) {
    const fh = await this.dir.getFileHandle(name, { create: true });
    return new Uint8Array(await (await fh.getFile()).arrayBuffer());
  }
  async #write(name, fn) {
    const fh = await this.dir.getFileHandle(name, { create: true });
    const w = await fh.createWritable({ keepExistingData: true });
    try { await fn(w, (await fh.getFile()).size); await w.close(); } catch (err) { await w.abort().catch(() => {}); throw err; }
  }
  append(name, bytes) { return this.#write(name, async (w, size) => { await w.seek(size); await w.write(bytes); }); }
  truncate(name, length) { return this.#write(name, (w) => w.truncate(length)); }
  writeNew(name, bytes) { return this.#write(name, async (w) => { await w.truncate(0); await w.write(bytes); }); }
  async remove(name) { await this.dir.removeEntry(name).catch(() => {}); }
  async close() {}
}

export class OpfsStorage {
  static syncAvailable() {
    return typeof (/** @type {any} */ (globalThis)).FileSystemSyncAccessHandle !== 'undefined' && typeof navigator !== 'undefined' && !!navigator.storage?.getDirectory;
  }
  static asyncAvailable() {
    return typeof navigator !== 'undefined' && !!navigator.storage?.getDirectory
      && typeof FileSystemFileHandle !== 'undefined' && 'createWritable' in FileSystemFileHandle.prototype;
  }

  /** @param {'sync'|'async'} mode */
  static async open(name, mode) {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(dirName(name), { create: true });
    return new OpfsStorage(root, dir, name, mode === 'sync' ? new SyncFiles(dir) : new AsyncFiles(dir), mode);
  }

  constructor(root, dir, name, files, mode) {
    this.root = root; this.dir = dir; this.name = name; this.files = files;
    this.kind = mode === 'sync' ? 'opfs-sync' : 'opfs-async';
    this.gen = 0;
  }

  async #generations() {
    const gens = new Set();
    for await (const entry of this.dir.keys()) {
      const m = /^(\d+)\.(snap|log)$/.exec(entry);
      if (m) gens.add(Number(m[1]));
    }
    return [...gens].sort((a, b) => b - a);
  }

  async read() {
    const gens = await this.#generations();
    let snapshot = [], chosen = 0;
    for (const g of gens) {
      if (g === 0) { chosen = 0; break; }
      const s = decodeSnapshot(await this.files.read(`${g}.snap`));
      if (s) { snapshot = s; chosen = g; break; }
    }
    this.gen = chosen;
    for (const g of gens) {
      if (g !== chosen) { await this.files.remove(`${g}.snap`); await this.files.remove(`${g}.log`); }
    }
    const logName = `${chosen}.log`;
    const bytes = await this.files.read(logName);
    let decoded = decodeFile(bytes, 'CGLG');
    if (!decoded.ok) {  // missing or unreadable header: start the log afresh
      await this.files.writeNew(logName, encodeHeader('CGLG'));
      decoded = { ok: true, frames: [], dropped: bytes.length, validLength: 8 };
    } else if (decoded.dropped > 0) {
      await this.files.truncate(logName, decoded.validLength);  // drop the torn tail for good
    }
    return { snapshot, log: decoded.frames, dropped: decoded.dropped };
  }

  async append(payload) { await this.files.append(`${this.gen}.log`, encodeFrame(payload)); }

  async replace(payloads) {
    const next = this.gen + 1;
    await this.files.writeNew(`${next}.snap`, encodeSnapshot(payloads));
    await this.files.writeNew(`${next}.log`, encodeHeader('CGLG'));
    const old = this.gen;
    this.gen = next;
    await this.files.remove(`${old}.snap`);
    await this.files.remove(`${old}.log`);
  }

  async close() { await this.files.close(); }

  async destroy() {
    await this.files.close();
    await this.root.removeEntry(dirName(this.name), { recursive: true }).catch(() => {});
  }
}
