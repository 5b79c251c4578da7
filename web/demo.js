// Demo: a realtime list over cellgraph, plus a check of the local relay.
import { open, ready, CellgraphError } from '../js/index.js';

const show = (id, state, text) => {
  const el = document.getElementById(id);
  el.dataset.state = state;
  el.textContent = text;
};

async function runDatabase() {
  const { version } = await ready();
  const db = await open('demo');
  show('core', 'ok', `cellgraph core ${version} running: database "demo" on ${db.info.storage}, ${db.info.nodes} nodes`);
  const list = document.getElementById('items');
  const render = new Map();
  await db.map({ field: 'created' }, ({ id, value, action }) => {
    if (action === 'removed') { render.get(id)?.remove(); render.delete(id); return; }
    let li = render.get(id);
    if (!li) {
      li = document.createElement('li');
      const remove = document.createElement('button');
      remove.textContent = 'remove';
      remove.onclick = () => db.remove(id);
      li.append(document.createElement('span'), remove);
      render.set(id, li);
      list.append(li);
    }
    li.firstChild.textContent = value.title;
  });
  document.getElementById('add').onsubmit = async (e) => {
    e.preventDefault();
    const input = document.getElementById('title');
    await db.put({ title: input.value, created: Date.now() });
    input.value = '';
  };
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

runDatabase().catch((err) => show('core', 'error', err instanceof CellgraphError ? `${err.code}: ${err.message}` : String(err)));
probeRelay().catch((err) => show('relay', 'error', String(err)));
