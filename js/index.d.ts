// Type declarations for cellgraph's public API (js/index.js).
// Kept by hand beside the code; tests/browser/database.test.js exercises
// every member declared here.

export type ErrorCodeName =
  | 'OK' | 'INVALID_ARGUMENT' | 'TOO_LARGE' | 'CORRUPT' | 'UNSUPPORTED_VERSION' | 'BAD_SIGNATURE'
  | 'UNAUTHORIZED' | 'NOT_FOUND' | 'CLOCK_SKEW' | 'CLOSED' | 'INTERNAL';

export declare const ErrorCode: Readonly<Record<ErrorCodeName, number>>;

/** The one error type cellgraph throws; `code` is stable. */
export declare class CellgraphError extends Error {
  constructor(code: ErrorCodeName, message: string, options?: ErrorOptions);
  readonly name: 'CellgraphError';
  readonly code: ErrorCodeName;
  static fromJSON(data: { code: ErrorCodeName; message: string }): CellgraphError;
  toJSON(): { name: 'CellgraphError'; code: ErrorCodeName; message: string };
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type NodeValue = { [key: string]: JsonValue };
/**
 * V itself when every field of V is stored as it is: JSON values, arrays and
 * nested objects of them. An app's `interface Card {...}` qualifies without
 * an index signature; a function, a Date or a Map field does not.
 */
export type Storable<V> = V extends null | boolean | number | string ? V
  : V extends (...args: never[]) => unknown ? never
  : V extends readonly (infer E)[] ? readonly Storable<E>[]
  : V extends object ? { [K in keyof V]: Storable<V[K]> }
  : never;

export interface GraphNode<V extends object = NodeValue> {
  id: string;
  value: V;
  /** Targets of this node's visible edges, in id order. */
  edges: string[];
}

export type StorageKind = 'opfs-sync' | 'opfs-async' | 'indexeddb' | 'memory';

export interface OpenOptions {
  /** Force a storage backend; default: the best this browser offers. */
  storage?: StorageKind;
  /** Sync with peers over WebRTC, found through Nostr relays. Absent: the database stays local. */
  rtc?: true | RtcOptions;
  /** Every op signed and checked against its author's role (README "Identities and roles"). Peers of a room must agree on it. */
  security?: SecurityOptions;
  /** Who this database writes as; without one, a secured database only reads and syncs. Tabs of one origin share the engine
   *  of one of them, and with it that tab's identity. */
  identity?: Identity;
}

export interface SecurityOptions {
  /** Identity ids (64 hex digits) that hold the highest role; nothing else can grant it. */
  superadmins: Array<string | Identity>;
  /** Your own role table, lowest first; each role adds permissions to those below. Default: guest [read, sync] < user [write, link]
   *  < manager [publish] < admin [delete, assign] < superadmin. Permission names beyond those are your app's own. */
  roles?: Array<{ name: string; can?: string[] }>;
}

/** An Ed25519 key pair named by its public key, recoverable from a BIP-39 phrase. */
export declare class Identity {
  private constructor();
  /** A fresh identity with a new 12-word recovery phrase. */
  static create(): Promise<Identity>;
  /** The identity a recovery phrase stands for; a wrong word or checksum rejects with INVALID_ARGUMENT. */
  static restore(phrase: string): Promise<Identity>;
  /** The public key, 64 lower-case hex digits. */
  readonly id: string;
  /** The recovery phrase: whoever has it can act as this identity. */
  exportPhrase(): string;
  /** Keeps it on this device, encrypted: 'device' (a non-extractable WebCrypto key, the default) or 'passkey' (a new passkey's PRF output). */
  save(name: string, options?: { protect?: 'device' | 'passkey' }): Promise<void>;
  /** The identity saved under `name` here (asks for the passkey when it protects it); NOT_FOUND if none, CORRUPT if it does not decrypt. */
  static load(name: string): Promise<Identity>;
  /** Deletes the identity saved under `name` on this device. */
  static forget(name: string): Promise<void>;
  toJSON(): { id: string };
}

export interface Roles {
  /** A signed grant, checked by every peer against your role at its clock. Rejects with UNAUTHORIZED when your role cannot give it. */
  grant(identity: Identity | string, role: string, options?: { notBefore?: Date | number; expiresAt?: Date | number }): Promise<void>;
  /** Back to the lowest role, from now on. */
  revoke(identity: Identity | string): Promise<void>;
  /** The role the identity holds now, by the grants this device knows. */
  get(identity: Identity | string): Promise<string>;
}

export interface RtcOptions {
  /** Nostr relays for signaling; default: a few public relays (see DEFAULT_RELAYS in database.js). */
  relayUrls?: string[];
  /** Peers need the same app, room and password to find each other. */
  app?: string;
  /** Default: the database name. */
  room?: string;
  /** Seals signaling with an Argon2id-derived key; a wrong password never connects. */
  password?: string;
  /** Default: one public STUN server. Tests pass []. */
  iceServers?: RTCIceServer[];
  /** Pre-made offers kept ready (default 2, at most 16); they count against maxConnections. */
  offerPool?: number;
  /** Largest message on a channel, both ways (default 64 MiB, 1 KiB to 4 GiB − 1). Peers of a room should agree on it:
   *  a bigger send() fails with TOO_LARGE, a bigger incoming message closes the connection. */
  maxMessageBytes?: number;
  /** RTCPeerConnections this room may hold: open, dialing, answering and pooled (default 64, at most 256,
   *  which is also the budget of all rooms of a page; Chromium allows a page 500). A larger room should use `cells`. */
  maxConnections?: number;
  /** Peers with no connection now and none in the last minute that may get one per minute (default 32). */
  maxNewPeersPerMinute?: number;
  /** An offer unanswered, or an answered connection not open, after this many ms is given up (default 15000). */
  dialTimeoutMs?: number;
  /** How long a peer that broke the framing protocol is ignored, in ms (default 10 minutes; 0: never). */
  banMs?: number;
  /**
   * A cellular mesh instead of a full mesh: peers link only within their cell
   * (2 to cellSize peers, default 8; rarely one more, a guest) and along a
   * few inter-cell links, and every channel message and write is routed
   * through the mesh.
   */
  cells?: true | { cellSize?: number };
}

export interface MeshState {
  self: PeerId;
  /** The cell's key prefix, as bits ("" when the room is one cell). */
  cell: string;
  cellSize: number;
  /** Members of this peer's cell, itself included (guests last: see PROTOCOL §9). */
  members: PeerId[];
  /** Members of this cell holding inter-cell links. */
  bridges: PeerId[];
  isBridge: boolean;
  /** Every member this peer knows of. */
  roster: PeerId[];
  /** Peers with an open link, and those the topology wants linked. */
  links: PeerId[];
  wanted: PeerId[];
  /** Hops a broadcast may take. */
  ttl: number;
  incarnation: number;
  stats: MeshStats;
}

/** Counters of a peer's mesh since it joined (PROTOCOL §9, Bounds). */
export interface MeshStats {
  framesSent: number; framesReceived: number; duplicates: number; delivered: number;
  suspicions: number; evictions: number; refutations: number; gossipSent: number;
  /** Broadcasts the flood missed here and a neighbour's ihave filled in. */
  repaired: number;
  /** Directed messages sent again after the next hop they went to fell silent. */
  rerouted: number;
  /** Signatures checked (one per FLOOD received and per new member incarnation). */
  signaturesVerified: number;
  /** Frames the core refused: the sum of the four reasons after it. */
  refused: number;
  /** From a peer without a link (late frames after a hang-up, or a banned peer). */
  refusedUnlinked: number;
  /** Undecodable, over a wire limit, or another protocol version. */
  refusedMalformed: number;
  /** A FLOOD or member entry whose signature is not its author's, or a claim about this peer it never signed. */
  refusedSignature: number;
  /** A FLOOD whose id is not its origin's. */
  refusedForeignId: number;
  /** Work declined under a bound (the frames were fine): member entries over a link's budget, new members over the roster's bound, IWANT ids not served, ihave ids not asked for, broadcasts dropped from the repair cache, directed frames dropped from custody, dials held back, rosters not sent again so soon. */
  membersDeferred: number; membersOverCap: number; repliesDeclined: number; asksDeclined: number;
  cacheDropped: number; custodyDropped: number; dialsDeferred: number; rostersDeferred: number;
  /** Links hung up at once (over the links bound, or a banned peer). */
  linksRefused: number;
  /** Links hung up because their frames kept being refused (16 within 10 s). */
  hungUpRefusing: number;
  /** Mesh frames refused (by the core for any reason above, or not bytes) and deliveries whose payload was not [channel, data, meta] (counted in JS). */
  refusedFrames: number;
  /** Mesh deliveries on a library channel other than '~live', refused (counted in JS). */
  refusedReserved: number;
}

export type PeerId = string;
export type ChannelData = Uint8Array | ArrayBuffer | ArrayBufferView | string | JsonValue;

export interface Channel {
  readonly name: string;
  /**
   * To `targets` (default: every connected peer); resolves once every frame was handed to the connections.
   * Rejects with CellgraphError: TOO_LARGE over maxMessageBytes (nothing is sent; connections stay up),
   * NOT_FOUND for a target with no connection, INVALID_ARGUMENT for data or meta that is not JSON, CLOSED.
   */
  send(data: ChannelData, targets?: PeerId | PeerId[] | null, meta?: JsonValue, onProgress?: (fraction: number, peer: PeerId) => void): Promise<void>;
  on(event: 'message', fn: (data: any, peer: PeerId, meta: JsonValue | undefined) => void): this;
  on(event: 'progress', fn: (fraction: number, peer: PeerId, meta: JsonValue | undefined) => void): this;
  off(event: 'message' | 'progress', fn: (...args: any[]) => void): this;
}

export interface RelayState {
  url: string;
  state: 'idle' | 'connecting' | 'open' | 'waiting' | 'dropped' | 'closed';
  failures: number;
  reason: string;
}

/** Room.stats(): counters for tools and tests. */
export interface RoomStats {
  self: PeerId;
  peers: number;
  signaling: {
    published: number;
    accepted: number;
    /** Incoming relay events dropped, by the check that failed (PROTOCOL §7); `duplicate` is a second copy or a replay,
     *  `flood` an event refused because the replay set was full. */
    ignored: { kind: number; topic: number; self: number; age: number; duplicate: number; signature: number; notForUs: number;
      seal: number; shape: number; flood: number };
    /** Ids in the replay set (at most 4096). */
    acceptedIds: number;
    /** `oversized`: relay messages over 64 Ki characters, dropped unparsed; `untimed`: events sent while 256 answers were awaited. */
    relay: { published: number; sent: number; received: number; oversized: number; malformed: number; untimed: number };
  };
  relays: RelayState[];
  /** Per open connection: traffic, and what the peer makes this side hold (unfinished messages, their bytes). */
  links: Record<PeerId, { rtt: number | null; framesSent: number; framesReceived: number; bytesSent: number; bytesReceived: number;
    pingsDropped: number; openMessages: number; bufferedBytes: number; reservedBytes: number; queuedPongs: number }>;
  /** RTCPeerConnections: this room's by state, `live` against `max`, `constructed` ever; the page's against `pageMax`. */
  connections: { open: number; dialing: number; answering: number; pool: number; live: number; constructed: number; max: number;
    pageLive: number; pageMax: number };
  /** Announces, offers, answers and pings ignored: over maxConnections or the page budget, over maxNewPeersPerMinute,
   *  from a banned peer, offers not newer than the connection they would replace, answers to no pending offer,
   *  pings beyond the 4 answers a peer may have waiting. */
  refused: { connections: number; rate: number; banned: number; staleOffer: number; unexpectedAnswer: number; pings: number; identity: number };
  /** refused.identity by cause: a claim that did not verify, none within dialTimeoutMs, or over 16 messages before it. */
  identityRefused: { invalid: number; missing: number; early: number };
  /** Connections closed because the peer broke a framing bound (PROTOCOL §8), by bound. */
  violations: { malformed: number; tooLarge: number; openMessages: number; inFlight: number; stalled: number; pingFlood: number };
}

export interface Room {
  /** This peer's id: its Nostr public key (hex), fresh per open. */
  readonly self: PeerId;
  /** Peers with an open connection. */
  readonly peers: PeerId[];
  /** The identity (64 hex digits) a connected peer proved its link speaks for, or null if it named none. */
  identityOf(peer: PeerId): string | null;
  readonly relays: RelayState[];
  /** With rtc.cells: the mesh's state; otherwise null. */
  readonly mesh: { getState(): MeshState | null } | null;
  /** A named channel; names starting with '~' are reserved. */
  channel(name: string): Channel;
  on(event: 'peer:join', fn: (peer: PeerId, identity: string | null) => void): this;
  on(event: 'peer:synced', fn: (peer: PeerId) => void): this;
  on(event: 'peer:leave', fn: (peer: PeerId, reason: string) => void): this;
  on(event: 'sync:error', fn: (peer: PeerId, error: Error) => void): this;
  once(event: string, fn: (...args: any[]) => void): this;
  off(event: string, fn: (...args: any[]) => void): this;
  /** Round-trip time in ms (one ping in flight per peer; calls meanwhile share it). Rejects NOT_FOUND or CLOSED. */
  ping(peer: PeerId): Promise<number>;
  stats(): RoomStats;
  /** Closes every connection and stops signaling (close() does this too). */
  leave(): void;
}

export interface RemoteOp {
  type: 'put' | 'remove' | 'link' | 'unlink';
  id: string;
  value?: NodeValue;
  target?: string;
  /** The op's clock, unique per op. */
  key: string;
}
export type Middleware = (ops: RemoteOp[], context: { peer: PeerId }) => RemoteOp[] | false | null | undefined
  | Promise<RemoteOp[] | false | null | undefined>;

type Scalar = string | number | boolean | null;
export interface FieldOperators {
  $eq?: JsonValue; $ne?: JsonValue;
  $gt?: number | string; $gte?: number | string; $lt?: number | string; $lte?: number | string;
  $in?: JsonValue[]; $nin?: JsonValue[]; $between?: [number | string, number | string]; $exists?: boolean;
  $startsWith?: string; $endsWith?: string; $contains?: Scalar; $like?: string; $regex?: string; $text?: string;
  $near?: { latitude: number; longitude: number; radius: number };
  $bbox?: { minLat: number; maxLat: number; minLng: number; maxLng: number };
}
export type Query = {
  $and?: Query[]; $or?: Query[]; $not?: Query; $edge?: Query;
  $near?: { latitude: number; longitude: number; radius: number };
  $bbox?: { minLat: number; maxLat: number; minLng: number; maxLng: number };
} & { [field: string]: JsonValue | FieldOperators | Query[] | Query | undefined };

export interface MapOptions {
  query?: Query;
  /** Sort field (dot path); by id when absent. */
  field?: string;
  order?: 'asc' | 'desc';
  $limit?: number;
  $after?: string;
  $before?: string;
  /** Default: true when a callback is given. */
  realtime?: boolean;
}

export interface MapEvent<V extends object = NodeValue> {
  id: string;
  /** null when removed */
  value: V | null;
  edges: string[];
  /**
   * 'error': the live query stopped (it no longer fits the query work
   * budget); `error` says why, every node it held was reported removed.
   */
  action: 'initial' | 'added' | 'updated' | 'removed' | 'error';
  error?: CellgraphError;
}

export interface MapResult<V extends object = NodeValue> {
  results: GraphNode<V>[];
  /** Present for realtime maps. */
  unsubscribe?: () => Promise<void>;
}

export interface Database {
  /** The identity this database writes as (open(name, {identity})), or null. */
  readonly identity: Identity | null;
  /** Grants and roles; throws INVALID_ARGUMENT in a database opened without security. */
  readonly roles: Roles;
  readonly name: string;
  readonly info: { storage: StorageKind; nodes: number; droppedBytes: number };
  /**
   * The engine's counters, each refusal by reason: what the local database
   * holds and what peers' bytes made it do or refuse (see core/api/engine.h).
   */
  stats(): Promise<EngineStats>;
  /** 'leader': this tab runs the engine; 'follower': it shares another tab's (Web Locks election). */
  readonly role: 'leader' | 'follower' | 'starting' | 'closing';
  /** Replaces the node's whole value; resolves to its id once durable. */
  put<V extends object>(value: V & Storable<V>, id?: string): Promise<string>;
  /** Several puts as one atomic, durable batch. */
  putMany<V extends object>(entries: Array<[V & Storable<V>, string?]>): Promise<string[]>;
  get<V extends object = NodeValue>(id: string): Promise<{ result: GraphNode<V> | null }>;
  get<V extends object = NodeValue>(id: string, callback: (node: GraphNode<V> | null) => void): Promise<{ result: GraphNode<V> | null; unsubscribe: () => Promise<void> }>;
  /** Both nodes must exist (else NOT_FOUND). */
  link(sourceId: string, targetId: string): Promise<void>;
  unlink(sourceId: string, targetId: string): Promise<void>;
  remove(id: string): Promise<void>;
  map<V extends object = NodeValue>(options?: MapOptions, callback?: (event: MapEvent<V>) => void): Promise<MapResult<V>>;
  map<V extends object = NodeValue>(callback: (event: MapEvent<V>) => void, options?: MapOptions): Promise<MapResult<V>>;
  /**
   * Drops every node of this database on this device: live maps see each
   * one removed, and every peer session starts over (peers fill it again).
   */
  clear(): Promise<void>;
  /** The room (open with `rtc`), in the tab that runs the engine; null otherwise. */
  readonly room: Room | null;
  /** Filters incoming remote batches; returns a function that removes the middleware. */
  use(middleware: Middleware): () => void;
  close(): Promise<void>;
}

export interface EngineStats {
  storage: StorageKind;
  nodes: number; records: number; ghostRecords: number; deferred: number; peers: number;
  writes: number; writesAborted: number;
  messagesReceived: number; messagesRefused: number;
  opsApplied: number; opsStale: number; opsDeferred: number; deferredApplied: number; deferredDropped: number;
  opsOverQuota: number; opsFiltered: number;
  relayedReceived: number; relayedRefused: number;
  recordsLoaded: number; recordsRefused: number; recordsPersisted: number;
  peersRefused: number; sessionsRestarted: number; sessionsFailed: number; liveDropped: number;
  /** Security (open(name, {security})): ops refused or held by reason; `unauthorized` are held now, waiting for a grant. */
  opsForged: number; opsMalformed: number; opsUnauthorized: number; unauthorizedReleased: number; unauthorizedDropped: number;
  opsRetracted: number; grantsRefused: number; grantsInvalid: number; signaturesChecked: number; unauthorized: number; opsImpersonated: number;
  storageErrors: number; recordsDropped: number;
  /** This tab's side of the one-writer-per-origin link: requests it runs for other tabs now, answered ones remembered (ids only). */
  tabs: { role: 'leader' | 'follower' | 'starting' | 'closing'; inFlight: number; remembered: number; pending: number };
}

export declare function open(name: string, options?: OpenOptions): Promise<Database>;
/**
 * Loads and compiles the wasm once per page: the engine, or with `rtc: true`
 * the build that also has peers, security, rooms and identities (what
 * `open(name, {rtc})`, `open(name, {security})` and `Identity` load; it holds
 * the engine too). `wasmUrl` (cellgraph-core.wasm),
 * `rtcWasmUrl` (cellgraph-rtc.wasm) and `workerUrl` point at the files when a
 * bundler did not emit them beside the package (call it before open());
 * `wasmBinary` supplies the bytes of the build it loads.
 */
export declare function ready(options?: {
  wasmUrl?: string | URL; rtcWasmUrl?: string | URL; workerUrl?: string | URL; wasmBinary?: ArrayBuffer | Uint8Array; rtc?: boolean;
}): Promise<{ version: string }>;
