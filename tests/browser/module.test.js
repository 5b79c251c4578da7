// The wasm module in real Chromium: main thread and a module Worker, served
// from 127.0.0.1, with no page errors; and the demo page `npm start` serves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../support/browser.js';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

test('the module loads on the main thread and in a Worker without page errors', async () => {
  const page = await h.newPage();
  await page.goto(`${h.http.url}/tests/browser/fixtures/load.html`);
  const { main, worker } = await page.evaluate(() => window.results);
  assert.match(main.version, /^\d+\.\d+\.\d+$/);
  assert.equal(main.verified, true);
  assert.equal(main.errorCode, 'INVALID_ARGUMENT');
  assert.deepEqual(worker, { version: main.version, verified: true, tamperedRejected: true, isWorker: true });
  assert.deepEqual(page.errors, []);
});

test('the demo page opens a database, shows a realtime list and reaches the local relay', async () => {
  const page = await h.newPage();
  await page.goto(`${h.http.url}/web/`);
  // Both probes finish on their own schedule; wait for each to settle.
  await page.waitForFunction(() => ['open', 'error'].includes(document.querySelector('#relay')?.dataset.state)
    && ['ok', 'error'].includes(document.querySelector('#core')?.dataset.state), null, { timeout: 30_000 });
  assert.equal(await page.getAttribute('#relay', 'data-state'), 'open');
  assert.match(await page.textContent('#core'), /cellgraph core \d+\.\d+\.\d+ running: database "demo" on opfs-sync/);
  await page.fill('#title', 'buy milk');
  await page.click('#add button');
  await page.waitForFunction(() => document.querySelector('#items')?.textContent.includes('buy milk'));
  await page.reload();
  await page.waitForFunction(() => document.querySelector('#items')?.textContent.includes('buy milk'));
  assert.deepEqual(page.errors, []);
});

// Runs the html block of a README section on a fresh page; resolves to the page and its console log.
async function runReadmeBlock(section, done) {
  const { readFile } = await import('node:fs/promises');
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const block = new RegExp(`## ${section}[\\s\\S]*?\`\`\`html\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
  assert.ok(block, `the README has an html block under "${section}"`);
  const page = await h.newPage();
  const logs = [];
  page.on('console', (m) => { if (m.type() === 'log') logs.push(m.text()); });
  await page.goto(`${h.http.url}/tests/browser/fixtures/load.html`);
  await page.evaluate((html) => {
    const script = document.createElement('script');
    script.type = 'module';
    script.textContent = /<script type="module">([\s\S]*)<\/script>/.exec(html)[1];
    document.body.append(script);
  }, block);
  for (let i = 0; i < 200 && !done(logs) && !page.errors.length; i++) await new Promise((r) => setTimeout(r, 50));
  return { page, logs };
}

test("the README's identities and roles example works as written", async () => {
  const { page, logs } = await runReadmeBlock('Identities and roles', (l) => l.some((x) => x.startsWith('revoked ')));
  assert.deepEqual(page.errors, []);
  assert.deepEqual(logs.filter((l) => /^(restored|role|revoked) /.test(l)), ['restored true', 'role user', 'revoked guest']);
});

test("the README's quick start works as written", async () => {
  const { page, logs } = await runReadmeBlock('Quick start', (l) => l.some((x) => x.startsWith('initial ')));
  assert.ok(logs.some((l) => l.startsWith('initial ')), `the quick start logged: ${logs}`);
  assert.deepEqual(page.errors, []);
});
