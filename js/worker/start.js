// Starts the engine worker for the page, wherever the package is served.
//
// A worker must be same-origin with its page. When the package comes from
// another origin (a CDN), the page starts a same-origin module worker from a
// Blob whose only line imports the real worker: the browser fetches that
// module with CORS, and inside it import.meta.url is the CDN's URL again, so
// its imports and the wasm resolve there (the CDN must send CORS headers, as
// jsDelivr and unpkg do). Chromium, Firefox (>= 114) and Safari (>= 15) run
// module workers from blob: URLs; a page whose CSP forbids blob: workers
// needs the package on its own origin.
//
// The default worker URL is written as new Worker(new URL(literal,
// import.meta.url)) so bundlers recognize it and emit the worker.
import { configuredWorkerUrl } from '../core/locations.js';

function sameOrigin(url) {
  return url.origin === location.origin || url.protocol === 'blob:' || url.protocol === 'data:';
}

function importingWorker(url) {
  const blobUrl = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};\n`], { type: 'text/javascript' }));
  const worker = new Worker(blobUrl, { type: 'module' });
  // Kept a while, for browsers that fetch the blob only once the worker runs.
  setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
  return worker;
}

// An alias of URL, so that bundlers, which rewrite `new URL(literal,
// import.meta.url)` into an emitted asset, leave the cross-origin branch
// alone: they emit the worker from the `new Worker(...)` line instead.
const WorkerFileUrl = URL;

/** A new engine worker (a module worker). */
export function startEngineWorker() {
  const configured = configuredWorkerUrl();
  if (configured) return sameOrigin(configured) ? new Worker(configured, { type: 'module' }) : importingWorker(configured);
  // The Worker constructor refuses another origin at once (SecurityError);
  // import.meta.url cannot tell beforehand, as webpack replaces it with the
  // file's path at build time.
  try {
    return new Worker(new URL('./engine.worker.js', import.meta.url), { type: 'module' });
  } catch (err) {
    if (err?.name !== 'SecurityError') throw err;
    return importingWorker(new WorkerFileUrl('./engine.worker.js', import.meta.url));
  }
}
