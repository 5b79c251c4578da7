// Demo page: proves the core runs here and the local relay answers.
import { ready, CellgraphError } from '../js/index.js';
import { loadCore } from '../js/core/module.js';
import { check } from '../js/core/errors.js';

const show = (id, state, text) => {
  const el = document.getElementById(id);
  el.dataset.state = state;
  el.textContent = text;
};

async function runCore() {
  const { version } = await ready();
  const core = await loadCore();
  const kp = core.ed25519KeyPair();
  const msg = new TextEncoder().encode(`hello at ${Date.now()}`);
  const t0 = performance.now();
  const sig = check(core.ed25519Sign(msg, kp.secretKey));
  const ok = core.ed25519Verify(msg, sig, kp.publicKey);
  const ms = (performance.now() - t0).toFixed(2);
  show('core', ok ? 'ok' : 'error',
    `cellgraph core ${version} running: ed25519 signature verified (${ok}) in ${ms} ms`);
}

async function probeRelay() {
  const { relayUrls = [] } = await (await fetch('/config.json')).json();
  if (!relayUrls.length) return show('relay', 'error', 'no relay configured');
  const url = relayUrls[0];
  const ws = new WebSocket(url);
  ws.onopen = () => ws.send(JSON.stringify(['REQ', 'probe', { kinds: [20001], limit: 1 }]));
  ws.onmessage = (e) => {
    const [type] = JSON.parse(e.data);
    if (type === 'EOSE') { show('relay', 'open', `relay ${url} answered a subscription`); ws.close(); }
  };
  ws.onerror = () => show('relay', 'error', `relay ${url} is unreachable`);
}

runCore().catch((err) => show('core', 'error', err instanceof CellgraphError ? `${err.code}: ${err.message}` : String(err)));
probeRelay().catch((err) => show('relay', 'error', String(err)));
