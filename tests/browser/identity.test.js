// Identities kept on the device (js/identity-store.js) in real Chromium:
// with a non-extractable WebCrypto key, and with a passkey's PRF output
// (a virtual authenticator through the DevTools protocol).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../support/browser.js';

let h;
before(async () => { h = await startHarness({ relay: false }); });
after(async () => { await h?.close(); });

test('an identity saved with a device key survives a reload, never stores its phrase in the clear, and can be forgotten', async () => {
  const page = await h.openFixture('db.html');
  const saved = await page.evaluate(async () => {
    const { Identity } = window.cellgraph;
    const me = await Identity.create();
    await me.save('me');
    return { id: me.id, phrase: me.exportPhrase() };
  });
  await page.reload();
  await page.waitForFunction(() => window.fixtureReady);
  const after = await page.evaluate(async (phrase) => {
    const { Identity } = window.cellgraph;
    const me = await Identity.load('me');
    // What an attacker copying the storage would find.
    const record = await new Promise((resolve, reject) => {
      const r = indexedDB.open('cellgraph-identities');
      r.onsuccess = () => {
        const g = r.result.transaction('identities').objectStore('identities').get('me');
        g.onsuccess = () => resolve(g.result);
        g.onerror = () => reject(g.error);
      };
    });
    const stored = JSON.stringify(record, (k, v) => (v instanceof Uint8Array ? Array.from(v) : v));
    const firstWord = new TextEncoder().encode(phrase.split(' ')[0]);
    const ct = record.ciphertext;
    let plain = false;
    for (let i = 0; i + firstWord.length <= ct.length; i++) if (firstWord.every((b, k) => ct[i + k] === b)) plain = true;
    const out = { id: me.id, extractable: record.key.extractable, usages: [...record.key.usages].sort(), phraseInStore: stored.includes(phrase) || plain };
    await Identity.forget('me');
    out.afterForget = await Identity.load('me').then(() => 'loaded', (e) => e.code);
    out.badName = await Identity.load('').then(() => 'loaded', (e) => e.code);
    return out;
  }, saved.phrase);
  assert.deepEqual(after, { id: saved.id, extractable: false, usages: ['decrypt', 'encrypt'], phraseInStore: false, afterForget: 'NOT_FOUND', badName: 'INVALID_ARGUMENT' });
  assert.deepEqual(page.errors, []);
});

test('an identity saved with a passkey needs the passkey to load', async () => {
  const context = await h.browser.newContext();
  const page = await h.newPage(context);
  // WebAuthn wants a domain, not an IP address.
  const url = h.http.url.replace('127.0.0.1', 'localhost');
  await page.goto(`${url}/tests/browser/fixtures/db.html`);
  await page.waitForFunction(() => window.fixtureReady);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, hasPrf: true, automaticPresenceSimulation: true },
  });
  const result = await page.evaluate(async () => {
    const { Identity } = window.cellgraph;
    const me = await Identity.create();
    await me.save('mine', { protect: 'passkey' });
    const back = await Identity.load('mine');
    return { same: back.id === me.id };
  });
  assert.deepEqual(result, { same: true });
  // Without the authenticator, nothing stored here unlocks it.
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  const without = await page.evaluate(async () => {
    const timeout = new Promise((resolve) => setTimeout(() => resolve('no answer'), 3000));
    return Promise.race([window.cellgraph.Identity.load('mine').then(() => 'loaded', (e) => e.code ?? e.name), timeout]);
  });
  assert.notEqual(without, 'loaded');
  await context.close();
});
