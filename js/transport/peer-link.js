// One connection to one remote peer: an RTCPeerConnection with a single
// reliable, ordered data channel that carries every named channel as
// 16 KiB frames (framing.js).
//
// Negotiation is non-trickle: a description travels only once its ICE
// gathering is complete (or after `gatherTimeoutMs`), so connecting costs
// two relay events (offer, answer) instead of one per candidate. The data
// channel is pre-negotiated (id 0) on both sides, so no `datachannel` event
// is needed and an offer can be made before its peer is known (the pool).
//
// Sending: each named channel is a FIFO lane (its messages arrive in the
// order they were sent); frames go out round-robin across lanes while
// `bufferedAmount` is under HIGH_WATER and resume on `bufferedamountlow`,
// so memory stays bounded and a large payload on one channel never holds up
// another. A message over `maxMessageBytes` is refused before it is queued
// (TOO_LARGE), and a message starts only when the receiver's bounds leave
// room for it (framing.js Sender). send() resolves when the last frame was
// handed over.
//
// Receiving: the Reassembler bounds what the peer can make us hold; a
// violation closes the link with `protocol error (<reason>): ...`, sets
// `violation` to the reason and reports it through onRefused. Pings carry a
// token of at most PING_BYTES; at most MAX_QUEUED_PONGS answers wait to go
// out, further pings are dropped (onRefused('ping')), and a peer that has
// MAX_DROPPED_PINGS dropped is cut off (violation 'pingFlood').
//
// Liveness: the link closes when the data channel closes, when the
// connection fails, or when it stays 'disconnected' for `disconnectGraceMs`
// (ICE consent checks notice a dead peer within seconds). Timers are not
// used for liveness: background tabs throttle them (the stall check runs on
// a timer, and throttling only makes it later).
import { OutgoingMessage, Reassembler, Sender, FrameError, DEFAULT_MAX_MESSAGE_BYTES, STALL_TICK_MS } from './framing.js';
import { CellgraphError } from '../core/errors.js';

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
const PING = '~ping', PONG = '~pong';
export const PING_BYTES = 64;
export const MAX_QUEUED_PONGS = 4;
export const MAX_DROPPED_PINGS = 16;

let live = 0;  // RTCPeerConnections of this page made by PeerLinks and not closed

function gathered(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); pc.removeEventListener('icegatheringstatechange', check); resolve(); };
    const check = () => { if (pc.iceGatheringState === 'complete') done(); };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

export class PeerLink {
  /** PeerLinks of this page whose RTCPeerConnection is not closed yet. */
  static get live() { return live; }

  /** The remote peer's id, set by whoever pairs this link with a peer. */
  peer = null;
  rtt = null;
  /** The bound the peer broke when the link closed for a protocol violation, else null. */
  violation = null;
  /** @type {(message: {channel: string, data: any, meta: any, total: number}) => void} */
  onMessage = () => {};
  /** @type {(progress: {channel: string, meta: any, received: number, total: number}) => void} */
  onProgress = () => {};
  /** @type {(reason: string) => void} */
  onClose = () => {};
  /** Called with a reason for every refusal: 'ping' (dropped) or a violation that closes the link. @type {(reason: string) => void} */
  onRefused = () => {};

  #pc; #channel; #sender; #nextNumber = 1; #pumping = false;
  #reassembler; #maxMessageBytes; #closed = false; #ping = null; #graceTimer = null; #stallTimer;
  #pongsQueued = 0;
  #opened; #markOpen; #whenClosed; #markClosed;
  stats = { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0, pingsDropped: 0 };

  constructor({ iceServers = [], maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES, disconnectGraceMs = 4000 } = {}) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#sender = new Sender({ maxMessageBytes });
    this.#reassembler = new Reassembler({ maxMessageBytes, channelLimits: { [PING]: PING_BYTES, [PONG]: PING_BYTES } });
    this.#pc = new RTCPeerConnection({ iceServers });
    live++;
    this.#channel = this.#pc.createDataChannel('cellgraph', { negotiated: true, id: 0, ordered: true });
    this.#channel.binaryType = 'arraybuffer';
    this.#channel.bufferedAmountLowThreshold = LOW_WATER;
    this.#opened = new Promise((resolve) => { this.#markOpen = resolve; });
    this.#whenClosed = new Promise((resolve) => { this.#markClosed = resolve; });
    this.#channel.onopen = () => { this.#markOpen(true); this.#pump(); };
    this.#channel.onclose = () => this.close('channel closed');
    this.#channel.onerror = () => this.close('channel error');
    this.#channel.onbufferedamountlow = () => this.#pump();
    this.#channel.onmessage = (e) => this.#receive(e.data);
    this.#pc.onconnectionstatechange = () => {
      const state = this.#pc.connectionState;
      if (state === 'failed' || state === 'closed') this.close(`connection ${state}`);
      else if (state === 'disconnected') this.#graceTimer ??= setTimeout(() => this.close('connection lost'), disconnectGraceMs);
      else if (state === 'connected') { clearTimeout(this.#graceTimer); this.#graceTimer = null; }
    };
    this.#stallTimer = setInterval(() => {
      try { this.#reassembler.tick(); } catch (err) { this.#violate(err); }
    }, STALL_TICK_MS);
  }

  /** Resolves true once the data channel is open, false if the link closed first. */
  get opened() { return this.#opened; }
  /** Resolves with the reason once the link closed. */
  get whenClosed() { return this.#whenClosed; }
  get isOpen() { return !this.#closed && this.#channel.readyState === 'open'; }
  get closed() { return this.#closed; }
  get connectionState() { return this.#pc.connectionState; }
  get maxMessageBytes() { return this.#maxMessageBytes; }

  /** What the peer makes this side hold: unfinished incoming messages and their payload bytes. */
  get receiving() {
    return { openMessages: this.#reassembler.openCount, bufferedBytes: this.#reassembler.bufferedBytes, reservedBytes: this.#reassembler.reservedBytes };
  }
  /** Unfinished outgoing messages (at most MAX_OPEN_MESSAGES) and PONGs waiting to go out. */
  get sending() { return { openMessages: this.#sender.openCount, queuedPongs: this.#pongsQueued }; }

  /** Makes this link the offerer; resolves to the complete offer SDP. */
  async createOffer(gatherTimeoutMs = 3000) {
    await this.#pc.setLocalDescription(await this.#pc.createOffer());
    await gathered(this.#pc, gatherTimeoutMs);
    return this.#pc.localDescription.sdp;
  }

  /** Makes this link the answerer of `sdp`; resolves to the complete answer SDP. */
  async acceptOffer(sdp, gatherTimeoutMs = 3000) {
    await this.#pc.setRemoteDescription({ type: 'offer', sdp });
    await this.#pc.setLocalDescription(await this.#pc.createAnswer());
    await gathered(this.#pc, gatherTimeoutMs);
    return this.#pc.localDescription.sdp;
  }

  /**
   * The DTLS certificate fingerprints of both ends ("sha-256 AB:CD:…"), from
   * the negotiated descriptions: what a signature binding this link to an
   * identity covers (room.js). Empty strings before negotiation.
   */
  fingerprints() {
    const of = (d) => /^a=fingerprint:(\S+ \S+)/m.exec(d?.sdp ?? '')?.[1] ?? '';
    return { local: of(this.#pc.localDescription), remote: of(this.#pc.remoteDescription) };
  }

  async acceptAnswer(sdp) {
    await this.#pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /**
   * Queues `data` (bytes, string or JSON value) on the named channel.
   * onProgress(sentBytes, totalBytes) runs as frames go out. Rejects with
   * CellgraphError: CLOSED, TOO_LARGE (over maxMessageBytes; the link stays
   * up) or INVALID_ARGUMENT.
   */
  send(channel, data, meta, onProgress) {
    if (this.#closed) return Promise.reject(new CellgraphError('CLOSED', 'the link is closed'));
    let message;
    try {
      message = new OutgoingMessage(this.#nextNumber, channel, data, meta, this.#maxMessageBytes);
    } catch (err) {
      return Promise.reject(err);
    }
    this.#nextNumber = this.#nextNumber >= 0xffffffff ? 1 : this.#nextNumber + 1;
    return new Promise((resolve, reject) => {
      this.#sender.queue(channel, message, { onProgress, resolve, reject });
      this.#pump();
    });
  }

  #pump() {
    if (this.#pumping || this.#closed || this.#channel.readyState !== 'open') return;
    this.#pumping = true;
    try {
      while (this.#channel.bufferedAmount < HIGH_WATER) {
        const next = this.#sender.next();
        if (!next) break;
        const { frame, message, ticket } = next;
        this.#channel.send(frame);
        this.stats.framesSent++;
        this.stats.bytesSent += frame.length;
        ticket.onProgress?.(message.sent, message.total);
        if (message.done) ticket.resolve();
      }
    } catch (err) {
      this.close(`send failed: ${err.message}`);
    } finally {
      this.#pumping = false;
    }
  }

  #violate(err) {
    if (this.#closed) return;
    const reason = err instanceof FrameError ? err.reason : 'malformed';
    this.violation = reason;
    this.onRefused(reason);
    this.close(`protocol error (${reason}): ${err.message}`);
  }

  #receive(data) {
    if (this.#closed) return;
    this.stats.framesReceived++;
    this.stats.bytesReceived += data.byteLength ?? data.length ?? 0;
    let out;
    try {
      if (typeof data === 'string') throw new FrameError('malformed', 'a text frame');
      out = this.#reassembler.push(data);
    } catch (err) {
      this.#violate(err);
      return;
    }
    if (out.progress) { this.onProgress(out.progress); return; }
    const { channel, data: payload, meta } = out.message;
    if (channel === PING) { this.#pong(payload); return; }
    if (channel === PONG) {
      const ping = this.#ping;
      if (!ping || payload !== ping.token) return;
      this.#ping = null;
      this.rtt = performance.now() - ping.t;
      ping.resolve(this.rtt);
      return;
    }
    this.onMessage({ channel, data: payload, meta, total: out.message.total });
  }

  // Answers a ping unless MAX_QUEUED_PONGS answers still wait to go out
  // (a peer that pings without reading): then the ping is dropped.
  #pong(token) {
    if (this.#pongsQueued >= MAX_QUEUED_PONGS) {
      this.stats.pingsDropped++;
      this.onRefused('ping');
      if (this.stats.pingsDropped >= MAX_DROPPED_PINGS) {
        this.#violate(new FrameError('pingFlood', `${this.stats.pingsDropped} pings while ${MAX_QUEUED_PONGS} answers waited`));
      }
      return;
    }
    this.#pongsQueued++;
    const settle = () => { this.#pongsQueued--; };
    this.send(PONG, token).then(settle, settle);
  }

  /**
   * Round-trip time in ms through the whole framing path. One ping is in
   * flight at a time: calls meanwhile share its answer. Rejects with
   * CellgraphError CLOSED when the link closes or no answer comes in time.
   */
  ping(timeoutMs = 10_000) {
    if (this.#closed) return Promise.reject(new CellgraphError('CLOSED', 'the link is closed'));
    if (this.#ping) return this.#ping.promise;
    const token = Math.random().toString(36).slice(2);
    const ping = { token, t: performance.now(), resolve: null, reject: null, promise: null };
    ping.promise = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#ping === ping) this.#ping = null;
        reject(new CellgraphError('CLOSED', `no answer to a ping within ${timeoutMs} ms`));
      }, timeoutMs);
      ping.resolve = (ms) => { clearTimeout(timer); resolve(ms); };
      ping.reject = (err) => { clearTimeout(timer); reject(err); };
    });
    this.#ping = ping;
    this.send(PING, token).catch((err) => { if (this.#ping === ping) this.#ping = null; ping.reject(err); });
    return ping.promise;
  }

  close(reason = 'closed') {
    if (this.#closed) return;
    this.#closed = true;
    live--;
    clearTimeout(this.#graceTimer);
    clearInterval(this.#stallTimer);
    this.#markOpen(false);
    const error = new CellgraphError('CLOSED', `the link closed: ${reason}`);
    for (const ticket of this.#sender.clear()) ticket.reject(error);
    this.#ping?.reject(error);
    this.#ping = null;
    try { this.#channel.close(); } catch { /* already closed */ }
    try { this.#pc.close(); } catch { /* already closed */ }
    this.#markClosed(reason);
    this.onClose(reason);
  }
}
