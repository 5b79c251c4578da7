// A hostile room member in real Chromium (isolated-net, local relay):
// mallory, a verified peer of the room, sends crafted OPS messages over her
// own links, signed by the independent forger of tests/support/forge.js
// (validly, unless a case forges). Each one reaches the gate of both honest
// peers (an admin who is the superadmin, and a user), is refused for its
// exact reason in their db.stats(), and leaves no effect, while a positive
// control of the same kind is accepted; the honest peers end identical and
// mallory's links stay up (PROTOCOL.md §10; tests/native/trust_test.cc).
//
// Ops by someone else than mallory travel in repair or state messages,
// which may carry anyone's ops; mallory's own in live batches under an
// epoch of no log, so no watermark ever moves for them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../support/browser.js';
import { openPeer, fullMesh, peersOf, waitUntil, converged } from '../support/peers.js';
import { loadRtc } from '../../js/core/module.js';
import { mnemonicNew, identityFromMnemonic } from '../../js/core/rtc-abi.js';
import { databaseId, grantId, opsMessage, OpsMode, OpType, signEach, signGroup, signer } from '../support/forge.js';

const core = await loadRtc();
const person = () => {
  const phrase = mnemonicNew(core);
  return { phrase, ...signer(identityFromMnemonic(core, phrase, '').secretKey) };
};
const admin = person(), user = person(), mallory = person();
const room = `hostile-${Math.random().toString(36).slice(2)}`;
const db = databaseId('', room);
const REFUSALS = ['opsForged', 'opsMalformed', 'opsUnauthorized', 'grantsRefused', 'grantsInvalid', 'opsImpersonated'];

let h, a, b, m, settledLogs;
let floor = 0;
// A wall clock for crafted ops: after every clock an honest peer has seen, so after any grant just written.
const now = () => (floor = Math.max(Date.now() + 1, floor + 1));
const put = (id, value, wall = now(), counter = 0) => ({ type: OpType.PUT, id, value, wall, counter });
let marks = 0;
// Mallory's profile, which any role may write: a new version rides in her live batch, and once both honest peers show it the batch was judged.
function mark() {
  const n = ++marks, id = `~profile/${mallory.id}`;
  return {
    op: put(id, { name: 'mallory', mark: n }),
    seen: () => waitUntil(`mark ${n} at both honest peers`, async () => {
      const marks = await Promise.all(honest().map((p) => p.evaluate(async (x) => (await window.db.get(x)).result?.value.mark, id)));
      return marks.every((v) => v === n);
    }),
  };
}

before(async () => {
  h = await startHarness();
  const security = { superadmins: [admin.id] };
  a = await openPeer(h, { room, security, phrase: admin.phrase });
  b = await openPeer(h, { room, security, phrase: user.phrase });
  m = await openPeer(h, { room, security, phrase: mallory.phrase });
  await fullMesh([a, b, m]);
  settledLogs = await Promise.all([a, b, m].map((p) => p.evaluate(() => window.peerLog.length)));
  // What mallory receives, as (type, id, value, clock): enough to replay an op signed as a group of one.
  await m.evaluate(async () => {
    const { decode } = await import('/js/core/msgpack.js');
    window.seen = [];
    window.db.room._channel('~sync').on('message', (bytes) => {
      const msg = decode(bytes);
      if (msg[1] !== 2) return;
      for (const e of msg[7]) window.seen.push({ type: e[0], id: e[1], value: e[2], wall: String(e[3]), counter: String(e[4]), peer: String(e[5]) });
    });
  });
  await a.evaluate((id) => window.db.roles.grant(id, 'user'), user.id);
  await roleIs(user, 'user');
});

after(async () => {
  await Promise.all([a, b, m].map((p) => p?.close()));
  await h?.close();
});

/** Mallory sends `bytes` over her links to the honest peers. */
async function inject(bytes) {
  await m.evaluate(async ({ data, to }) => {
    const r = window.db.room;
    for (const id of to) {
      const peer = r.peers.find((p) => r.identityOf(p) === id);
      if (!peer) throw new Error(`mallory has no link to ${id}`);
      await r._channel('~sync').send(Uint8Array.from(data), peer);
    }
  }, { data: [...bytes], to: [admin.id, user.id] });
}
const live = (envelopes) => opsMessage(OpsMode.LIVE, envelopes);
const repair = (envelopes) => opsMessage(OpsMode.REPAIR, envelopes);

const honest = () => [a, b];
const statsOf = () => Promise.all(honest().map((p) => p.evaluate(() => window.db.stats())));
const holds = (page, id) => page.evaluate(async (x) => (await window.db.get(x)).result !== null, id);
const roleOf = (page, who) => page.evaluate((x) => window.db.roles.get(x), who.id);
async function roleIs(who, role) {
  await waitUntil(`${who.id.slice(0, 8)} is ${role} at both honest peers`,
    async () => (await Promise.all(honest().map((p) => roleOf(p, who)))).every((r) => r === role));
}
/** Waits until every honest peer holds `id` (what a message carries with it, or after it, was processed). */
async function arrived(id) {
  await waitUntil(`${id} at both honest peers`, async () => (await Promise.all(honest().map((p) => holds(p, id)))).every(Boolean));
}
async function absent(...ids) {
  for (const p of honest()) for (const id of ids) assert.equal(await holds(p, id), false, `${id} must not apply`);
}
/** Each honest peer's counters moved by exactly `expected` since `before` (others in REFUSALS by none). */
function moved(before, afterwards, expected) {
  for (let i = 0; i < before.length; i++) {
    for (const key of new Set([...REFUSALS, ...Object.keys(expected)])) {
      assert.equal(afterwards[i][key] - before[i][key], expected[key] ?? 0, `${['admin', 'user'][i]}: ${key}`);
    }
  }
}

test('1. a valid op signed for another room is opsForged; the same op signed for this room applies', async () => {
  const before = await statsOf();
  const elsewhere = signEach(admin, databaseId('', `${room}-other`), [put('from-another-room', { v: 1 })]);
  const here = signEach(admin, db, [put('signed-here', { v: 1 })]);
  await inject(repair([...elsewhere, ...here]));
  await arrived('signed-here');
  moved(before, await statsOf(), { opsForged: 1 });
  await absent('from-another-room');
});

test('8. a full state with one forged node among valid ones: the valid ones apply, the forged one is opsForged', async () => {
  const before = await statsOf();
  const state = signGroup(admin, db, [put('state-a', { v: 1 }), put('state-b', { v: 1 }), put('state-c', { v: 1 })]);
  state[1][2] = { v: 666 };
  await inject(opsMessage(OpsMode.STATE, state, { final: true }));
  await arrived('state-a');
  await arrived('state-c');
  moved(before, await statsOf(), { opsForged: 1 });
  await absent('state-b');
});

test('9. a validly signed op clocked two hours ahead waits (opsDeferred), the same op clocked now applies', async () => {
  const before = await statsOf();
  await inject(repair(signEach(admin, db, [put('far-future', { v: 1 }, Date.now() + 2 * 3_600_000), put('clocked-now', { v: 1 })])));
  await arrived('clocked-now');
  const afterwards = await statsOf();
  moved(before, afterwards, { opsDeferred: 1, deferred: 1 });
  await absent('far-future');
});

test('2. a guest\'s self-grant (admin) is held as opsUnauthorized; her own profile, which any role may write, applies', async () => {
  const before = await statsOf();
  const self = grantId(mallory.id, mallory.id, 'self');
  const done = mark();
  await inject(live(signEach(mallory, db, [put(self, { role: 'admin' }), done.op])));
  await done.seen();
  moved(before, await statsOf(), { opsUnauthorized: 1, unauthorized: 1 });
  await absent(self);
  for (const p of honest()) assert.equal(await roleOf(p, mallory), 'guest');
});

let userGrantAt;
test('3. a user (no assign) granting a friend user is opsUnauthorized; her write as a user applies', async () => {
  await a.evaluate((id) => window.db.roles.grant(id, 'user'), mallory.id);
  userGrantAt = now();
  await roleIs(mallory, 'user');
  const friend = person();
  const before = await statsOf();
  const grant = grantId(friend.id, mallory.id, 'friend');
  await inject(live(signEach(mallory, db, [put(grant, { role: 'user' }), put('by-mallory-as-user', { v: 1 })])));
  await arrived('by-mallory-as-user');
  moved(before, await statsOf(), { opsUnauthorized: 1, unauthorized: 1 });
  await absent(grant);
  for (const p of honest()) assert.equal(await roleOf(p, friend), 'guest');
});

test('6. after her revocation, an op clocked after it is opsUnauthorized; one clocked before it (back-dated, §10.5) applies', async () => {
  const revokedFrom = Date.now();
  assert.ok(revokedFrom - 1 > userGrantAt, 'a clock between the grant and the revocation');
  await a.evaluate((id) => window.db.roles.revoke(id), mallory.id);
  await roleIs(mallory, 'guest');
  const before = await statsOf();
  await inject(live(signEach(mallory, db, [put('after-revocation', { v: 1 }), put('back-dated', { v: 1 }, revokedFrom - 1)])));
  await arrived('back-dated');
  moved(before, await statsOf(), { opsUnauthorized: 1, unauthorized: 1 });
  await absent('after-revocation');
});

test('7. the old promoting grant replayed after the demotion is stale; the demotion holds and her next write is opsUnauthorized', async () => {
  const seen = await m.evaluate((prefix) => window.seen.filter((e) => e.id.startsWith(prefix)), `~grant/${mallory.id}/${admin.id}/`);
  const promoting = [...new Map(seen.filter((e) => e.value.role === 'user').map((e) => [`${e.id} ${e.wall} ${e.counter}`, e])).values()];
  assert.equal(promoting.length, 1, 'the admin\'s grant of user reached mallory once');
  const num = (s) => (BigInt(s) > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(s) : Number(s));
  const [g] = promoting;
  const replay = signEach(admin, db, [{ type: g.type, id: g.id, value: g.value, wall: num(g.wall), counter: num(g.counter), peer: num(g.peer) }]);
  let before = await statsOf();
  await inject(repair([...replay, ...signEach(admin, db, [put('replay-control', { v: 1 })])]));
  await arrived('replay-control');
  moved(before, await statsOf(), { opsStale: 1 });
  await roleIs(mallory, 'guest');
  before = await statsOf();
  const done = mark();
  await inject(live(signEach(mallory, db, [put('after-replay', { v: 1 }), done.op])));
  await done.seen();
  moved(before, await statsOf(), { opsUnauthorized: 1, unauthorized: 1 });
  await absent('after-replay');
  await roleIs(mallory, 'guest');
});

const friend2 = person(), friend3 = person();
test('4. an admin\'s grant above her role (superadmin) or of a superadmin never takes effect; her grant of user does', async () => {
  await a.evaluate((id) => window.db.roles.grant(id, 'admin'), mallory.id);
  await roleIs(mallory, 'admin');
  const grantsBefore = await statsOf();
  const top = grantId(friend2.id, mallory.id, 'top');
  const demotes = grantId(admin.id, mallory.id, 'demotes');
  const fine = grantId(friend3.id, mallory.id, 'fine');
  const fineAt = now();
  await inject(live(signGroup(mallory, db, [put(top, { role: 'superadmin' }), put(demotes, { role: 'guest' }), put(fine, { role: 'user' }, fineAt)])));
  await roleIs(friend3, 'user');
  moved(grantsBefore, await statsOf(), { grantsInvalid: 2 });
  await absent(top, demotes);
  for (const p of honest()) {
    assert.equal(await roleOf(p, friend2), 'guest');
    assert.equal(await roleOf(p, admin), 'superadmin');
  }
  // What the refused grant would have permitted is refused; what the valid one permits applies.
  const before = await statsOf();
  await inject(repair([...signEach(friend2, db, [put('by-friend2', { v: 1 })]), ...signEach(friend3, db, [put('by-friend3', { v: 1 })])]));
  await arrived('by-friend3');
  moved(before, await statsOf(), { opsUnauthorized: 1, unauthorized: 1 });
  await absent('by-friend2');
});

test('5. an op clocked after her role expired is opsUnauthorized; one clocked before the expiry applies', async () => {
  const expiresAt = Date.now() + 40_000;
  await a.evaluate(({ id, at }) => window.db.roles.grant(id, 'user', { expiresAt: at }), { id: mallory.id, at: expiresAt });
  const inTime = now();
  assert.ok(inTime < expiresAt, 'a clock before the expiry');
  await roleIs(mallory, 'user');
  const before = await statsOf();
  await inject(live(signEach(mallory, db, [put('after-expiry', { v: 1 }, expiresAt + 1), put('before-expiry', { v: 1 }, inTime)])));
  await arrived('before-expiry');
  moved(before, await statsOf(), { opsUnauthorized: 1, unauthorized: 1 });
  await absent('after-expiry');
});

test('the honest peers converge with none of the hostile effects, and every link stayed up', async () => {
  const state = await converged(honest(), { min: 10 });
  const ids = new Set(state.map(([id]) => id));
  for (const id of ['signed-here', 'state-a', 'state-c', 'clocked-now', 'by-mallory-as-user', 'back-dated', 'replay-control', 'by-friend3', 'before-expiry']) {
    assert.ok(ids.has(id), `${id} was accepted`);
  }
  for (const id of ['from-another-room', 'state-b', 'far-future', 'after-revocation', 'after-replay', 'by-friend2', 'after-expiry']) {
    assert.ok(!ids.has(id), `${id} never applied`);
  }
  assert.ok(![...ids].some((id) => id.startsWith(`~grant/${mallory.id}/${mallory.id}/`) || id.includes('/top') || id.includes('/demotes')));
  for (const p of [a, b, m]) {
    assert.equal(await peersOf(p), 2);
    assert.deepEqual(await p.evaluate((from) => window.peerLog.slice(from), settledLogs[[a, b, m].indexOf(p)]), []);
    assert.deepEqual(p.errors, []);
  }
});
