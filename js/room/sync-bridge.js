// Graph sync over a room: one core SyncSession per connected peer, run in
// the engine worker, its bytes carried on the room's '~sync' channel.
//
//   peer:join   -> worker peerOpen  -> HELLO to the peer
//   '~sync' in  -> [worker peerInspect -> db.use() middleware] ->
//                  worker peerReceive -> replies to the peer
//   local write -> worker posts the live batch once durable -> every peer
//                  whose session has started
//   peer:leave  -> worker peerClose
// In cells mode sessions run with direct neighbours only; local writes are
// broadcast through the mesh on '~live' and applied by every peer outside
// any session (worker meshLive), after the same middleware.
// Requests to the worker are answered in the order they were sent, so a
// session's messages go out in protocol order. A message the core refuses
// (malformed, forged, over the limits) applies nothing; the link to that
// peer is closed and `sync:error` is emitted on the room.
import { CellgraphError } from '../core/errors.js';

export class SyncBridge {
  #room; #call; #channel;
  #open = new Set();           // peers whose session started
  #synced = new Set();
  #queues = new Map();         // peer -> the promise of its last message
  /** (ops, peer) => ops to keep; set by Database.use(). */
  filter = null;
  #onJoin = (peer) => this.#start(peer);
  #onLeave = (peer) => this.#stop(peer);
  #onMessage = (bytes, peer) => this.#receive(peer, bytes);
  #onLive = (bytes, origin) => this.#receiveLive(origin, bytes);
  #live = null;                // the '~live' channel, cells mode
  #liveQueue = Promise.resolve();

  /** @param {import('./room.js').Room} room  @param {(type: string, args: object) => Promise<any>} call */
  constructor(room, call) {
    this.#room = room;
    this.#call = call;
    this.#channel = room._channel('~sync');
    room.on('peer:join', this.#onJoin).on('peer:leave', this.#onLeave);
    this.#channel.on('message', this.#onMessage);
    if (room.cells) this.#live = room._channel('~live').on('message', this.#onLive);
    for (const peer of room.peers) this.#start(peer);
  }

  /** Peers that are caught up both ways. */
  get synced() { return [...this.#synced]; }

  /** Live batches of local writes, for every started session. */
  live(messages) {
    if (this.#live) {
      for (const m of messages) this.#live.send(m).catch((err) => this.#room.emit('sync:error', null, err));
      return;
    }
    for (const peer of this.#open) for (const m of messages) this.#send(peer, m);
  }

  /** New sessions with every peer (after the local store was replaced). */
  restart() {
    for (const peer of this.#room.peers) this.#start(peer);
  }

  detach() {
    this.#room.off('peer:join', this.#onJoin).off('peer:leave', this.#onLeave);
    this.#channel.off('message', this.#onMessage);
    this.#live?.off('message', this.#onLive);
  }

  #send(peer, bytes) {
    this.#channel.send(bytes, peer).catch(() => {});  // a closed link ends its session anyway
  }

  #start(peer) {
    this.#synced.delete(peer);
    this.#call('peerOpen', { peer }).then((hello) => {
      if (!this.#room.peers.includes(peer)) return;
      this.#open.add(peer);
      this.#send(peer, hello);
    }, (err) => this.#fail(peer, err));
  }

  #stop(peer) {
    this.#open.delete(peer);
    this.#queues.delete(peer);
    this.#synced.delete(peer);
    this.#call('peerClose', { peer }).catch(() => {});
  }

  // Messages of one peer are processed one after another: with middleware a
  // message takes two worker round trips, and the next must not overtake it.
  #receive(peer, bytes) {
    if (!(bytes instanceof Uint8Array)) { this.#fail(peer, new Error('a sync message that is not bytes')); return; }
    const next = (this.#queues.get(peer) ?? Promise.resolve()).then(() => this.#process(peer, bytes));
    this.#queues.set(peer, next.catch((err) => this.#fail(peer, err)));
  }

  // peerOpen was sent before any message of the peer could arrive, so the
  // worker already has the session even if its HELLO is still on the way.
  async #process(peer, bytes) {
    let refused;
    if (this.filter) {
      const ops = await this.#call('peerInspect', { peer, bytes });
      if (ops?.length) {
        const kept = new Set(await this.filter(ops, peer));
        refused = ops.filter((op) => !kept.has(op)).map((op) => op.key);
      }
    }
    const { replies, synced } = await this.#call('peerReceive', { peer, bytes, refused });
    for (const r of replies) this.#send(peer, r);
    if (synced && !this.#synced.has(peer)) {
      this.#synced.add(peer);
      this.#room.emit('peer:synced', peer);
    }
  }

  // Mesh-relayed batches apply one after another, after the middleware. A
  // bad one is reported and dropped; the mesh link that relayed it did
  // nothing wrong.
  #receiveLive(origin, bytes) {
    this.#liveQueue = this.#liveQueue.then(async () => {
      if (!(bytes instanceof Uint8Array)) throw new CellgraphError('INVALID_ARGUMENT', 'a live batch that is not bytes');
      let refused = [];
      if (this.filter) {
        const ops = await this.#call('peerInspect', { peer: origin, bytes });
        if (ops?.length) {
          const kept = new Set(await this.filter(ops, origin));
          refused = ops.filter((op) => !kept.has(op)).map((op) => op.key);
        }
      }
      await this.#call('meshLive', { bytes, refused });
    }).catch((err) => this.#room.emit('sync:error', origin, err));
  }

  #fail(peer, err) {
    this.#open.delete(peer);
    this.#synced.delete(peer);
    this.#room.emit('sync:error', peer, err);
    this.#room._drop(peer, `sync error: ${err.message}`);
  }
}
