// fuzz-seeds.js DIR: writes the seed corpus of every libFuzzer harness
// (tests/fuzz/) into DIR/<harness>/, from the golden vectors in tests/vectors/
// and a few hand-made inputs. Seeds only start the search; the fuzzer's own
// corpus (build/fuzz/corpus/) keeps what it finds.
import { mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
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

/** harness -> its seeds (Uint8Array[]) */
const seeds = {
  fuzz_value_codec: values.map((v) => encode(v)),
};

await rm(out, { recursive: true, force: true });
for (const [harness, list] of Object.entries(seeds)) {
  const dir = join(out, harness);
  await mkdir(dir, { recursive: true });
  await Promise.all(list.map((bytes, i) => writeFile(join(dir, `seed-${String(i).padStart(3, '0')}`), bytes)));
}
export { syncMessages };
