// The packed package in the bundlers apps are built with: Vite (dev server
// and `vite build`), webpack 5 and esbuild, each given a fresh project that
// has the tarball installed and one line of code, `import ... from
// 'cellgraph'`, and no configuration of ours beyond what the README's
// "Install" section says. Each page opens a database, writes, reloads and
// reads the write back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, mkdir, writeFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHarness } from '../support/browser.js';
import { startStaticServer } from '../../scripts/static-server.js';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let h, scratch;
const servers = [];

const MAIN = `import { open, CellgraphError } from 'cellgraph';
window.cg = { open, CellgraphError };
window.fixtureReady = true;
`;
const INDEX = (script) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>bundled</title>${script}`;

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'cellgraph-bundlers-'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: repository, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = (await readdir(scratch)).find((f) => f.endsWith('.tgz'));
  await writeFile(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', `./${tarball}`], { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'] });
  h = await startHarness({ relay: false });
});

after(async () => {
  await h?.close();
  for (const s of servers) await s.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** A project folder under the scratch root (whose node_modules has the tarball). */
async function project(name, files) {
  const dir = path.join(scratch, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
  return dir;
}

async function serve(dir) {
  const server = await startStaticServer({ root: dir, served: null });
  servers.push(server);
  return server.url;
}

async function writeReloadRead(url) {
  const page = await h.newPage(await h.browser.newContext());
  await page.goto(url);
  await page.waitForFunction(() => window.fixtureReady === true, null, { timeout: 30_000 }).catch((err) => {
    throw new Error(`${url} never loaded: ${page.errors.join('; ') || err.message}`);
  });
  const first = await page.evaluate(async () => {
    const db = await window.cg.open('bundled');
    await db.put({ text: 'kept' }, 'first');
    return (await db.get('first')).result;
  });
  assert.deepEqual(first?.value, { text: 'kept' });
  await page.reload();
  await page.waitForFunction(() => window.fixtureReady === true, null, { timeout: 30_000 });
  const again = await page.evaluate(async () => {
    const db = await window.cg.open('bundled');
    const { result } = await db.get('first');
    await db.close();
    return { result, coded: new window.cg.CellgraphError('INTERNAL', 'x').code };
  });
  assert.deepEqual(again.result?.value, { text: 'kept' });
  assert.equal(again.coded, 'INTERNAL');
  assert.deepEqual(page.errors, []);
  await page.context().close();
}

test('Vite build', async () => {
  const { build, createLogger } = await import('vite');
  const dir = await project('vite-build', { 'index.html': INDEX('<script type="module" src="/main.js"></script>'), 'main.js': MAIN });
  // Vite warned about node:fs/promises and crypto being externalized for
  // the browser before the package had none of either (issue 16).
  const warnings = [];
  const customLogger = createLogger('warn', { allowClearScreen: false });
  customLogger.warn = (msg) => warnings.push(msg);
  await build({ root: dir, customLogger, configFile: false, build: { outDir: path.join(dir, 'out') } });
  assert.deepEqual(warnings.filter((w) => /externalized|node:|crypto/.test(w)), []);
  await writeReloadRead(`${await serve(path.join(dir, 'out'))}/`);
});

test('Vite dev server', async () => {
  const { createServer } = await import('vite');
  const dir = await project('vite-dev', { 'index.html': INDEX('<script type="module" src="/main.js"></script>'), 'main.js': MAIN });
  const server = await createServer({ root: dir, logLevel: 'error', configFile: false, server: { port: 0, host: '127.0.0.1' } });
  await server.listen();
  try {
    await writeReloadRead(server.resolvedUrls.local[0]);
  } finally {
    await server.close();
  }
});

test('webpack 5', async () => {
  const { default: webpack } = await import('webpack');
  const dir = await project('webpack', { 'main.js': MAIN });
  const out = path.join(dir, 'out');
  const stats = await new Promise((resolve, reject) => webpack({
    mode: 'production', context: dir, entry: './main.js',
    output: { path: out, filename: 'main.js' },
    resolve: { modules: [path.join(scratch, 'node_modules')] },
  }, (err, s) => (err ? reject(err) : resolve(s))));
  assert.equal(stats.hasErrors(), false, stats.toString('errors-only'));
  await writeFile(path.join(out, 'index.html'), INDEX('<script src="./main.js"></script>'));
  await writeReloadRead(`${await serve(out)}/`);
});

test('esbuild, with dist/ copied beside the bundle as the README says', async () => {
  const { build } = await import('esbuild');
  const dir = await project('esbuild', { 'main.js': MAIN });
  const out = path.join(dir, 'out');
  await build({ entryPoints: [path.join(dir, 'main.js')], bundle: true, format: 'esm', outdir: out, logLevel: 'error', nodePaths: [path.join(scratch, 'node_modules')] });
  await cp(path.join(scratch, 'node_modules', 'cellgraph', 'dist'), out, { recursive: true });
  await writeFile(path.join(out, 'index.html'), INDEX('<script type="module" src="./main.js"></script>'));
  await writeReloadRead(`${await serve(out)}/`);
});
