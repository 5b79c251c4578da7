// Cells mode of a Room: the core's mesh (core/mesh/mesh.h) decides which
// links exist and carries every channel message except the per-link sync
// sessions. This file only moves bytes between the core and the links.
//
//   link opens/closes       -> mesh.linkUp/linkDown
//   '~mesh' frame on a link -> mesh.receive      (a refused frame is counted)
//   announce on the relays  -> mesh.heard        (sponsors dial newcomers)
//   every 200 ms            -> mesh.tick         (heartbeats, gossip, suspicion, dials)
// After each call, take() returns frames to send, deliveries for the
// channels, peers to dial and links to hang up, and the Room does them.
//
// Payload of a channel message: msgpack [channel, data, meta], so bytes,
// strings and JSON values arrive as they were sent. The core delivers only
// what its origin signed (every FLOOD carries the origin's signature), so
// `origin` is who sent it. Of the library's own channels (names starting
// with '~') only '~live' travels through the mesh: a delivery on any other
// ('~sync' runs per link, never routed) is refused and counted
// (stats.refusedReserved), never handed to a channel.
import { encode, decode } from '../core/msgpack.js';
import { CellgraphError } from '../core/errors.js';
import { Mesh } from '../core/rtc-abi.js';

const TICK_MS = 200;  // MeshConfig.gossipMs: queued gossip leaves on a tick

/** True for a library channel that never travels through the mesh (all but '~live'). */
export const isReservedForLinks = (channel) => channel.startsWith('~') && channel !== '~live';

export class MeshRouter {
  #mesh; #host; #timer; #refused = 0; #refusedReserved = 0;

  /**
   * @param {object} core  the loaded wasm module
   * @param {{self: string, cellSize: number, keys: {useSecret: (fn: (secret: Uint8Array) => any) => any},
   *   sendFrame: (peer: string, bytes: Uint8Array) => void,
   *   deliver: (channel: string, data: any, origin: string, meta: any) => void,
   *   dial: (peer: string) => void, hangup: (peer: string) => void}} host
   *   `keys` signs as `self` (RoomKeys): the core keeps the secret.
   */
  constructor(core, host) {
    this.#host = host;
    this.#mesh = host.keys.useSecret((secret) => new Mesh(core, host.self, secret, host.cellSize, performance.now()));
    this.#timer = setInterval(() => this.#call((m, now) => m.tick(now)), TICK_MS);
  }

  linkUp(peer) { this.#call((m, now) => m.linkUp(peer, now)); }
  linkDown(peer) { this.#call((m, now) => m.linkDown(peer, now)); }
  heard(peer) { this.#call((m, now) => m.heard(peer, now)); }
  frame(peer, bytes) {
    if (!(bytes instanceof Uint8Array)) { this.#refused++; return; }
    this.#call((m, now) => { try { m.receive(peer, bytes, now); } catch { this.#refused++; } });
  }

  /** Sends to `targets` (ids), or to the whole room when targets is null. */
  send(channel, data, targets, meta) {
    if (!this.#mesh) throw new CellgraphError('CLOSED', 'the room was left');
    const payload = encode([channel, data, meta ?? null]);
    for (const target of targets ?? ['']) this.#call((m, now) => m.send(target, payload, now));
  }

  get shouldAnnounce() { return this.#mesh?.shouldAnnounce() ?? false; }

  /** {self, cell, cellSize, members, bridges, isBridge, roster, links, wanted, ttl, incarnation, stats}. */
  getState() {
    if (!this.#mesh) return null;
    const s = this.#mesh.state();
    s.stats.refusedFrames = this.#refused;
    s.stats.refusedReserved = this.#refusedReserved;
    return s;
  }

  /** Floods this peer's departure, then stops. */
  destroy() {
    if (!this.#mesh) return;
    clearInterval(this.#timer);
    this.#call((m, now) => m.leave(now));
    this.#mesh.delete();
    this.#mesh = null;
  }

  #call(fn) {
    const mesh = this.#mesh;
    if (!mesh) return;
    fn(mesh, performance.now());
    const { frames, deliveries, dials, hangups } = mesh.take();
    for (const [peer, bytes] of frames) this.#host.sendFrame(peer, bytes);
    for (const { origin, payload } of deliveries) {
      let message;
      try { message = decode(payload); } catch { this.#refused++; continue; }
      if (!Array.isArray(message) || message.length !== 3 || typeof message[0] !== 'string') { this.#refused++; continue; }
      if (isReservedForLinks(message[0])) { this.#refusedReserved++; continue; }
      this.#host.deliver(message[0], message[1], origin, message[2] ?? undefined);
    }
    for (const peer of dials) this.#host.dial(peer);
    for (const peer of hangups) this.#host.hangup(peer);
  }
}
