// Finding peers through Nostr relays and carrying their offers and answers.
//
// Every event is ephemeral (kind from RoomKeys), tagged ["x", topic], signed
// by this peer's fresh key, and its content is sealed with the room key:
//   {t: 'announce'}                      to everyone: "I am here"
//   {t: 'offer' | 'answer', to, sid, sdp}
// Directed events also carry ["p", to] so a peer can skip others' traffic
// without opening it; the sealed `to` is what counts (a relay cannot
// redirect a sealed message).
//
// Checks, in order, on every incoming event (relays are untrusted and some
// do not filter by tag): kind, topic tag, not ours, age within `maxAgeSec`,
// not an id already accepted, id and BIP-340 signature, addressed to us,
// seal opens, shape, space left in the replay set. Anything that fails is counted
// in `stats.ignored` by the check it failed and dropped.
//
// Replays: every accepted event's id stays in `#accepted` until its
// created_at is more than `maxAgeSec` in the past, i.e. for exactly as long
// as the age check would let the same event in again, so the set is a
// complete record of what could be replayed. Only events that passed every
// other check (a valid signature and a seal that opens with the room key)
// enter it, so a relay cannot flush it with junk ids. It holds at most
// `maxAcceptedEvents`; when it is full a new event is refused (`flood`)
// rather than anything forgotten. The same event arriving through a second
// relay is a `duplicate` (that is also what a replay is counted as).
//
// Announcing backs off: the gap doubles from `announceMs` up to
// `announceCapAloneMs` while this peer has no connection; the first
// connection moves it to `announceConnectedMs`, from where it doubles up to
// `announceCapConnectedMs`. Newcomers announce themselves,
// so peers already in a room need not: a steady room costs well under one
// event per peer per minute. `reset()` (a peer left, a link failed, the
// network came back) starts the schedule over, and its first announce goes
// out even if a connection comes up meanwhile. `shouldAnnounce()` can veto an announce
// (a cellular mesh lets only unlinked peers and its beacon announce).
import { RelayPool } from './relay-pool.js';

const TYPES = new Set(['announce', 'offer', 'answer']);
const isId = (id) => typeof id === 'string' && id.length === 64;

export class Signaling {
  #keys; #pool; #onMessage; #options; #shouldAnnounce; #timer = null; #gap; #connected = false; #stopped = false; #healing = false;
  #accepted = new Map();   // id -> unix second after which the age check refuses that event anyway
  #sweptAt = 0;
  stats = { published: 0, accepted: 0,
    ignored: { kind: 0, topic: 0, self: 0, age: 0, duplicate: 0, signature: 0, notForUs: 0, seal: 0, shape: 0, flood: 0 } };

  /**
   * @param {import('./room-keys.js').RoomKeys} keys
   * @param {{relayUrls: string[], onMessage: (from: string, message: object, event: {id: string, createdAt: number}) => void,
   *   maxAgeSec?: number, maxAcceptedEvents?: number, announceMs?: number, announceCapAloneMs?: number,
   *   announceConnectedMs?: number, announceCapConnectedMs?: number, relay?: object,
   *   shouldAnnounce?: () => boolean}} options
   */
  constructor(keys, { relayUrls, onMessage, maxAgeSec = 90, maxAcceptedEvents = 4096, announceMs = 1000, announceCapAloneMs = 30_000,
    announceConnectedMs = 120_000, announceCapConnectedMs = 300_000, relay = {}, shouldAnnounce = () => true }) {
    this.#keys = keys;
    this.#onMessage = onMessage;
    this.#shouldAnnounce = shouldAnnounce;
    this.#options = { maxAgeSec, maxAcceptedEvents, announceMs, announceCapAloneMs, announceConnectedMs, announceCapConnectedMs };
    this.#gap = announceMs;
    this.#pool = new RelayPool(relayUrls, {
      ...relay,
      filter: () => ({ kinds: [keys.kind], '#x': [keys.topic], since: Math.floor(Date.now() / 1000) - 10 }),
      onEvent: (event) => this.#receive(event),
    });
  }

  get relays() { return this.#pool.relays; }
  get relayStats() { return this.#pool.stats; }
  /** Ids in the replay set (at most maxAcceptedEvents). */
  get acceptedIds() { return this.#accepted.size; }

  start() {
    this.#pool.start();
    this.#announce();
  }

  /** Tells the announcer whether this peer has at least one connection. */
  setConnected(connected) {
    const first = connected && !this.#connected;
    this.#connected = connected;
    // Newcomers announce themselves, so a connected peer only needs to
    // announce to heal partitions: skip the short gaps of the warm-up.
    // An announce that reset() scheduled goes out anyway: it is how a peer
    // whose link failed is found again.
    if (first && !this.#stopped && !this.#healing && this.#gap < this.#options.announceConnectedMs) {
      clearTimeout(this.#timer);
      this.#gap = this.#options.announceConnectedMs;
      this.#timer = setTimeout(() => this.#announce(), this.#gap * (0.8 + 0.4 * Math.random()));
    }
  }

  /** Announces again soon and restarts the back-off. */
  reset() {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#healing = true;
    this.#gap = this.#options.announceMs;
    this.#timer = setTimeout(() => this.#announce(), this.#gap);
  }

  /** Sends a sealed message to one peer. */
  send(to, message) {
    this.#publish({ ...message, to }, [['p', to]]);
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#pool.stop();
  }

  #publish(payload, extraTags = []) {
    if (this.#stopped) return;
    const event = this.#keys.sign({ tags: [['x', this.#keys.topic], ...extraTags], content: this.#keys.seal(payload) });
    this.stats.published++;
    this.#pool.publish(event);
  }

  #announce() {
    if (this.#stopped) return;
    if (this.#shouldAnnounce()) this.#publish({ t: 'announce' });
    this.#healing = false;
    const cap = this.#connected ? this.#options.announceCapConnectedMs : this.#options.announceCapAloneMs;
    this.#gap = Math.min(cap, this.#gap * 2);
    this.#timer = setTimeout(() => this.#announce(), this.#gap * (0.8 + 0.4 * Math.random()));
  }

  #receive(e) {
    const ignored = this.stats.ignored;
    const keys = this.#keys;
    if (e.kind !== keys.kind) { ignored.kind++; return; }
    const tags = Array.isArray(e.tags) ? e.tags : [];
    if (!tags.some((t) => Array.isArray(t) && t[0] === 'x' && t[1] === keys.topic)) { ignored.topic++; return; }
    if (e.pubkey === keys.pubkey) { ignored.self++; return; }
    const now = Math.floor(Date.now() / 1000);
    if (!Number.isInteger(e.created_at) || Math.abs(now - e.created_at) > this.#options.maxAgeSec) { ignored.age++; return; }
    // Only a verified event with this id is in the set: a forged copy under
    // the same id may be dropped here unverified at no loss.
    if (isId(e.id) && this.#accepted.has(e.id)) { ignored.duplicate++; return; }
    if (typeof e.content !== 'string' || typeof e.pubkey !== 'string' || !keys.verify(e)) { ignored.signature++; return; }
    const p = tags.find((t) => Array.isArray(t) && t[0] === 'p');
    if (p && p[1] !== keys.pubkey) { ignored.notForUs++; return; }
    const m = keys.open(e.content);
    if (m === null) { ignored.seal++; return; }
    if (typeof m !== 'object' || !TYPES.has(m.t) || (m.t !== 'announce' && m.to !== keys.pubkey)
      || ((m.t === 'offer' || m.t === 'answer') && (typeof m.sdp !== 'string' || typeof m.sid !== 'string'))) {
      ignored.shape++;
      return;
    }
    if (!this.#remember(e.id, e.created_at + this.#options.maxAgeSec, now)) { ignored.flood++; return; }
    this.stats.accepted++;
    this.#onMessage(e.pubkey, m, { id: e.id, createdAt: e.created_at });
  }

  // Adds an accepted id until `until`; false when the set is full of ids
  // that could still be replayed.
  #remember(id, until, now) {
    const accepted = this.#accepted;
    // Ids go in roughly in created_at order: the oldest are at the front.
    for (const [old, expiry] of accepted) {
      if (expiry >= now) break;
      accepted.delete(old);
    }
    if (accepted.size >= this.#options.maxAcceptedEvents && now !== this.#sweptAt) {
      this.#sweptAt = now;  // a full sweep at most once a second
      for (const [old, expiry] of accepted) if (expiry < now) accepted.delete(old);
    }
    if (accepted.size >= this.#options.maxAcceptedEvents) return false;
    accepted.set(id, until);
    return true;
  }
}
