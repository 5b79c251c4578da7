// Demo: a realtime list over cellgraph, synced with every other browser that
// opens this page (found through the local Nostr relay of `npm start`).
// Tabs of one browser profile share one engine; to see peer sync, open the
// page in a second browser or a private window.
import { open, ready, CellgraphError } from '../js/index.js';

const show = (id, state, text) => {
  const el = document.getElementById(id);
  el.dataset.state = state;
  el.textContent = text;
};

async function runDatabase() {
  const { version } = await ready();
  const { relayUrls = [] } = await (await fetch('/config.json')).json();
  // iceServers: [] — peers on this machine or LAN need no STUN server.
  const db = await open('demo', relayUrls.length ? { rtc: { relayUrls, iceServers: [] } } : {});
  showRoom(db, relayUrls);
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

function showRoom(db, relayUrls) {
  if (!relayUrls.length) return show('relay', 'error', 'no relay configured');
  if (!db.room) return show('relay', 'open', 'another tab of this browser runs the room');
  const update = () => {
    const open = db.room.relays.filter((r) => r.state === 'open').length;
    const peers = db.room.peers.length;
    show('relay', open ? 'open' : 'waiting', `relay ${relayUrls[0]} ${open ? 'open' : 'connecting'}; ${peers} peer${peers === 1 ? '' : 's'} connected`);
  };
  db.room.on('peer:join', update).on('peer:leave', update);
  update();
  setInterval(update, 1000);
}

runDatabase().catch((err) => show('core', 'error', err instanceof CellgraphError ? `${err.code}: ${err.message}` : String(err)));
