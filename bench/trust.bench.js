// The cost of trust in the wasm core under Node: signed against unsigned
// databases in one run, as ratios.
//
//   sign / verify     Ed25519 per op alone, and per op when a write signs its
//                     ops in groups of 64 (one signature, a Merkle proof each)
//   puts              local writes, one op per write and 1,000 per write
//   late joiner       an empty peer catching up n ops from one peer, every op
//                     verified (signature, grant, role) on the way in
//
// BENCH_QUICK=1 trims the sizes.
import { loadRtc } from '../js/core/module.js';
import { ed25519Sign, ed25519Verify, identityFromMnemonic, mnemonicNew } from '../js/core/rtc-abi.js';
import { OpType } from '../js/core/engine.js';
import { openEngine, syncPair } from '../tests/support/engine-net.js';
import * as Y from 'yjs';

const quick = process.env.BENCH_QUICK === '1';
const N = quick ? 2_000 : 10_000;
const now = () => performance.now();
const core = await loadRtc();
const hex = (b) => Buffer.from(b).toString('hex');
const admin = identityFromMnemonic(core, mnemonicNew(core), '');
const writer = identityFromMnemonic(core, mnemonicNew(core), '');
const trust = (who) => ({ app: 'bench', room: 'trust', superadmins: [hex(admin.publicKey)], ...(who ? { secretKey: hex(who.secretKey) } : {}) });
const open = (n, signed, who = admin) =>
  openEngine(0x7000 + n, { opLogWindow: 2 * N, compactAfterRecords: 1e9, ...(signed ? { trust: trust(who) } : {}) });
const write = (e, ops) => e.commit(e.prepare(ops).ticket);
const op = (i) => [OpType.PUT, `n${i}`, { i, name: 'node' }];

function perOp(label, n, fn) {
  for (let i = 0; i < 20; i++) fn();
  const t0 = now();
  for (let i = 0; i < n; i++) fn();
  return { label, us: ((now() - t0) * 1000) / n };
}

async function puts(signed) {
  const single = await open(1, signed);
  let t0 = now();
  const n1 = quick ? 500 : 2_000;
  for (let i = 0; i < n1; i++) write(single, [op(i)]);
  const singlePerSec = n1 / ((now() - t0) / 1000);
  single.close();
  const batched = await open(2, signed);
  t0 = now();
  for (let i = 0; i < N * 2; i += 1000) write(batched, Array.from({ length: 1000 }, (_, k) => op(i + k)));
  const batchedPerSec = (N * 2) / ((now() - t0) / 1000);
  batched.close();
  return { singlePerSec, batchedPerSec };
}

// The writer is a user granted by the admin, so the joiner checks a grant
// and a role for every op as well as its signature.
async function lateJoiner(signed, writes) {
  const a = await open(3, signed, signed ? writer : admin);
  if (signed) {
    const g = await open(9, true, admin);
    write(g, [[OpType.PUT, `~grant/${hex(writer.publicKey)}/${hex(admin.publicKey)}/bench`, { role: 'user' }]]);
    syncPair(g, a, { knownPeers: false });
    g.close();
  }
  for (let i = 0; i < N; i += writes) write(a, Array.from({ length: Math.min(writes, N - i) }, (_, k) => op(i + k)));
  a.tick();  // the worker ticks every second: small writes' proofs are made again in groups
  const b = await open(4, signed, writer);
  const t0 = now();
  syncPair(a, b, { knownPeers: false });
  const ms = now() - t0;
  if (a.digest() !== b.digest()) throw new Error('late joiner did not converge');
  const s = b.stats();
  a.close(); b.close();
  return { ms, checked: s.signaturesChecked, forged: s.opsForged };
}

const msg = new Uint8Array(200).fill(7);
const sig = ed25519Sign(core, msg, admin.secretKey);
const rows = [
  perOp('ed25519 sign, one op', 1000, () => ed25519Sign(core, msg, admin.secretKey)),
  perOp('ed25519 verify, one op', 1000, () => ed25519Verify(core, msg, sig, admin.publicKey)),
];
for (const r of rows) console.log(`${r.label.padEnd(34)} ${r.us.toFixed(1).padStart(8)} µs`);
const unsignedPuts = await puts(false), signedPuts = await puts(true);
const groupSign = (1e6 / signedPuts.batchedPerSec) - (1e6 / unsignedPuts.batchedPerSec);
console.log(`${'sign, per op in groups of 64'.padEnd(34)} ${groupSign.toFixed(1).padStart(8)} µs (the signed write's extra cost per op)`);
console.log(`\nlocal writes (ops/s)             unsigned     signed  signed/unsigned`);
for (const k of ['singlePerSec', 'batchedPerSec']) {
  console.log(`  ${(k === 'singlePerSec' ? 'one op per write' : '1,000 ops per write').padEnd(28)} ${Math.round(unsignedPuts[k]).toLocaleString('en-US').padStart(9)} ${Math.round(signedPuts[k]).toLocaleString('en-US').padStart(10)}  ${(signedPuts[k] / unsignedPuts[k]).toFixed(2)}x`);
}
console.log(`\nlate joiner, ${N.toLocaleString('en-US')} ops from one peer (ms)   unsigned   signed   signatures checked`);
for (const writes of [1000, 1]) {
  const u = await lateJoiner(false, writes), s = await lateJoiner(true, writes);
  console.log(`  written ${writes === 1 ? 'one op per write   ' : '1,000 ops per write'}                ${u.ms.toFixed(0).padStart(8)} ${s.ms.toFixed(0).padStart(8)}   ${s.checked}`);
}
// Yjs, unsigned: a late joiner applies the whole document's update.
const doc = new Y.Doc();
const map = doc.getMap('nodes');
for (let i = 0; i < N; i++) doc.transact(() => map.set(`n${i}`, { i, name: 'node' }));
const t0 = now();
const joiner = new Y.Doc();
Y.applyUpdate(joiner, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(joiner)));
console.log(`  Yjs (unsigned, one entry per transaction)                ${(now() - t0).toFixed(0).padStart(8)}`);
