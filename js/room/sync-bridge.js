// Graph sync over a room: carries bytes between the room's links and the
// engine (in the worker), which runs one sync session per peer and decides
// everything (PROTOCOL.md §4). This file keeps no session state.
//
//   peer:join   -> engine openPeer with the link's verified identity (its HELLO comes back as a send)
//   '~sync' in  -> engine receive -> [inspect -> db.use() middleware -> resume]
//   engine net  -> sends on '~sync', broadcasts on '~live' (cells), synced and
//                  failed sessions (a failed one's link is closed, `sync:error`)
//   peer:leave  -> engine closePeer
// In cells mode sessions run with direct neighbours only; local writes go
// out as mesh broadcasts on '~live' and every peer hands them to the engine
// outside any session (receiveRelayed), after the same middleware.
//
// Bounds: a peer's messages the engine has not processed yet may hold at
// most MAX_PENDING_BYTES (the sync window plus one message, PROTOCOL.md §4,
// and a margin); a peer beyond it ignores flow control and its link is
// closed. Relayed batches waiting for the engine hold at most
// MAX_RELAYED_BYTES; beyond, they are dropped and every session starts over
// (catch-up brings what was dropped). Both count in stats().
import { CellgraphError } from '../core/errors.js';

const MAX_PENDING_BYTES = 24 << 20;
const MAX_RELAYED_BYTES = 16 << 20;

const asError = (e) => (e instanceof CellgraphError ? e : new CellgraphError(e?.code ?? 'INTERNAL', e?.message ?? String(e)));

export class SyncBridge {
  #room; #call; #channel; #live = null;
  #synced = new Set();
  #pending = new Map();      // peer -> {bytes, chain}: messages handed to the engine, not yet processed
  #relayed = { bytes: 0, chain: Promise.resolve() };
  /** (ops, peer) => ops to keep; set by Database.use(). */
  filter = null;
  stats = { messages: 0, overflowDrops: 0, relayedDropped: 0, relayedRefused: 0 };
  #onJoin = (peer, identity) => this.#open(peer, identity);
  #onLeave = (peer) => this.#close(peer);
  #onMessage = (bytes, peer) => this.#receive(peer, bytes);
  #onLive = (bytes, origin) => this.#receiveRelayed(origin, bytes);

  /** @param {import('./room.js').Room} room  @param {(type: string, args: object) => Promise<any>} call */
  constructor(room, call) {
    this.#room = room;
    this.#call = call;
    this.#channel = room._channel('~sync');
    room.on('peer:join', this.#onJoin).on('peer:leave', this.#onLeave);
    this.#channel.on('message', this.#onMessage);
    if (room.cells) this.#live = room._channel('~live').on('message', this.#onLive);
    for (const peer of room.peers) this.#open(peer, room.identityOf?.(peer));
  }

  /** Peers that are caught up both ways. */
  get synced() { return [...this.#synced]; }

  /** What the engine asks to send: {sends, broadcast, synced, failed}. */
  net({ sends, broadcast, synced, failed }) {
    for (const { peer, bytes } of sends) {
      if (this.#room.peers.includes(peer)) this.#channel.send(bytes, peer).catch(() => {});  // a closed link ends its session anyway
    }
    for (const bytes of broadcast) this.#live?.send(bytes).catch((err) => this.#report(this.#room.self, err));
    for (const peer of synced) {
      if (this.#synced.has(peer)) continue;
      this.#synced.add(peer);
      this.#room.emit('peer:synced', peer);
    }
    for (const { peer, error } of failed) this.#fail(peer, error);
  }

  detach() {
    this.#room.off('peer:join', this.#onJoin).off('peer:leave', this.#onLeave);
    this.#channel.off('message', this.#onMessage);
    this.#live?.off('message', this.#onLive);
  }

  // `identity`: who the link proved it speaks for (room.js), so the engine
  // refuses live batches it did not write.
  #open(peer, identity) {
    this.#synced.delete(peer);
    this.#pending.set(peer, { bytes: 0, chain: Promise.resolve() });
    this.#call('peerOpen', { peer, identity: identity ?? '' }).catch((err) => this.#fail(peer, err));
  }

  #close(peer) {
    this.#pending.delete(peer);
    this.#synced.delete(peer);
    this.#call('peerClose', { peer }).catch(() => {});
  }

  // Without middleware, messages go to the engine as they come (requests
  // are answered in order); with it, one at a time, since an OPS message
  // waits for the middleware before the next may be processed.
  #receive(peer, bytes) {
    const p = this.#pending.get(peer);
    if (!p) return;
    if (!(bytes instanceof Uint8Array)) { this.#fail(peer, new CellgraphError('INVALID_ARGUMENT', 'a sync message that is not bytes')); return; }
    this.stats.messages++;
    p.bytes += bytes.length;
    if (p.bytes > MAX_PENDING_BYTES) {
      this.stats.overflowDrops++;
      this.#fail(peer, new CellgraphError('TOO_LARGE', `the peer sent ${p.bytes} bytes the engine has not processed yet (limit ${MAX_PENDING_BYTES}): it ignores flow control`));
      return;
    }
    const process = () => this.#call('peerReceive', { peer, bytes }).then(({ inspect }) => inspect && this.#inspect(inspect));
    const done = () => { p.bytes -= bytes.length; };
    const run = this.filter ? p.chain.then(process) : process();
    p.chain = run.then(done, (err) => { done(); this.#fail(peer, err); });
  }

  // A mesh-relayed batch from `origin`. The mesh link that carried it did
  // nothing wrong if it is refused: it is counted, not fatal.
  #receiveRelayed(origin, bytes) {
    const r = this.#relayed;
    if (!(bytes instanceof Uint8Array)) { this.stats.relayedRefused++; return; }
    if (r.bytes + bytes.length > MAX_RELAYED_BYTES) {
      this.stats.relayedDropped++;
      if (!r.resyncing) {
        r.resyncing = true;
        r.chain = r.chain.then(() => this.#call('resync', {})).finally(() => { r.resyncing = false; });
      }
      return;
    }
    r.bytes += bytes.length;
    r.chain = r.chain.then(async () => {
      try {
        const { inspect, error } = await this.#call('meshLive', { origin, bytes });
        if (error) { this.stats.relayedRefused++; this.#report(origin, asError(error)); }
        if (inspect) await this.#inspect(inspect);
      } finally {
        r.bytes -= bytes.length;
      }
    }).catch((err) => this.#report(origin, err));
  }

  async #inspect({ ticket, peer, ops }) {
    let kept = [];
    try { kept = this.filter ? await this.filter(ops, peer) : ops; } catch { kept = []; }
    const keep = new Set(kept);
    await this.#call('resume', { ticket, keep: ops.map((op) => keep.has(op)) });
  }

  #report(peer, err) { this.#room.emit('sync:error', peer, asError(err)); }

  #fail(peer, err) {
    this.#synced.delete(peer);
    this.#pending.delete(peer);
    this.#report(peer, err);
    this.#room._drop(peer, `sync error: ${err?.message ?? err}`);
  }
}
