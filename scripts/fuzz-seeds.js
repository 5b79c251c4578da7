// fuzz-seeds.js DIR: writes the seed corpus of every libFuzzer harness
// (tests/fuzz/) into DIR/<harness>/, from the golden vectors in tests/vectors/
// and a few hand-made inputs. Seeds only start the search; the fuzzer's own
// corpus (build/fuzz/corpus/) keeps what it finds.
import { mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { encode } from '../js/core/msgpack.js';
import { OpType } from '../js/core/engine.js';
import { EngineNet, openEngine } from '../tests/support/engine-net.js';

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

/** harness -> its seeds (Uint8Array[]) */
const seeds = {
  fuzz_value_codec: values.map((v) => encode(v)),
  fuzz_sync_message: [...syncMessages, ...talk.all],
  fuzz_engine_session: [frame(talk.toA), frame(talk.toA.slice(0, 2)), frame([talk.toA[0], new Uint8Array(0), talk.toA[0]])],
  fuzz_engine_ops: [...opBatches.map((b) => encode(b)), ...talk.all.slice(2, 6)],
  fuzz_boundary: [
    encode({ replicaId: '0000000000000001', epoch: '0000000000000002', opLogWindow: 100, middleware: true }),
    encode({ query: { n: { $gt: 1 } }, field: 'n', order: 'desc', $limit: 3 }),
    encode([true, false, true]),
    talk.record,
  ],
  fuzz_regex: regexes,
  fuzz_query: queries.map(text),
};

await rm(out, { recursive: true, force: true });
for (const [harness, list] of Object.entries(seeds)) {
  const dir = join(out, harness);
  await mkdir(dir, { recursive: true });
  await Promise.all(list.map((bytes, i) => writeFile(join(dir, `seed-${String(i).padStart(3, '0')}`), bytes)));
}
export { syncMessages };
