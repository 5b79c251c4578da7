// A room: every peer that opened the same app, room name and password,
// connected in a full mesh of PeerLinks, found through Signaling.
//
// Who dials: a peer that sees an announce from a peer it has no link with
// sends it an offer at once, so a newcomer costs one relay hop per
// direction. When both sides dialed each other (glare), the offer of the
// peer whose id (Nostr public key, hex) sorts lower wins: the higher peer
// drops its own attempt and answers, the lower ignores the other offer.
// A repeated offer from a connected peer replaces the old link (that peer
// lost it). An offer that gets no answer within `dialTimeoutMs` is
// abandoned and retried on the peer's next announce.
//
// Offers come from a small pool of links whose ICE gathering already
// finished, so the first connection does not wait for gathering.
//
// Channels: channel(name) gives a named channel over every link. Names that
// start with '~' are the library's own (e.g. '~sync').
//
// Cells (options.cells: true | {cellSize}): instead of a full mesh, the
// core's cellular mesh (mesh-router.js) decides whom to link with, and every
// channel message is routed through it, so a broadcast reaches peers this
// one has no link to. '~sync' stays per link: graph sync runs a session
// with each direct neighbour. Of the library's channels only '~live' is
// routed; a mesh delivery on any other is refused (mesh-router.js), so a
// member cannot reach another's '~sync' or its handlers through the mesh,
// and the core delivers a message only with its origin's signature.
// Announces on the relays then come only from peers without a link and
// from one beacon per partition.
import { RoomKeys } from '../signaling/room-keys.js';
import { Signaling } from '../signaling/signaling.js';
import { PeerLink } from '../transport/peer-link.js';
import { CellgraphError } from '../core/errors.js';
import { loadCore } from '../core/module.js';
import { MeshRouter, isReservedForLinks } from './mesh-router.js';

class Emitter {
  #handlers = new Map();
  on(event, fn) { (this.#handlers.get(event) ?? this.#handlers.set(event, new Set()).get(event)).add(fn); return this; }
  off(event, fn) { this.#handlers.get(event)?.delete(fn); return this; }
  emit(event, ...args) {
    for (const fn of this.#handlers.get(event) ?? []) {
      try { fn(...args); } catch (err) { queueMicrotask(() => { throw err; }); }
    }
  }
}

export class Channel extends Emitter {
  #room;
  constructor(room, name) { super(); this.#room = room; this.name = name; }

  /**
   * Sends `data` (bytes, a string or a JSON value) to `targets` (a peer id or
   * a list; every connected peer when omitted). onProgress(fraction, peer)
   * runs as the frames go out. Resolves when every frame was handed to the
   * connections.
   */
  send(data, targets, meta, onProgress) {
    return this.#room._send(this.name, data, targets, meta, onProgress);
  }
}

export class Room extends Emitter {
  #keys; #signaling; #options;
  #links = new Map();      // peer -> PeerLink (open)
  #dialing = new Map();    // peer -> {link, sid, timer}
  #answering = new Map();  // peer -> PeerLink being answered
  #pool = [];              // {link, sdp, sid, at}
  #channels = new Map();
  #left = false;
  #firstConnection = null;
  #router = null;          // cells mode only

  /**
   * @param {{room: string, app?: string, password?: string, relayUrls: string[], iceServers?: object[],
   *   offerPool?: number, dialTimeoutMs?: number, maxMessageBytes?: number, signaling?: object}} options
   */
  static async join(options) {
    if (typeof options?.room !== 'string' || options.room === '') throw new CellgraphError('INVALID_ARGUMENT', 'a room needs a name');
    const keys = await RoomKeys.derive(options);
    const room = new Room(keys, options);
    if (options.cells) room.#startCells(await loadCore(), options.cells === true ? {} : options.cells);
    room.#start();
    return room;
  }

  constructor(keys, { relayUrls, iceServers = [], offerPool = 2, dialTimeoutMs = 15_000, maxMessageBytes, signaling = {} }) {
    super();
    this.#keys = keys;
    this.#options = { iceServers, offerPool, dialTimeoutMs, maxMessageBytes };
    this.#signaling = new Signaling(keys, {
      ...signaling, relayUrls, onMessage: (from, m) => this.#signal(from, m),
      shouldAnnounce: () => !this.#router || this.#router.shouldAnnounce,
    });
    this.joinedAt = performance.now();
  }

  /**
   * The cellular mesh (cells mode), else null: getState() gives
   * {self, cell, cellSize, members, bridges, isBridge, roster, links, wanted, ttl, stats}.
   */
  get mesh() { return this.#router && { getState: () => this.#router.getState() }; }
  get cells() { return this.#router !== null; }

  /** This peer's id in the room (its Nostr public key, hex). */
  get self() { return this.#keys.pubkey; }
  get peers() { return [...this.#links.keys()]; }
  get relays() { return this.#signaling.relays; }

  /** The named channel (the same object for the same name). */
  channel(name) {
    if (typeof name !== 'string' || name === '' || name.startsWith('~')) {
      throw new CellgraphError('INVALID_ARGUMENT', 'channel names are non-empty and do not start with "~"');
    }
    return this._channel(name);
  }

  /** @internal any name, including the library's own. */
  _channel(name) {
    return this.#channels.get(name) ?? this.#channels.set(name, new Channel(this, name)).get(name);
  }

  /** Round-trip time to a peer in ms. */
  ping(peer) {
    const link = this.#links.get(peer);
    if (!link) return Promise.reject(new CellgraphError('NOT_FOUND', `no connection to ${peer}`));
    return link.ping();
  }

  /** Resolves with the ms from join to the first open connection. */
  firstConnection() {
    return this.#firstConnection ??= new Promise((resolve) => {
      if (this.#links.size) resolve(0);
      else this.once('peer:join', () => resolve(performance.now() - this.joinedAt));
    });
  }

  once(event, fn) {
    const wrapped = (...args) => { this.off(event, wrapped); fn(...args); };
    return this.on(event, wrapped);
  }

  stats() {
    const links = {};
    for (const [peer, link] of this.#links) links[peer] = { rtt: link.rtt, ...link.stats };
    return { self: this.self, peers: this.peers.length, signaling: { ...this.#signaling.stats, relay: this.#signaling.relayStats }, relays: this.relays, links };
  }

  _send(name, data, targets, meta, onProgress) {
    if (this.#left) return Promise.reject(new CellgraphError('CLOSED', 'the room was left'));
    if (this.#router && !isReservedForLinks(name)) {
      try {
        this.#router.send(name, data, targets === undefined || targets === null ? null : [].concat(targets), meta);
      } catch (err) {
        return Promise.reject(err);
      }
      if (onProgress) for (const peer of targets === undefined || targets === null ? this.peers : [].concat(targets)) onProgress(1, peer);
      return Promise.resolve();
    }
    const list = targets === undefined || targets === null ? this.peers : [].concat(targets);
    return Promise.all(list.map((peer) => {
      const link = this.#links.get(peer);
      if (!link) return Promise.reject(new CellgraphError('NOT_FOUND', `no connection to ${peer}`));
      return link.send(name, data, meta, onProgress && ((sent, total) => onProgress(total ? sent / total : 1, peer)));
    })).then(() => undefined);
  }

  /** @internal closes the connection to one peer. */
  _drop(peer, reason) { this.#links.get(peer)?.close(reason); }

  /** Closes every connection and stops signaling. */
  leave() {
    if (this.#left) return;
    this.#left = true;
    this.#router?.destroy();
    this.#signaling.stop();
    for (const { link, timer } of this.#dialing.values()) { clearTimeout(timer); link.close('left'); }
    for (const link of this.#answering.values()) link.close('left');
    for (const { link } of this.#pool) link.close('left');
    for (const link of this.#links.values()) link.close('left');
    this.#dialing.clear();
    this.#answering.clear();
    this.#pool = [];
  }

  #startCells(core, { cellSize = 8 }) {
    if (!Number.isInteger(cellSize) || cellSize < 2 || cellSize > 64) {
      throw new CellgraphError('INVALID_ARGUMENT', 'cells.cellSize is an integer from 2 to 64');
    }
    this.#router = new MeshRouter(core, {
      self: this.self,
      keys: this.#keys,
      cellSize,
      sendFrame: (peer, bytes) => this.#links.get(peer)?.send('~mesh', bytes).catch(() => {}),
      deliver: (channel, data, origin, meta) => this.#channels.get(channel)?.emit('message', data, origin, meta),
      dial: (peer) => this.#dial(peer),
      hangup: (peer) => this.#links.get(peer)?.close('mesh: link not needed'),
    });
  }

  #start() {
    this.#signaling.start();
    this.#fillPool();
  }

  #newLink() {
    return new PeerLink({ iceServers: this.#options.iceServers, maxMessageBytes: this.#options.maxMessageBytes });
  }

  async #fillPool() {
    while (!this.#left && this.#pool.length < this.#options.offerPool) {
      const link = this.#newLink();
      const entry = { link, sid: crypto.randomUUID(), at: performance.now(), sdp: null };
      this.#pool.push(entry);
      try { entry.sdp = await link.createOffer(); } catch { link.close('offer failed'); this.#pool.splice(this.#pool.indexOf(entry), 1); return; }
    }
  }

  // A ready offer less than a minute old, else a fresh one.
  async #takeOffer() {
    while (this.#pool.length) {
      const entry = this.#pool.shift();
      if (entry.sdp && performance.now() - entry.at < 60_000) { this.#fillPool(); return entry; }
      entry.link.close('stale offer');
      if (!entry.sdp) { this.#pool.unshift(entry); break; }
    }
    const link = this.#newLink();
    const sdp = await link.createOffer();
    this.#fillPool();
    return { link, sdp, sid: crypto.randomUUID() };
  }

  #busy(peer) { return this.#links.has(peer) || this.#dialing.has(peer) || this.#answering.has(peer); }

  async #dial(peer) {
    if (this.#left || this.#busy(peer)) return;
    const placeholder = { link: null, sid: null, timer: null };
    this.#dialing.set(peer, placeholder);
    let entry;
    try { entry = await this.#takeOffer(); } catch { this.#dialing.delete(peer); return; }
    if (this.#left || this.#dialing.get(peer) !== placeholder) { entry.link.close('not needed'); return; }
    Object.assign(placeholder, entry);
    placeholder.timer = setTimeout(() => {
      if (this.#dialing.get(peer) !== placeholder) return;
      this.#dialing.delete(peer);
      entry.link.close('no answer');
    }, this.#options.dialTimeoutMs);
    this.#signaling.send(peer, { t: 'offer', sid: entry.sid, sdp: entry.sdp });
    this.#adopt(peer, entry.link, () => {
      clearTimeout(placeholder.timer);
      if (this.#dialing.get(peer) === placeholder) this.#dialing.delete(peer);
    });
  }

  async #answer(peer, { sid, sdp }) {
    this.#links.get(peer)?.close('replaced by a new offer');
    this.#answering.get(peer)?.close('replaced by a new offer');
    const link = this.#newLink();
    this.#answering.set(peer, link);
    this.#adopt(peer, link, () => { if (this.#answering.get(peer) === link) this.#answering.delete(peer); });
    try {
      const answer = await link.acceptOffer(sdp);
      if (!link.closed) this.#signaling.send(peer, { t: 'answer', sid, sdp: answer });
    } catch {
      link.close('bad offer');
    }
  }

  // Wires a link to a peer: it joins when its channel opens.
  #adopt(peer, link, settled) {
    link.peer = peer;
    link.onMessage = ({ channel, data, meta }) => {
      if (channel === '~mesh') this.#router?.frame(peer, data);
      else this.#channels.get(channel)?.emit('message', data, peer, meta);
    };
    link.onProgress = ({ channel, meta, received, total }) => this.#channels.get(channel)?.emit('progress', received / total, peer, meta);
    link.onClose = (reason) => {
      settled();
      if (this.#links.get(peer) !== link) return;
      this.#links.delete(peer);
      this.#router?.linkDown(peer);
      this.#signaling.setConnected(this.#links.size > 0);
      if (!this.#left) this.#signaling.reset();
      this.emit('peer:leave', peer, reason);
    };
    link.opened.then((open) => {
      settled();
      if (!open || this.#left) return;
      this.#links.get(peer)?.close('replaced');
      this.#links.set(peer, link);
      this.#signaling.setConnected(true);
      this.#router?.linkUp(peer);
      this.emit('peer:join', peer);
    });
  }

  #signal(from, m) {
    if (this.#left) return;
    if (m.t === 'announce') {
      if (this.#router) this.#router.heard(from);
      else if (!this.#busy(from)) this.#dial(from);
    } else if (m.t === 'offer') {
      const mine = this.#dialing.get(from);
      if (mine) {
        if (this.self < from) return;  // glare: the lower id's offer wins
        this.#dialing.delete(from);
        clearTimeout(mine.timer);
        mine.link?.close('glare: their offer wins');
      }
      this.#answer(from, m);
    } else if (m.t === 'answer') {
      const d = this.#dialing.get(from);
      if (!d || d.sid !== m.sid || !d.link) return;
      d.link.acceptAnswer(m.sdp).catch(() => d.link.close('bad answer'));
    }
  }
}
