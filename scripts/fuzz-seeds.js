// fuzz-seeds.js DIR: writes the seed corpus of every libFuzzer harness
// (tests/fuzz/) into DIR/<harness>/, from the golden vectors in tests/vectors/
// and a few hand-made inputs. Seeds only start the search; the fuzzer's own
// corpus (build/fuzz/corpus/) keeps what it finds.
import { mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { encode } from '../js/core/msgpack.js';
import { OpType } from '../js/core/engine.js';
import { EngineNet, openEngine } from '../tests/support/engine-net.js';
import { loadRtc } from '../js/core/module.js';
import { check } from '../js/core/errors.js';

const out = process.argv[2];
if (!out) { console.error('usage: node scripts/fuzz-seeds.js DIR'); process.exit(2); }
const vectors = async (name) => JSON.parse(await readFile(new URL(`../tests/vectors/${name}`, import.meta.url), 'utf8'));
const hex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const sync = await vectors('sync-v2.json');
const syncMessages = [...sync.valid, ...sync.invalid].map((v) => hex(v.hex));

const values = [
  {}, { a: 1 }, { '': null }, { s: 'é', n: -3, f: 0.5, b: true, z: null },
  { nested: { list: [1, [2, [3, { deep: 'x' }]]], empty: [] } }, { big: 2 ** 53, neg: -(2 ** 40) },
];

// A real conversation between two engines: every message either sent.
async function conversation() {
  const a = await openEngine(1, { opLogWindow: 8 }), b = await openEngine(2, { opLogWindow: 8 });
  const net = new EngineNet();
  net.add(a, 'a'); net.add(b, 'b');
  const captured = [];
  net.onDeliver = (from, to, m) => { captured.push({ to, m }); return true; };
  net.write(0, Array.from({ length: 30 }, (_, i) => [OpType.PUT, `n${i}`, { i, name: 'node' }]));
  net.write(0, [[OpType.LINK, 'n1', 'n2'], [OpType.REMOVE, 'n3', null]]);
  net.write(1, Array.from({ length: 12 }, (_, i) => [OpType.PUT, `b${i}`, { i }]));
  net.connect(0, 1);
  net.runFlights();
  net.write(0, [[OpType.PUT, 'live', { v: 1 }]]);
  net.runFlights();
  const record = a.snapshot()[0];
  a.close(); b.close();
  return { toA: captured.filter((c) => c.to === 0).map((c) => c.m), all: captured.map((c) => c.m), record };
}
const frame = (messages) => {
  const parts = messages.flatMap((m) => [Uint8Array.of(m.length >> 8, m.length & 255), m]);
  return Uint8Array.from(parts.flatMap((p) => [...p]));
};
const talk = await conversation();
// The same between signed engines: OPS messages share proofs in group tables.
async function signedConversation() {
  const core = await loadRtc();
  const { cases } = await vectors('bip39.json');
  const id = check(core.identityFromMnemonic(cases[0].phrase, ''));
  const trust = { app: 'a', room: 'r', superadmins: [Buffer.from(id.publicKey).toString('hex')], secretKey: Buffer.from(id.secretKey).toString('hex') };
  const a = await openEngine(1, { opLogWindow: 8, trust }), b = await openEngine(2, { opLogWindow: 8, trust });
  const net = new EngineNet();
  net.add(a, 'a'); net.add(b, 'b');
  const captured = [];
  net.onDeliver = (from, to, m) => { captured.push({ to, m }); return true; };
  net.write(0, Array.from({ length: 70 }, (_, i) => [OpType.PUT, `n${i}`, { i }]));
  net.write(1, [[OpType.PUT, 'b', { v: 1 }], [OpType.PUT, 'c', {}], [OpType.LINK, 'b', 'c']]);
  net.connect(0, 1);
  net.runFlights();
  a.close(); b.close();
  return { toA: captured.filter((c) => c.to === 0).map((c) => c.m), all: captured.map((c) => c.m) };
}
const signedTalk = await signedConversation();
const opBatches = [
  [[OpType.PUT, 'x', { v: 1 }], [OpType.PUT, 'y', {}], [OpType.LINK, 'x', 'y']],
  [[OpType.REMOVE, 'x', null], [OpType.UNLINK, 'x', 'y']],
  [[OpType.PUT, 'deep', { a: { b: [1, { c: 'é' }] } }]],
];
// fuzz_regex: [pattern length (u16 LE), small budget / 16, pattern, text].
const regexInput = (pattern, text, budget = 40) => {
  const p = Buffer.from(pattern, 'utf8');
  return Uint8Array.from(Buffer.concat([Buffer.from([p.length & 0xff, p.length >> 8, budget]), p, Buffer.from(text, 'utf8')]));
};
const range = '\x01-\u03ff';
const regexes = [
  regexInput('^[a-c]{2,3}\\d+(?:x|y)?$', 'abc12y'), regexInput('(a+)+$', 'aaaaaaaaaaaaaaaaaaaaaaaab'),
  regexInput('[^\\s]+@\\w+\\.com', 'mail: ada@example.com'), regexInput('a{0}{1000}{1000}{1000}', 'x'),
  regexInput('(?:){1000}{1000}{1000}', ''), regexInput('[[-\\', ''), regexInput('%É_%', 'café crème'),
  regexInput(`(?:[${range.repeat(8)}]?){100}xy`, 'Ԁ'.repeat(200), 5), regexInput('(a|b|)*c{2,}?[ÀÉ-Ü]', 'aabccé'),
  regexInput('[\\D][\\W\\S]?.\\.\\n', 'x.\n'), regexInput('((((x*)*)*)*)*y', 'xxxxxxxxxxxxxxxxxxxxxxxx'),
];
// fuzz_query: map options as JSON text.
const queries = [
  {}, { query: { n: { $gte: 3 } }, field: 'n', order: 'desc', $limit: 5 },
  { query: { s: { $in: ['alpha', 'zeta'] } }, field: 's' }, { query: { $or: [{ n: 3 }, { tags: 'Beta' }] } },
  { query: { $not: { s: { $exists: true } } }, $limit: 3 }, { query: { s: { $text: 'deja' } } },
  { query: { s: { $regex: '^[ab]' } }, field: 'n', $limit: 2, $after: 'k3' },
  { query: { s: { $like: '%a%' }, obj: { $exists: true } } }, { query: { 'obj.b.c': { $contains: 'et' } } },
  { query: { geo: { $bbox: { minLat: 0, maxLat: 4, minLng: 0, maxLng: 4 } } } },
  { query: { $near: { latitude: 41, longitude: -2, radius: 300 } } },
  { query: { n: { $between: [2, 8] }, $edge: { n: { $gt: 3 } } } },
  { query: { id: { $in: ['k1', 'k2'] }, $edge: { $edge: {} } }, $limit: 3 },
  { $after: 'k5', $before: 'k9' }, { field: 'id', order: 'desc', $before: 'k30', $limit: 4 },
  { query: { name: { $regex: 'a{0}{1000}{1000}{1000}' } } }, { query: { tags: [0, 'alpha'] } },
  { query: { f: { $lt: 5 }, n: { $nin: [1, 2] }, s: { $startsWith: 'a', $endsWith: 'a' } } },
];
const text = (v) => Uint8Array.from(Buffer.from(JSON.stringify(v), 'utf8'));
// Mesh frames (core/mesh/wire.h, PROTOCOL §9), version 2. Signatures are
// 15 zero bytes: the harness re-signs a record's frame when its op says so
// (tests/fuzz/fuzz_mesh_frames.cc), since the fuzzer cannot make tags.
const concat = (...parts) => Uint8Array.from(parts.flatMap((p) => [...p]));
const sig = new Uint8Array(15);
const keyOf = (id) => createHash('sha256').update(id).digest().subarray(0, 8);
const floodId = (origin, seq) => concat(keyOf(origin).subarray(0, 5), [seq >> 16 & 255, seq >> 8 & 255, seq & 255]);
const idNumber = (bytes) => BigInt('0x' + Buffer.from(bytes).toString('hex'));
const member = (id, inc = 0, state = 0, flags = 0) => [id, inc, state, flags, sig];
const mesh = {
  heartbeat: (size, ihave = []) => encode([2, 1, size, 12345, ihave, 0, 0, sig]),
  roster: (size, members) => encode([2, 3, size, members]),
  gossip: (members) => encode([2, 4, members]),
  iwant: (ids) => encode([2, 5, ids]),
  // The fixed head (0x9a, 2, 2, 0xcc ttl, 0xcc hops, 0xcf id), then the rest.
  flood: (origin, to, seq, body, ttl = 5) => concat([0x9a, 2, 2, 0xcc, ttl, 0xcc, 0, 0xcf], floodId(origin, seq),
    encode(0), encode(origin), encode(to), encode(body), encode(sig)),
};
// A script record: [op][length u16][bytes] (ops in fuzz_mesh_frames.cc).
const record = (op, bytes) => concat([op, bytes.length >> 8, bytes.length & 255], bytes);
const FROM_M1 = 0, FROM_M2 = 1, SIGNED_M1 = 2, SIGNED_M2 = 3, TICK = 4, TOGGLE = 5, SEND = 6, HEARD = 7;
const chat = encode(['chat', 'hello', null]);
const fakes = Array.from({ length: 40 }, (_, i) => member(`fake-${i}`));
const meshFrames = [
  mesh.heartbeat(12), mesh.heartbeat(1, [idNumber(floodId('p3', 1))]), mesh.roster(12, [member('p1', 1), member('x', 0, 1)]),
  mesh.gossip([member('p2', 0, 0, 1), member('p4', 3, 0, 4), member('b', 0, 0, 1)]), mesh.iwant([idNumber(floodId('b', 1))]),
  mesh.flood('p3', null, 1, chat), mesh.flood('p5', 'b', 2, chat), mesh.flood('p6', 'p9', 3, chat),
];
const meshScripts = [
  concat(record(SIGNED_M1, mesh.heartbeat(12)), record(SIGNED_M2, mesh.gossip(fakes.slice(0, 20))), record(TICK, [70]),
    record(SIGNED_M2, mesh.gossip(fakes.slice(20))), record(TICK, [250]), record(TICK, [250])),
  concat(record(SIGNED_M1, mesh.flood('p3', null, 1, chat)), record(FROM_M2, mesh.iwant(Array(64).fill(idNumber(floodId('p3', 1))))),
    record(SEND, concat([0], chat)), record(FROM_M1, mesh.iwant([idNumber(floodId('b', 1))])), record(TICK, [80])),
  concat(record(SIGNED_M1, mesh.flood('p7', 'p9', 4, chat)), record(SIGNED_M1, mesh.flood('p8', 'p2', 5, chat)), record(TOGGLE, [0]),
    record(TICK, [200]), record(TOGGLE, [0]), record(SIGNED_M2, mesh.heartbeat(1, [1n, 2n, 3n]))),
  concat(...Array.from({ length: 12 }, () => record(FROM_M1, [0xc1])), record(TICK, [255]), record(HEARD, new TextEncoder().encode('newcomer'))),
  concat(record(FROM_M1, mesh.gossip([member('m2', 0, 0, 4)])), record(SIGNED_M1, mesh.gossip([member('b', 4294967295, 1)])),
    record(FROM_M2, mesh.flood('m1', null, 7, chat)), record(SEND, concat([1], chat))),
];

// fuzz_trust: stored records with grants and the ops they permit (the
// harness skips signatures for stored records; its superadmin is 32 × 'S').
const key = (c) => new Uint8Array(32).fill(c.charCodeAt(0));
const keyHex = (c) => Buffer.from(key(c)).toString('hex');
const T0 = 1_700_000_000_000;
const env = (type, id, arg, wall, author) => [type, id, arg, T0 + wall, 0, 7, key(author), new Uint8Array(66)];
const grant = (from, to, role, wall, extra = {}) =>
  env(OpType.PUT, `~grant/${keyHex(to)}/${keyHex(from)}/n${wall}`, { role, ...extra }, wall, from);
const stored = (...envelopes) => encode([2, 2, 2, 9, 0, 0, true, envelopes]);
const trustRecords = [
  stored(grant('S', 'A', 'admin', 1)),
  stored(grant('A', 'U', 'user', 2, { expiresAt: T0 + 50 })),
  stored(env(OpType.PUT, 'n1', { v: 1 }, 3, 'U'), env(OpType.PUT, 'n2', { v: 2 }, 4, 'A'), env(OpType.LINK, 'n1', 'n2', 5, 'U')),
  stored(grant('S', 'U', 'guest', 3), env(OpType.PUT, `~profile/${keyHex('U')}`, { name: 'u' }, 6, 'U')),
  stored(env(OpType.REMOVE, 'n2', null, 8, 'A'), env(OpType.PUT, '~nope', {}, 9, 'A')),
];
const trustSeeds = [frame(trustRecords), frame([trustRecords[2], trustRecords[1], trustRecords[0]]),
  new TextEncoder().encode('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'),
  frame([trustRecords[3], trustRecords[2], trustRecords[4], trustRecords[0], trustRecords[1]])];

/** harness -> its seeds (Uint8Array[]) */
const seeds = {
  fuzz_value_codec: values.map((v) => encode(v)),
  fuzz_sync_message: [...syncMessages, ...talk.all, ...signedTalk.all],
  fuzz_engine_session: [frame(talk.toA), frame(talk.toA.slice(0, 2)), frame([talk.toA[0], new Uint8Array(0), talk.toA[0]]), frame(signedTalk.toA)],
  fuzz_engine_ops: [...opBatches.map((b) => encode(b)), ...talk.all.slice(2, 6)],
  fuzz_boundary: [
    encode({ replicaId: '0000000000000001', epoch: '0000000000000002', opLogWindow: 100, middleware: true }),
    encode({ replicaId: '0000000000000001', epoch: '0000000000000002', trust: { app: 'a', room: 'r', superadmins: ['53'.repeat(32)],
      secretKey: '01'.repeat(64), roles: [{ name: 'reader', can: ['read'] }, { name: 'boss', can: ['write', 'assign', 'moderate'] }], maxGrants: 8 } }),
    encode({ query: { n: { $gt: 1 } }, field: 'n', order: 'desc', $limit: 3 }),
    encode([true, false, true]),
    talk.record,
  ],
  fuzz_regex: regexes,
  fuzz_query: queries.map(text),
  fuzz_mesh_frames: [...meshFrames, ...meshScripts],
  fuzz_trust: trustSeeds,
};

await rm(out, { recursive: true, force: true });
for (const [harness, list] of Object.entries(seeds)) {
  const dir = join(out, harness);
  await mkdir(dir, { recursive: true });
  await Promise.all(list.map((bytes, i) => writeFile(join(dir, `seed-${String(i).padStart(3, '0')}`), bytes)));
}
export { syncMessages };
