// Picks the best storage this context has, by feature detection:
// OPFS sync access handles (dedicated workers), OPFS async writes,
// IndexedDB, else memory with a warning. Every backend implements
//   read() -> {snapshot: Uint8Array[], log: Uint8Array[], dropped: number}
//   append(payload)         durable when the promise resolves
//   replace(payloads)       a new snapshot and an empty log, crash-atomic
//   close(), destroy()
// and passes the same conformance suite (tests/browser/storage.test.js).
import { OpfsStorage } from './opfs.js';
import { IndexedDbStorage } from './indexeddb.js';
import { MemoryStorage } from './memory.js';

export const BACKENDS = ['opfs-sync', 'opfs-async', 'indexeddb', 'memory'];

export function availableBackends() {
  return BACKENDS.filter((kind) => (
    kind === 'opfs-sync' ? OpfsStorage.syncAvailable()
      : kind === 'opfs-async' ? OpfsStorage.asyncAvailable()
        : kind === 'indexeddb' ? IndexedDbStorage.available() : true));
}

/** @param {string} name  @param {string} [kind] a BACKENDS entry; the best available when omitted */
export async function openStorage(name, kind) {
  const choice = kind ?? availableBackends()[0];
  switch (choice) {
    case 'opfs-sync': return OpfsStorage.open(name, 'sync');
    case 'opfs-async': return OpfsStorage.open(name, 'async');
    case 'indexeddb': return IndexedDbStorage.open(name);
    case 'memory':
      if (!kind) console.warn(`cellgraph: no persistent storage here; database "${name}" lives in memory only`);
      return new MemoryStorage();
    default: throw new Error(`unknown storage backend "${choice}"`);
  }
}
