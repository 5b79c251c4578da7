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
// another. send() resolves when the last frame was handed over.
//
// Liveness: the link closes when the data channel closes, when the
// connection fails, or when it stays 'disconnected' for `disconnectGraceMs`
// (ICE consent checks notice a dead peer within seconds). Timers are not
// used for liveness: background tabs throttle them.
import { OutgoingMessage, Reassembler, FrameError } from './framing.js';

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
const PING = '~ping', PONG = '~pong';

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
  /** The remote peer's id, set by whoever pairs this link with a peer. */
  peer = null;
  rtt = null;
  onMessage = () => {};
  onProgress = () => {};
  onClose = () => {};

  #pc; #channel; #lanes = new Map(); #nextNumber = 1; #pumping = false;  // lanes: channel -> queued sends
  #reassembler; #closed = false; #pings = new Map(); #graceTimer = null;
  #opened; #markOpen;
  stats = { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0 };

  constructor({ iceServers = [], maxMessageBytes, disconnectGraceMs = 4000 } = {}) {
    this.#pc = new RTCPeerConnection({ iceServers });
    this.#reassembler = new Reassembler({ maxMessageBytes });
    this.#channel = this.#pc.createDataChannel('cellgraph', { negotiated: true, id: 0, ordered: true });
    this.#channel.binaryType = 'arraybuffer';
    this.#channel.bufferedAmountLowThreshold = LOW_WATER;
    this.#opened = new Promise((resolve) => { this.#markOpen = resolve; });
    this.#channel.onopen = () => this.#markOpen(true);
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
  }

  /** Resolves true once the data channel is open, false if the link closed first. */
  get opened() { return this.#opened; }
  get isOpen() { return !this.#closed && this.#channel.readyState === 'open'; }
  get closed() { return this.#closed; }
  get connectionState() { return this.#pc.connectionState; }

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

  async acceptAnswer(sdp) {
    await this.#pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /**
   * Queues `data` (bytes, string or JSON value) on the named channel.
   * onProgress(sentBytes, totalBytes) runs as frames go out.
   */
  send(channel, data, meta, onProgress) {
    if (this.#closed) return Promise.reject(new Error('the link is closed'));
    const message = new OutgoingMessage(this.#nextNumber++, channel, data, meta);
    if (this.#nextNumber > 0xffffffff) this.#nextNumber = 1;
    return new Promise((resolve, reject) => {
      const lane = this.#lanes.get(channel) ?? this.#lanes.set(channel, []).get(channel);
      lane.push({ message, onProgress, resolve, reject });
      this.#pump();
    });
  }

  // One frame from the head of each lane in turn (Map order, rotated by
  // re-inserting a lane after its turn).
  #pump() {
    if (this.#pumping || this.#closed || this.#channel.readyState !== 'open') return;
    this.#pumping = true;
    try {
      while (this.#lanes.size && this.#channel.bufferedAmount < HIGH_WATER) {
        const [name, lane] = this.#lanes.entries().next().value;
        this.#lanes.delete(name);
        const item = lane[0];
        const frame = item.message.nextFrame();
        this.#channel.send(frame);
        this.stats.framesSent++;
        this.stats.bytesSent += frame.length;
        item.onProgress?.(item.message.sent, item.message.total);
        if (item.message.done) { lane.shift(); item.resolve(); }
        if (lane.length) this.#lanes.set(name, lane);
      }
    } catch (err) {
      this.close(`send failed: ${err.message}`);
    } finally {
      this.#pumping = false;
    }
  }

  #receive(data) {
    if (this.#closed) return;
    this.stats.framesReceived++;
    this.stats.bytesReceived += data.byteLength ?? 0;
    let out;
    try {
      if (typeof data === 'string') throw new FrameError('a text frame');
      out = this.#reassembler.push(data);
    } catch (err) {
      this.close(`protocol error: ${err.message}`);
      return;
    }
    if (out.progress) { this.onProgress(out.progress); return; }
    const { channel, data: payload, meta } = out.message;
    if (channel === PING) { this.send(PONG, payload).catch(() => {}); return; }
    if (channel === PONG) {
      const sentAt = this.#pings.get(payload);
      if (sentAt === undefined) return;
      this.#pings.delete(payload);
      this.rtt = performance.now() - sentAt.t;
      sentAt.resolve(this.rtt);
      return;
    }
    this.onMessage({ channel, data: payload, meta, total: out.message.total });
  }

  /** Round-trip time in ms through the whole framing path. */
  ping(timeoutMs = 10_000) {
    const token = Math.random().toString(36).slice(2);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.#pings.delete(token); reject(new Error('ping timed out')); }, timeoutMs);
      this.#pings.set(token, { t: performance.now(), resolve: (ms) => { clearTimeout(timer); resolve(ms); } });
      this.send(PING, token).catch(reject);
    });
  }

  close(reason = 'closed') {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#graceTimer);
    this.#markOpen(false);
    for (const lane of this.#lanes.values()) for (const item of lane) item.reject(new Error(`the link closed: ${reason}`));
    this.#lanes.clear();
    try { this.#channel.close(); } catch { /* already closed */ }
    try { this.#pc.close(); } catch { /* already closed */ }
    this.onClose(reason);
  }
}
