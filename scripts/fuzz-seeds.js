// fuzz-seeds.js DIR: writes the seed corpus of every libFuzzer harness
// (tests/fuzz/) into DIR/<harness>/, from the golden vectors in tests/vectors/
// and a few hand-made inputs. Seeds only start the search; the fuzzer's own
// corpus (build/fuzz/corpus/) keeps what it finds.
import { mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { encode } from '../js/core/msgpack.js';

const out = process.argv[2];
if (!out) { console.error('usage: node scripts/fuzz-seeds.js DIR'); process.exit(2); }
const vectors = async (name) => JSON.parse(await readFile(new URL(`../tests/vectors/${name}`, import.meta.url), 'utf8'));
const hex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const sync = await vectors('sync-v1.json');
const syncMessages = [...sync.valid, ...sync.invalid].map((v) => hex(v.hex));

const values = [
  {}, { a: 1 }, { '': null }, { s: 'é', n: -3, f: 0.5, b: true, z: null },
  { nested: { list: [1, [2, [3, { deep: 'x' }]]], empty: [] } }, { big: 2 ** 53, neg: -(2 ** 40) },
];

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

/** harness -> its seeds (Uint8Array[]) */
const seeds = {
  fuzz_value_codec: values.map((v) => encode(v)),
  fuzz_mesh_frames: [...meshFrames, ...meshScripts],
};

await rm(out, { recursive: true, force: true });
for (const [harness, list] of Object.entries(seeds)) {
  const dir = join(out, harness);
  await mkdir(dir, { recursive: true });
  await Promise.all(list.map((bytes, i) => writeFile(join(dir, `seed-${String(i).padStart(3, '0')}`), bytes)));
}
export { syncMessages };
