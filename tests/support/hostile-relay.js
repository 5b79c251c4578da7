// A relay that checks nothing, sends its subscribers whatever the test tells
// it to, and keeps every event its clients publish (`captured`), so a test
// can replay them. It forwards nothing on its own: peers that also use a
// real relay connect through that one.
//   refuse: the reason of an `OK false` answer to every event
//   silent: it never answers
import { WebSocketServer } from 'ws';

export async function startHostileRelay({ refuse = null, silent = false } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const subs = [];
  const captured = [];
  let connections = 0;
  wss.on('connection', (ws) => {
    connections++;
    ws.on('message', (data) => {
      if (silent) return;
      const msg = JSON.parse(data.toString());
      if (msg[0] === 'REQ') { subs.push([ws, msg[1]]); ws.send(JSON.stringify(['EOSE', msg[1]])); }
      if (msg[0] === 'EVENT') {
        captured.push(msg[1]);
        ws.send(JSON.stringify(['OK', msg[1].id, !refuse, refuse ?? '']));
      }
    });
  });
  await new Promise((r) => wss.once('listening', r));
  return {
    url: `ws://127.0.0.1:${wss.address().port}`,
    captured,
    get subscribers() { return subs.length; },
    get connections() { return connections; },
    sendRaw(text) { for (const [ws] of subs) ws.send(text); },
    sendEvent(event) { for (const [ws, id] of subs) ws.send(JSON.stringify(['EVENT', id, event])); },
    close: () => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(r); }),
  };
}
