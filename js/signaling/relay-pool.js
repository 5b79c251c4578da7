// A pool of Nostr relays spoken to over WebSocket with NIP-01: one
// subscription per relay, events published to every open relay, incoming
// events handed on unchecked (the caller checks them: relays are
// untrusted). The pool does not deduplicate: an id seen before verification
// proves nothing, and a hostile relay could use a forged copy to make the
// pool drop the genuine event an honest relay delivers later, or flush a
// bounded set with junk ids. Signaling drops repeats after verification.
//
// What a relay can make the pool hold or do is bounded: a message longer
// than `maxMessageChars` (64 Ki characters; our events are a few KiB) is
// dropped unparsed (`stats.oversized`); at most MAX_AWAITED answers (REQ,
// OK) are timed per relay, later events go out untimed (the earlier timers
// already catch a relay that stopped answering); the outbox keeps 16 events.
//
// Relay health:
//   - a relay that answers `pow:`, `auth-required:` or `restricted:` (or
//     sends AUTH) wants something we do not give: it is dropped for good;
//   - a relay that does not answer a REQ (EOSE) or an EVENT (OK) within
//     `answerTimeoutMs` is disconnected and dialed again later;
//   - reconnection waits between half and all of a capped, doubling
//     back-off (`backoffMs` · 2^failures, at most `backoffCapMs`),
//     renews the subscription, and the browser's `online` event redials
//     every waiting relay at once.
// Events published while no relay is open wait in a short outbox and go
// out on the next open unless they are older than `outboxMaxAgeMs`.
const REFUSALS = /^(pow|auth-required|restricted|blocked):/;
const MAX_AWAITED = 256;
const OUTBOX = 16;

export class RelayPool {
  #relays = new Map();       // url -> relay state
  #outbox = [];
  #filter; #onEvent; #options; #stopped = false;
  #onOnline = () => this.redial();
  stats = { published: 0, sent: 0, received: 0, oversized: 0, malformed: 0, untimed: 0 };

  /**
   * @param {string[]} urls
   * @param {{filter: () => object, onEvent: (event: object, url: string) => void,
   *   backoffMs?: number, backoffCapMs?: number, answerTimeoutMs?: number, outboxMaxAgeMs?: number,
   *   maxMessageChars?: number}} options
   *   filter() is called at every (re)subscription, so `since` stays fresh.
   */
  constructor(urls, { filter, onEvent, backoffMs = 1000, backoffCapMs = 60_000, answerTimeoutMs = 10_000, outboxMaxAgeMs = 30_000,
    maxMessageChars = 64 * 1024 }) {
    if (!Array.isArray(urls) || urls.length === 0) throw new TypeError('rtc.relayUrls needs at least one ws:// or wss:// URL');
    for (const url of urls) {
      if (!/^wss?:\/\//.test(url)) throw new TypeError(`not a WebSocket URL: ${url}`);
      this.#relays.set(url, { url, socket: null, state: 'idle', failures: 0, timer: null, subId: null, waiting: new Map(), reason: '' });
    }
    this.#filter = filter;
    this.#onEvent = onEvent;
    this.#options = { backoffMs, backoffCapMs, answerTimeoutMs, outboxMaxAgeMs, maxMessageChars };
  }

  start() {
    globalThis.addEventListener?.('online', this.#onOnline);
    for (const r of this.#relays.values()) this.#dial(r);
  }

  /** Relays by state, for tools and tests. */
  get relays() {
    return [...this.#relays.values()].map(({ url, state, failures, reason }) => ({ url, state, failures, reason }));
  }

  get openCount() { return [...this.#relays.values()].filter((r) => r.state === 'open').length; }

  publish(event) {
    this.stats.published++;
    let sent = false;
    for (const r of this.#relays.values()) if (r.state === 'open') { this.#sendEvent(r, event); sent = true; }
    if (!sent) {
      this.#outbox.push({ event, at: Date.now() });
      if (this.#outbox.length > OUTBOX) this.#outbox.shift();
    }
  }

  /** Dials every relay that is waiting to reconnect now (e.g. the network came back). */
  redial() {
    for (const r of this.#relays.values()) {
      if (r.state !== 'waiting') continue;
      clearTimeout(r.timer);
      r.failures = 0;
      this.#dial(r);
    }
  }

  stop() {
    this.#stopped = true;
    globalThis.removeEventListener?.('online', this.#onOnline);
    for (const r of this.#relays.values()) {
      clearTimeout(r.timer);
      for (const t of r.waiting.values()) clearTimeout(t);
      r.waiting.clear();
      r.state = 'closed';
      try { r.socket?.close(); } catch { /* closing anyway */ }
    }
  }

  #dial(r) {
    if (this.#stopped || r.state === 'dropped') return;
    r.state = 'connecting';
    let socket;
    try { socket = new WebSocket(r.url); } catch (err) { this.#lost(r, null, `cannot dial: ${err.message}`); return; }
    r.socket = socket;
    socket.onopen = () => {
      if (r.socket !== socket) return;
      r.state = 'open';
      r.subId = `cg-${Math.random().toString(36).slice(2, 10)}`;
      this.#send(r, ['REQ', r.subId, this.#filter()]);
      this.#expect(r, `sub:${r.subId}`);
      const now = Date.now();
      const fresh = this.#outbox.filter((o) => now - o.at <= this.#options.outboxMaxAgeMs);
      this.#outbox = [];
      for (const o of fresh) this.#sendEvent(r, o.event);
    };
    socket.onmessage = (e) => { if (r.socket === socket) this.#message(r, e.data); };
    socket.onclose = () => this.#lost(r, socket, 'closed');
    socket.onerror = () => {};  // onclose follows
  }

  #send(r, message) {
    try { r.socket.send(JSON.stringify(message)); } catch { this.#lost(r, r.socket, 'send failed'); }
  }

  #sendEvent(r, event) {
    this.stats.sent++;
    this.#send(r, ['EVENT', event]);
    this.#expect(r, `ok:${event.id}`);
  }

  // An answer is due: disconnect the relay if it does not come in time.
  #expect(r, key) {
    clearTimeout(r.waiting.get(key));
    r.waiting.delete(key);
    if (r.waiting.size >= MAX_AWAITED) { this.stats.untimed++; return; }
    const socket = r.socket;
    r.waiting.set(key, setTimeout(() => {
      r.waiting.delete(key);
      if (r.socket === socket) { r.reason = 'stopped answering'; try { socket.close(); } catch { /* gone */ } this.#lost(r, socket, 'stopped answering'); }
    }, this.#options.answerTimeoutMs));
  }

  #answered(r, key) {
    clearTimeout(r.waiting.get(key));
    r.waiting.delete(key);
  }

  #message(r, text) {
    if (typeof text === 'string' && text.length > this.#options.maxMessageChars) { this.stats.oversized++; return; }
    let msg;
    try { msg = JSON.parse(text); } catch { msg = null; }
    if (!Array.isArray(msg)) { this.stats.malformed++; return; }
    const [type, a, b, c] = msg;
    if (type === 'EVENT' && a === r.subId && b && typeof b === 'object') {
      this.#answered(r, `sub:${r.subId}`);
      this.stats.received++;
      this.#onEvent(b, r.url);
    } else if (type === 'EOSE' && a === r.subId) {
      this.#answered(r, `sub:${r.subId}`);
      r.failures = 0;
    } else if (type === 'OK' && typeof a === 'string') {
      this.#answered(r, `ok:${a}`);
      if (b === false && REFUSALS.test(String(c))) this.#drop(r, String(c));
    } else if (type === 'CLOSED' && a === r.subId) {
      if (REFUSALS.test(String(b))) this.#drop(r, String(b));
      else { try { r.socket.close(); } catch { /* gone */ } this.#lost(r, r.socket, `subscription closed: ${b}`); }
    } else if (type === 'AUTH') {
      this.#drop(r, 'auth-required: relay sent AUTH');
    }
  }

  #drop(r, reason) {
    r.state = 'dropped';
    r.reason = reason;
    clearTimeout(r.timer);
    for (const t of r.waiting.values()) clearTimeout(t);
    r.waiting.clear();
    try { r.socket?.close(); } catch { /* gone */ }
    r.socket = null;
  }

  #lost(r, socket, reason) {
    if (socket && r.socket !== socket) return;  // an old socket's late event
    if (this.#stopped || r.state === 'dropped' || r.state === 'waiting') return;
    for (const t of r.waiting.values()) clearTimeout(t);
    r.waiting.clear();
    r.socket = null;
    r.state = 'waiting';
    r.reason = reason;
    const { backoffMs, backoffCapMs } = this.#options;
    const ceiling = Math.min(backoffCapMs, backoffMs * 2 ** r.failures);
    r.failures++;
    r.timer = setTimeout(() => this.#dial(r), ceiling / 2 + Math.random() * ceiling / 2);
  }
}
