// A small static file server for the browser tests and the demo, bound to
// 127.0.0.1. Serves only the folders a page needs (js/, web/, tests/browser/
// fixtures) with correct MIME types (application/wasm matters for streaming
// compilation) and never lets a path escape the repository. The package
// tests serve scratch folders with it instead (`root`, `served: null`), one
// of them as a CDN would (`cors`).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// node_modules: only the rivals a benchmark page loads beside cellgraph.
const SERVED = ['js/', 'web/', 'tests/browser/fixtures/', 'tests/conformance/', 'bench/pages/',
  'node_modules/yjs/', 'node_modules/lib0/', 'node_modules/y-indexeddb/',
  'node_modules/@trystero-p2p/', 'node_modules/@noble/secp256k1/'];
const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml',
};

/**
 * @param {{host?: string, port?: number, routes?: Record<string, () => any>,
 *   root?: string, served?: string[]|null, cors?: boolean}} [options]
 *   routes: extra JSON endpoints, e.g. {'/config.json': () => ({relay})};
 *   root: the folder served (default: the repository); served: the folders
 *   under it that may be fetched (null: all); cors: answer every origin
 */
export async function startStaticServer({ host = '127.0.0.1', port = 0, routes = {}, root = repository, served = SERVED, cors = false } = {}) {
  root = path.resolve(root);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...(cors ? { 'access-control-allow-origin': '*' } : {}) });
      res.end(body);
    };
    if (url.pathname === '/favicon.ico') return res.writeHead(204).end();
    if (routes[url.pathname]) return send(200, JSON.stringify(routes[url.pathname]()), MIME['.json']);
    let rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    if (rel === '' && root === repository) return res.writeHead(302, { location: '/web/' }).end();
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep) || (served && !served.some((p) => rel.startsWith(p)))) return send(404, 'not found');
    try {
      if (!(await stat(file)).isFile()) return send(404, 'not found');
      send(200, await readFile(file), MIME[path.extname(file)] ?? 'application/octet-stream');
    } catch {
      send(404, 'not found');
    }
  });
  await new Promise((resolve, reject) => server.listen(port, host, resolve).once('error', reject));
  const actualPort = server.address().port;
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
