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

test('the demo page runs the core and reaches the local relay', async () => {
  const page = await h.newPage();
  await page.goto(`${h.http.url}/web/`);
  // Both probes finish on their own schedule; wait for each to settle.
  await page.waitForFunction(() => ['open', 'error'].includes(document.querySelector('#relay')?.dataset.state)
    && ['ok', 'error'].includes(document.querySelector('#core')?.dataset.state), null, { timeout: 30_000 });
  assert.equal(await page.getAttribute('#relay', 'data-state'), 'open');
  assert.match(await page.textContent('#core'), /cellgraph core \d+\.\d+\.\d+ .*signature verified/);
  assert.deepEqual(page.errors, []);
});
