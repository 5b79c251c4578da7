// A real NIP-01 Nostr relay on 127.0.0.1 for tests, benchmarks and the demo:
// @nostr-relay/core (signature and id checks, subscriptions, ephemeral
// kinds) over `ws`, with an in-memory store. Like many public relays it does
// NOT filter live events by tag, so clients must check tags themselves.
//
//   import { startRelay } from './local-relay.js'
//   const relay = await startRelay({ port: 0 });  relay.url; await relay.close();
//   node scripts/local-relay.js [port]
import { WebSocketServer } from 'ws';
import { NostrRelay } from '@nostr-relay/core';
import { EventRepository, EventUtils } from '@nostr-relay/common';
import { pathToFileURL } from 'node:url';

const MAX_MESSAGE_BYTES = 128 * 1024;   // public relays cap events at 64-512 KiB
const MAX_STORED_EVENTS = 10_000;

class MemoryRepository extends EventRepository {
  events = [];
  isSearchSupported() { return false; }
  upsert(event) {
    if (this.events.some((e) => e.id === event.id)) return { isDuplicate: true };
    this.events.push(event);
    if (this.events.length > MAX_STORED_EVENTS) this.events.shift();
    return { isDuplicate: false };
  }
  find(filter) {
    const hits = this.events.filter((e) => EventUtils.isMatchingFilter(e, filter));
    return filter.limit ? hits.slice(-filter.limit) : hits;
  }
  async destroy() { this.events = []; }
}

/**
 * @param {{host?: string, port?: number, record?: boolean}} [options]
 *   record: keep every EVENT clients send in `recorded` (tests check them)
 * @returns {Promise<{url: string, port: number, stats: {connections: number, events: number}, recorded: object[],
 *   close(): Promise<void>}>}
 */
export async function startRelay({ host = '127.0.0.1', port = 0, record = false } = {}) {
  const relay = new NostrRelay(new MemoryRepository(), { maxSubscriptionsPerClient: 256, logLevel: 3 });
  const stats = { connections: 0, events: 0 };
  const recorded = [];  // with record: every EVENT a client sent, as received
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('connection', (ws, req) => {
    stats.connections++;
    relay.handleConnection(ws, req.socket.remoteAddress);
    ws.on('message', async (data) => {
      let msg;
      try {
        msg = JSON.parse(data.toString());
        if (!Array.isArray(msg)) throw new Error('not an array');
      } catch {
        ws.send(JSON.stringify(['NOTICE', 'invalid: message is not a JSON array']));
        return;
      }
      if (msg[0] === 'EVENT') {
        stats.events++;
        if (record) recorded.push(msg[1]);
      }
      try {
        await relay.handleMessage(ws, msg);
      } catch (err) {
        ws.send(JSON.stringify(['NOTICE', `error: ${err.message}`]));
      }
    });
    ws.on('close', () => relay.handleDisconnect(ws));
    ws.on('error', () => {});
  });
  await new Promise((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const actualPort = wss.address().port;
  return {
    url: `ws://${host}:${actualPort}`,
    port: actualPort,
    stats,
    recorded,
    close: () => new Promise((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => { relay.destroy?.(); resolve(); });
    }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const relay = await startRelay({ port: Number(process.argv[2] ?? 7447) });
  console.log(`nostr relay listening on ${relay.url}`);
}
