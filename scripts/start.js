// `npm start`: the local Nostr relay plus a static server for web/, both on
// 127.0.0.1, until Ctrl-C. (scripts/setup.sh and the wasm build run first.)
import { startRelay } from './local-relay.js';
import { startStaticServer } from './static-server.js';

const relayPort = Number(process.env.CELLGRAPH_RELAY_PORT ?? 7447);
const httpPort = Number(process.env.CELLGRAPH_HTTP_PORT ?? 8080);

const relay = await startRelay({ port: relayPort });
const http = await startStaticServer({ port: httpPort, routes: { '/config.json': () => ({ relayUrls: [relay.url] }) } });
console.log(`cellgraph demo:  ${http.url}/web/`);
console.log(`nostr relay:     ${relay.url}`);
console.log('press Ctrl-C to stop');

const stop = async () => {
  await Promise.all([relay.close(), http.close()]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
