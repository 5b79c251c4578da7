// The main thread's side of the engine worker: one Promise per request,
// errors rebuilt as CellgraphError, events handed to a listener.
import { CellgraphError } from '../core/errors.js';

export class EngineClient {
  #worker;
  #next = 1;
  #pending = new Map();
  #onEvents;
  /** What the engine sends to peers: ({sends, broadcast, synced, failed}) => void */
  onNet = null;
  /** A remote change could not be persisted: (error: CellgraphError) => void */
  onStorageError = null;

  /** @param {Worker} worker  @param {(events: object[]) => void} onEvents */
  constructor(worker, onEvents) {
    this.#worker = worker;
    this.#onEvents = onEvents;
    worker.onmessage = ({ data }) => {
      if (data.type === 'events') return this.#onEvents(data.events);
      if (data.type === 'net') return this.onNet?.(data);
      if (data.type === 'storage') return this.onStorageError?.(CellgraphError.fromJSON(data.error));
      const p = this.#pending.get(data.id);
      if (!p) return;
      this.#pending.delete(data.id);
      if (data.error) p.reject(CellgraphError.fromJSON(data.error));
      else p.resolve(data.result);
    };
    worker.onerror = (e) => {
      const err = new CellgraphError('INTERNAL', `the engine worker failed: ${e.message}`);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
  }

  call(type, args, transfer = []) {
    return new Promise((resolve, reject) => {
      const id = this.#next++;
      try {
        this.#worker.postMessage({ id, type, args }, transfer);
      } catch (err) {  // e.g. a function inside a value: DataCloneError
        reject(new CellgraphError('INVALID_ARGUMENT', `cannot pass this to the engine: ${err.message}`, { cause: err }));
        return;
      }
      this.#pending.set(id, { resolve, reject });
    });
  }

  terminate() { this.#worker.terminate(); }
}
