// The storage conformance suite against every backend, in real Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../support/browser.js';

let h, page;
before(async () => {
  h = await startHarness({ relay: false });
  page = await h.newPage();
  await page.goto(`${h.http.url}/tests/browser/fixtures/storage.html`);
});
after(async () => { await h?.close(); });

for (const kind of ['opfs-sync', 'opfs-async', 'indexeddb', 'memory']) {
  test(`storage conformance: ${kind}`, async () => {
    const { available, results } = await page.evaluate((k) => window.runSuite(k), kind);
    assert.ok(available.includes(kind), `${kind} is not available in a Chromium worker (have: ${available})`);
    for (const r of results) assert.ok(r.ok, `${kind}: ${r.title}\n${r.error}`);
    assert.equal(results.length, 6);
    assert.deepEqual(page.errors, []);
  });
}
