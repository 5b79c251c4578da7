// Browser-tier harness: Debian's Chromium driven by playwright-core (never a
// downloaded browser), a static server and a Nostr relay on 127.0.0.1.
// WebRTC tests need a non-loopback interface: run under isolated-net
// (scripts/test.sh does), where one exists but leads nowhere.
import { chromium } from 'playwright-core';
import { startStaticServer } from '../../scripts/static-server.js';
import { startRelay } from '../../scripts/local-relay.js';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/**
 * Starts everything a browser test needs. Call close() in `after`.
 * `relay` is false (none), true, or startRelay() options.
 * @returns {Promise<{browser, http, relay, newPage(ctx?): Promise<Page>, close()}>}
 */
export async function startHarness({ relay: wantRelay = true } = {}) {
  const relay = wantRelay ? await startRelay(typeof wantRelay === 'object' ? wantRelay : {}) : null;
  const http = await startStaticServer({
    routes: { '/config.json': () => ({ relayUrls: relay ? [relay.url] : [] }) },
  });
  const browser = await launchBrowser();
  const pages = [];
  return {
    browser, http, relay,
    /** A page that records uncaught errors and console errors in page.errors. */
    async newPage(context) {
      const ctx = context ?? await browser.newContext();
      const page = await ctx.newPage();
      page.errors = [];
      page.on('pageerror', (err) => page.errors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(`console: ${msg.text()}`); });
      pages.push(page);
      return page;
    },
    /** A page on a fixture that sets window.fixtureReady once loaded. */
    async openFixture(fixturePath, context) {
      const page = await this.newPage(context);
      await page.goto(`${http.url}/tests/browser/fixtures/${fixturePath}`);
      await page.waitForFunction(() => window.fixtureReady === true);
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
      await http.close();
      await relay?.close();
    },
  };
}

/**
 * Chromium on a persistent profile that the test can kill like a crash
 * (SIGKILL to its whole process group), then start again on the same profile.
 * @returns {Promise<{browser, context, kill(): void}>}
 */
export async function launchKillableBrowser(userDataDir) {
  const { spawn } = await import('node:child_process');
  const proc = spawn(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', [
    ...CHROMIUM_ARGS, '--headless=new', `--user-data-dir=${userDataDir}`, '--remote-debugging-port=0', 'about:blank',
  ], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const wsUrl = await new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err}`)), 30_000);
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => reject(new Error(`chromium exited (${code}): ${err}`)));
  });
  const browser = await chromium.connectOverCDP(wsUrl);
  return {
    browser,
    context: browser.contexts()[0],
    kill: () => { try { process.kill(-proc.pid, 'SIGKILL'); } catch {} },
  };
}
