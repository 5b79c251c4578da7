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
};

await rm(out, { recursive: true, force: true });
for (const [harness, list] of Object.entries(seeds)) {
  const dir = join(out, harness);
  await mkdir(dir, { recursive: true });
  await Promise.all(list.map((bytes, i) => writeFile(join(dir, `seed-${String(i).padStart(3, '0')}`), bytes)));
}
export { syncMessages };
