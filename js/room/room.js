// A room: every peer that opened the same app, room name and password,
// connected in a full mesh of PeerLinks, found through Signaling.
//
// Who dials: a peer that sees an announce from a peer it has no link with
// sends it an offer at once, so a newcomer costs one relay hop per
// direction. When both sides dialed each other (glare), the offer of the
// peer whose id (Nostr public key, hex) sorts lower wins: the higher peer
// drops its own attempt and answers, the lower ignores the other offer.
// An offer from a peer we already have a link (or an attempt) with replaces
// it only when it is genuinely newer: a sid not seen for that link and an
// event created after the one that made it (that peer lost the link and
// dialed again); anything else is a replay or a straggler and is ignored
// (`refused.staleOffer`). An answer counts once, for an offer we made and
// still wait on. An offer that gets no answer, or an answer whose link does
// not open, within `dialTimeoutMs` is abandoned and retried on a later
// announce.
//
// Offers come from a small pool of links whose ICE gathering already
// finished, so the first connection does not wait for gathering.
//
// Bounds (PROTOCOL.md §7): the RTCPeerConnections of a room (open, dialing,
// answering and the offer pool) are at most `maxConnections` (default 64),
// and those of all rooms of the page at most PAGE_MAX_CONNECTIONS (256;
// Chromium refuses a page's 501st and counts a closed one until it is
// garbage-collected). A fresh peer (no link or attempt now, none in the last
// minute) gets a connection only while fewer than `maxNewPeersPerMinute`
// (default 32) did in the last minute. Beyond either, announces and offers
// are ignored and counted in stats().refused. A peer whose link closed for a
// protocol violation (framing.js) is ignored for `banMs` (10 min).
//
// Channels: channel(name) gives a named channel over every link. Names that
// start with '~' are the library's own (e.g. '~sync').
//
// Identities: the first message either end sends on a link is '~id': the
// identity it speaks for (options.identity: an Ed25519 public key, see
// js/identity.js) with a signature over both ends' DTLS fingerprints and
// room ids, or null for none. A link joins the room ('peer:join', with the
// verified identity or null) only once the other end's '~id' arrived and
// verified; a forged, replayed (another link's fingerprints) or missing one
// within dialTimeoutMs closes the link (`refused.identity`), and the room
// announces again so honest peers dial anew. Up to 16 messages that arrive
// before the '~id' wait for it. identityOf(peer) names who a peer is; a
// peer's channel messages come from that identity.
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
import { DEFAULT_MAX_MESSAGE_BYTES, MAX_DECLARABLE_BYTES } from '../transport/framing.js';
import { CellgraphError } from '../core/errors.js';
import { loadRtc } from '../core/module.js';
import { toHex, fromHex } from '../core/hex.js';
import { ed25519Verify } from '../core/rtc-abi.js';
import { MeshRouter, isReservedForLinks } from './mesh-router.js';

/** RTCPeerConnections all rooms of this page may hold at once (Chromium's limit is 500). */
export const PAGE_MAX_CONNECTIONS = 256;
const MAX_BANNED = 256;
const MINUTE = 60_000;

function intOption(name, value, min, max) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CellgraphError('INVALID_ARGUMENT', `rtc.${name} is an integer from ${min} to ${max}`);
  }
  return value;
}

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

// Messages a link may send before its '~id' (a race of the two ends' first
// messages); more close it.
const MAX_EARLY_MESSAGES = 16;

export class Room extends Emitter {
  #keys; #signaling; #options;
  #links = new Map();      // peer -> PeerLink (open)
  #dialing = new Map();    // peer -> {link, sid, timer, answered}
  #answering = new Map();  // peer -> {link, sid, createdAt, timer} being answered
  #pool = [];              // {link, sdp, sid, at}
  #made = new Set();       // every PeerLink of this room not closed yet
  #origin = new WeakMap(); // PeerLink -> {sid, createdAt} of the exchange that made it
  #admitted = new Map();   // peer -> when it last counted as a fresh peer (within the last minute)
  #banned = new Map();     // peer -> until when its announces and offers are ignored
  #constructed = 0;
  #refused = { connections: 0, rate: 0, banned: 0, staleOffer: 0, unexpectedAnswer: 0, pings: 0, identity: 0 };
  // refused.identity by cause: a claim that does not verify, none in time, too many messages before it.
  #identityRefused = { invalid: 0, missing: 0, early: 0 };
  #identity = null;        // {id, sign(bytes) -> Uint8Array} or null
  #core = null;
  #identities = new Map(); // peer -> verified identity id or null
  #violations = { malformed: 0, tooLarge: 0, openMessages: 0, inFlight: 0, stalled: 0, pingFlood: 0 };
  #channels = new Map();
  #left = false;
  #firstConnection = null;
  #router = null;          // cells mode only

  /**
   * @param {{room: string, app?: string, password?: string, relayUrls: string[], iceServers?: object[],
   *   offerPool?: number, dialTimeoutMs?: number, maxMessageBytes?: number, maxConnections?: number,
   *   maxNewPeersPerMinute?: number, banMs?: number, signaling?: object,
   *   identity?: {id: string, sign: (bytes: Uint8Array) => Uint8Array}, cells?: boolean|object}} options
   */
  static async join(options) {
    if (typeof options?.room !== 'string' || options.room === '') throw new CellgraphError('INVALID_ARGUMENT', 'a room needs a name');
    const keys = await RoomKeys.derive(options);
    const room = new Room(keys, options);
    room.#identity = options.identity ?? null;
    room.#core = await loadRtc();
    if (options.cells) room.#startCells(room.#core, options.cells === true ? {} : options.cells);
    room.#start();
    return room;
  }

  constructor(keys, { relayUrls, iceServers = [], offerPool = 2, dialTimeoutMs = 15_000, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
    maxConnections = 64, maxNewPeersPerMinute = 32, banMs = 10 * MINUTE, signaling = {} }) {
    super();
    this.#keys = keys;
    this.#options = {
      iceServers,
      offerPool: intOption('offerPool', offerPool, 0, 16),
      dialTimeoutMs: intOption('dialTimeoutMs', dialTimeoutMs, 1000, 10 * MINUTE),
      maxMessageBytes: intOption('maxMessageBytes', maxMessageBytes, 1024, MAX_DECLARABLE_BYTES),
      maxConnections: intOption('maxConnections', maxConnections, 1, PAGE_MAX_CONNECTIONS),
      maxNewPeersPerMinute: intOption('maxNewPeersPerMinute', maxNewPeersPerMinute, 1, 10_000),
      banMs: intOption('banMs', banMs, 0, 24 * 60 * MINUTE),
    };
    this.#signaling = new Signaling(keys, {
      ...signaling, relayUrls, onMessage: (from, m, event) => this.#signal(from, m, event),
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
  /** The identity a connected peer proved it speaks for (64 hex digits), or null if it named none. */
  identityOf(peer) { return this.#identities.get(peer) ?? null; }
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

  /** Round-trip time to a peer in ms; rejects with CellgraphError NOT_FOUND or CLOSED. */
  ping(peer) {
    if (this.#left) return Promise.reject(new CellgraphError('CLOSED', 'the room was left'));
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

  /**
   * Counters for tools and tests: per link, what it sent and what the peer
   * makes this side hold; the room's RTCPeerConnections against its caps;
   * every refusal by reason; links closed for a protocol violation, by the
   * bound broken.
   */
  stats() {
    const links = {};
    for (const [peer, link] of this.#links) links[peer] = { rtt: link.rtt, ...link.stats, ...link.receiving, queuedPongs: link.sending.queuedPongs };
    const connections = {
      open: this.#links.size, dialing: this.#dialing.size, answering: this.#answering.size, pool: this.#pool.length,
      live: this.#live(), constructed: this.#constructed, max: this.#options.maxConnections,
      pageLive: PeerLink.live, pageMax: PAGE_MAX_CONNECTIONS,
    };
    const signaling = { ...this.#signaling.stats, ignored: { ...this.#signaling.stats.ignored }, acceptedIds: this.#signaling.acceptedIds,
      relay: { ...this.#signaling.relayStats } };
    return { self: this.self, peers: this.peers.length, signaling, relays: this.relays, links, connections,
      refused: { ...this.#refused }, identityRefused: { ...this.#identityRefused }, violations: { ...this.#violations } };
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
    for (const { link, timer } of this.#dialing.values()) { clearTimeout(timer); link?.close('left'); }
    for (const { link, timer } of this.#answering.values()) { clearTimeout(timer); link.close('left'); }
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

  // RTCPeerConnections of this room not closed yet. Every check of room is
  // followed by #newLink() with no await between, so checks cannot race.
  #live() {
    for (const link of this.#made) if (link.closed) this.#made.delete(link);
    return this.#made.size;
  }

  #hasRoom() { return this.#live() < this.#options.maxConnections && PeerLink.live < PAGE_MAX_CONNECTIONS; }

  #newLink() {
    const link = new PeerLink({ iceServers: this.#options.iceServers, maxMessageBytes: this.#options.maxMessageBytes });
    this.#constructed++;
    this.#made.add(link);
    return link;
  }

  async #fillPool() {
    while (!this.#left && this.#pool.length < this.#options.offerPool && this.#hasRoom()) {
      const link = this.#newLink();
      const entry = { link, sid: crypto.randomUUID(), at: performance.now(), sdp: null };
      this.#pool.push(entry);
      try { entry.sdp = await link.createOffer(); } catch { entry.sdp = null; }
      if (!entry.sdp || link.closed) {
        link.close('offer failed');
        const i = this.#pool.indexOf(entry);
        if (i >= 0) this.#pool.splice(i, 1);
        return;
      }
    }
  }

  // A ready offer less than a minute old, else a fresh one; null when the
  // pool has none and the room has no room for another connection.
  async #takeOffer() {
    while (this.#pool.length) {
      const entry = this.#pool.shift();
      if (entry.sdp && performance.now() - entry.at < 60_000) { this.#fillPool(); return entry; }
      if (!entry.sdp) { this.#pool.unshift(entry); break; }
      entry.link.close('stale offer');
    }
    if (!this.#hasRoom()) return null;
    const link = this.#newLink();
    let sdp;
    try { sdp = await link.createOffer(); } catch (err) { link.close('offer failed'); throw err; }
    this.#fillPool();
    return { link, sdp, sid: crypto.randomUUID() };
  }

  // Closes an idle pooled offer to make room for a peer that wants to connect.
  #evictPooled() {
    const entry = this.#pool.find((e) => e.sdp) ?? this.#pool[0];
    if (!entry) return false;
    this.#pool.splice(this.#pool.indexOf(entry), 1);
    entry.link.close('room for a peer');
    return true;
  }

  #busy(peer) { return this.#links.has(peer) || this.#dialing.has(peer) || this.#answering.has(peer); }

  #isBanned(peer) {
    const until = this.#banned.get(peer);
    if (until === undefined) return false;
    if (performance.now() < until) return true;
    this.#banned.delete(peer);
    return false;
  }

  #ban(peer) {
    if (!this.#options.banMs) return;
    this.#banned.delete(peer);
    if (this.#banned.size >= MAX_BANNED) this.#banned.delete(this.#banned.keys().next().value);
    this.#banned.set(peer, performance.now() + this.#options.banMs);
  }

  // Whether `peer` may get a new connection now: counts it as a fresh peer
  // unless it has a link or an attempt, or counted in the last minute.
  #admit(peer) {
    const now = performance.now();
    for (const [p, at] of this.#admitted) {
      if (now - at < MINUTE) break;  // insertion order is time order
      this.#admitted.delete(p);
    }
    if (this.#busy(peer) || this.#admitted.has(peer)) return true;
    if (this.#admitted.size >= this.#options.maxNewPeersPerMinute) { this.#refused.rate++; return false; }
    this.#admitted.set(peer, now);
    return true;
  }

  async #dial(peer) {
    if (this.#left || this.#busy(peer)) return;
    if (this.#isBanned(peer)) { this.#refused.banned++; return; }
    const ready = this.#pool.some((e) => e.sdp && performance.now() - e.at < 60_000);
    if (!ready && !this.#hasRoom()) { this.#refused.connections++; return; }
    if (!this.#admit(peer)) return;
    const placeholder = { link: null, sid: null, timer: null, answered: false };
    this.#dialing.set(peer, placeholder);
    let entry;
    try { entry = await this.#takeOffer(); } catch { entry = null; }
    if (!entry) {
      if (this.#dialing.get(peer) === placeholder) { this.#dialing.delete(peer); this.#refused.connections++; }
      return;
    }
    if (this.#left || this.#dialing.get(peer) !== placeholder) { entry.link.close('not needed'); return; }
    Object.assign(placeholder, entry);
    placeholder.timer = setTimeout(() => {
      if (this.#dialing.get(peer) !== placeholder) return;
      this.#dialing.delete(peer);
      entry.link.close('no answer');
    }, this.#options.dialTimeoutMs);
    this.#origin.set(entry.link, { sid: entry.sid, createdAt: Infinity });  // until the answer comes
    this.#signaling.send(peer, { t: 'offer', sid: entry.sid, sdp: entry.sdp });
    this.#adopt(peer, entry.link, () => {
      clearTimeout(placeholder.timer);
      if (this.#dialing.get(peer) === placeholder) this.#dialing.delete(peer);
    });
  }

  async #answer(peer, { sid, sdp }, createdAt) {
    // Room: a free slot, or a pooled offer to give up for a peer that asks.
    if (!this.#busy(peer) && !this.#hasRoom() && this.#pool.length === 0) { this.#refused.connections++; return; }
    if (!this.#admit(peer)) return;
    this.#links.get(peer)?.close('replaced by a new offer');
    const previous = this.#answering.get(peer);
    if (previous) { clearTimeout(previous.timer); previous.link.close('replaced by a new offer'); }
    if (!this.#hasRoom() && !this.#evictPooled()) { this.#refused.connections++; return; }
    const link = this.#newLink();
    const entry = { link, sid, createdAt, timer: null };
    entry.timer = setTimeout(() => { if (!link.isOpen) link.close('did not connect'); }, this.#options.dialTimeoutMs);
    this.#answering.set(peer, entry);
    this.#origin.set(link, { sid, createdAt });
    this.#adopt(peer, link, () => {
      clearTimeout(entry.timer);
      if (this.#answering.get(peer) === entry) this.#answering.delete(peer);
    });
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
    link.onRefused = (reason) => {
      if (reason === 'ping') this.#refused.pings++;
      else if (reason in this.#violations) this.#violations[reason]++;
    };
    let proven = false;
    // Messages that came before the other end's '~id' (a few, bounded):
    // delivered once it proves who it is, dropped with the link otherwise.
    let early = [];
    const deliver = ({ channel, data, meta }) => {
      if (channel === '~mesh') this.#router?.frame(peer, data);
      else if (channel !== '~id') this.#channels.get(channel)?.emit('message', data, peer, meta);
    };
    link.onMessage = (message) => {
      if (proven) { deliver(message); return; }
      if (message.channel !== '~id') {
        if (early.length < MAX_EARLY_MESSAGES) { early.push(message); return; }
        this.#refuseIdentity('early');
        link.close('no identity handshake before other messages');
        return;
      }
      proven = this.#checkIdentity(peer, link, message.data);
      if (!proven) { this.#refuseIdentity('invalid'); link.close('no valid identity handshake'); return; }
      this.#joined(peer, link);
      const waiting = early;
      early = [];
      for (const m of waiting) if (!link.closed) deliver(m);
    };
    link.onProgress = ({ channel, meta, received, total }) => this.#channels.get(channel)?.emit('progress', received / total, peer, meta);
    link.onClose = (reason) => {
      settled();
      if (link.violation) this.#ban(peer);
      if (this.#links.get(peer) !== link) {
        // A link that never joined: announce again, so the peers dial anew.
        if (!proven && !this.#left && !this.#busy(peer)) this.#signaling.reset();
        return;
      }
      this.#links.delete(peer);
      this.#identities.delete(peer);
      this.#router?.linkDown(peer);
      this.#signaling.setConnected(this.#links.size > 0);
      if (!this.#left) this.#signaling.reset();
      this.emit('peer:leave', peer, reason);
      if (!this.#left) this.#fillPool();
    };
    link.opened.then((open) => {
      settled();
      if (!open || this.#left) return;
      link.send('~id', this.#identityClaim(peer, link)).catch(() => {});
      setTimeout(() => {
        if (!proven && !link.closed) { this.#refuseIdentity('missing'); link.close('no identity handshake'); }
      }, this.#options.dialTimeoutMs);
    });
  }

  #refuseIdentity(cause) {
    this.#refused.identity++;
    this.#identityRefused[cause]++;
  }

  #joined(peer, link) {
    if (link.closed || this.#left) return;
    this.#links.get(peer)?.close('replaced');
    this.#links.set(peer, link);
    this.#signaling.setConnected(true);
    this.#router?.linkUp(peer);
    this.emit('peer:join', peer, this.identityOf(peer));
  }

  // What an end signs: both fingerprints and both room ids, the signer's first.
  #linkBytes(signerFingerprint, verifierFingerprint, signer, verifier) {
    return new TextEncoder().encode(`cellgraph/link/v1\n${signerFingerprint}\n${verifierFingerprint}\n${signer}\n${verifier}`);
  }

  #identityClaim(peer, link) {
    if (!this.#identity) return { id: null };
    const { local, remote } = link.fingerprints();
    const sig = this.#identity.sign(this.#linkBytes(local, remote, this.self, peer));
    return { id: this.#identity.id, sig: toHex(sig) };
  }

  #checkIdentity(peer, link, claim) {
    if (!claim || typeof claim !== 'object') return false;
    if (claim.id === null) {
      this.#identities.set(peer, null);
      return true;
    }
    if (typeof claim.id !== 'string' || !/^[0-9a-f]{64}$/.test(claim.id) || typeof claim.sig !== 'string' || !/^[0-9a-f]{128}$/.test(claim.sig)) return false;
    const { local, remote } = link.fingerprints();
    if (!local || !remote) return false;
    const ok = ed25519Verify(this.#core, this.#linkBytes(remote, local, peer, this.self), fromHex(claim.sig), fromHex(claim.id));
    if (ok) this.#identities.set(peer, claim.id);
    return ok;
  }

  // Whether an offer (sid, createdAt) is newer than the exchange that made `link`.
  #newer(link, sid, createdAt) {
    const origin = this.#origin.get(link);
    return !origin || (sid !== origin.sid && createdAt > origin.createdAt);
  }

  #signal(from, m, { createdAt }) {
    if (this.#left) return;
    if (this.#isBanned(from)) { this.#refused.banned++; return; }
    if (m.t === 'announce') {
      if (this.#router) this.#router.heard(from);
      else if (!this.#busy(from)) this.#dial(from);
    } else if (m.t === 'offer') {
      const open = this.#links.get(from);
      const answering = this.#answering.get(from);
      if ((open && !this.#newer(open, m.sid, createdAt)) || (answering && !this.#newer(answering.link, m.sid, createdAt))) {
        this.#refused.staleOffer++;
        return;
      }
      const mine = this.#dialing.get(from);
      if (mine) {
        if (this.self < from) return;  // glare: the lower id's offer wins
        this.#dialing.delete(from);
        clearTimeout(mine.timer);
        mine.link?.close('glare: their offer wins');
      }
      this.#answer(from, m, createdAt);
    } else if (m.t === 'answer') {
      const d = this.#dialing.get(from);
      if (!d || d.sid !== m.sid || !d.link || d.answered) { this.#refused.unexpectedAnswer++; return; }
      d.answered = true;
      this.#origin.set(d.link, { sid: d.sid, createdAt });
      d.link.acceptAnswer(m.sdp).catch(() => d.link.close('bad answer'));
    }
  }
}
