// Two pages, in separate browser contexts, open a WebRTC data channel to
// each other with no STUN/TURN server: only host candidates on the isolated
// network namespace (see ../shared/tools/isolated-net).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../support/browser.js';

let h;
before(async () => { h = await startHarness({ relay: false }); });
after(async () => { await h?.close(); });

test('two pages exchange text and bytes over an RTCPeerConnection data channel', async () => {
  const a = await h.newPage(await h.browser.newContext());
  const b = await h.newPage(await h.browser.newContext());
  const fixture = `${h.http.url}/tests/browser/fixtures/rtc.html`;
  await Promise.all([a.goto(fixture), b.goto(fixture)]);

  const offer = await a.evaluate(() => window.makeOffer());
  assert.match(offer.sdp, /a=candidate:/, 'the offer carries at least one host candidate');
  const answer = await b.evaluate((o) => window.acceptOffer(o), offer);
  await a.evaluate((ans) => window.acceptAnswer(ans), answer);
  const states = await Promise.all([a.evaluate(() => window.waitOpen()), b.evaluate(() => window.waitOpen())]);
  assert.deepEqual(states, ['connected', 'connected']);

  await a.evaluate(() => window.send('ping from a'));
  await b.evaluate(() => { window.send('pong from b'); window.send([0, 1, 254, 255]); });
  assert.deepEqual(await b.evaluate(() => window.waitReceived(1)), ['ping from a']);
  assert.deepEqual(await a.evaluate(() => window.waitReceived(2)), ['pong from b', [0, 1, 254, 255]]);
  assert.deepEqual([...a.errors, ...b.errors], []);
});
