// The local relay the tests and the demo share: a page subscribes over a
// WebSocket; events signed in Node (nostr-tools) reach it; forged ones are
// refused by the relay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { startHarness } from '../support/browser.js';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

function publish(url, event) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send(JSON.stringify(['EVENT', event])));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg[0] === 'OK' && msg[1] === event.id) { ws.close(); resolve({ accepted: msg[2], reason: msg[3] }); }
    });
    ws.on('error', reject);
  });
}

test('a page receives ephemeral events from the local relay; forged ones are refused', async () => {
  const page = await h.newPage();
  await page.goto(`${h.http.url}/tests/browser/fixtures/load.html`);
  await page.evaluate((url) => new Promise((resolve, reject) => {
    window.seen = [];
    const ws = new WebSocket(url);
    ws.onopen = () => ws.send(JSON.stringify(['REQ', 's1', { kinds: [21000] }]));
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg[0] === 'EOSE') resolve();
      if (msg[0] === 'EVENT') window.seen.push(msg[2].content);
    };
    ws.onerror = () => reject(new Error('relay unreachable'));
  }), h.relay.url);

  const sk = generateSecretKey();
  const good = finalizeEvent({ kind: 21000, created_at: Math.floor(Date.now() / 1000), tags: [['x', 'room']], content: 'hello' }, sk);
  assert.deepEqual(await publish(h.relay.url, good), { accepted: true, reason: '' });

  const forged = { ...finalizeEvent({ kind: 21000, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'original' }, sk) };
  forged.content = 'tampered';
  const result = await publish(h.relay.url, forged);
  assert.equal(result.accepted, false);
  assert.match(result.reason, /invalid/);

  await page.waitForFunction(() => window.seen.length >= 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(await page.evaluate(() => window.seen), ['hello']);
  assert.deepEqual(page.errors, []);
});
