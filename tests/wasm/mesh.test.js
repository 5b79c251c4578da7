// The cellular mesh's signatures in the wasm module (bindings/rtc_abi.cc,
// js/core/rtc-abi.js): two or three Mesh handles in Node, signing with
// BIP-340 Schnorr under their room keys' secrets. A broadcast reaches its
// neighbour named by its origin; one whose origin names another peer is
// refused and counted, and the victim keeps its link; a mesh delivery on a
// library channel other than '~live' never reaches a channel
// (js/room/mesh-router.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadRtc } from '../../js/core/module.js';
import { encode } from '../../js/core/msgpack.js';
import { Mesh, sha256 } from '../../js/core/rtc-abi.js';
import { RoomKeys } from '../../js/signaling/room-keys.js';
import { MeshRouter } from '../../js/room/mesh-router.js';

let core;
const handles = [];
before(async () => { core = await loadRtc(); });
after(() => { for (const h of handles) h.delete(); });

async function peer() {
  const keys = await RoomKeys.derive({ room: 'mesh-test' });
  const mesh = keys.useSecret((secret) => new Mesh(core, keys.pubkey, secret, 8, 0));
  handles.push(mesh);
  return { id: keys.pubkey, keys, mesh, frames: [] };
}

// Moves every queued frame to its addressee until nothing moves.
function pump(peers, now, onFrame) {
  const byId = new Map(peers.map((p) => [p.id, p]));
  for (let moved = true; moved;) {
    moved = false;
    for (const p of peers) {
      const { frames, deliveries } = p.mesh.take();
      p.deliveries = [...(p.deliveries ?? []), ...deliveries];
      for (const [to, bytes] of frames) {
        moved = true;
        const q = byId.get(to);
        if (q && !onFrame?.(p, q, bytes)) q.mesh.receive(p.id, bytes, now);
      }
    }
  }
}

function link(a, b, now = 0) {
  a.mesh.linkUp(b.id, now);
  b.mesh.linkUp(a.id, now);
}

test('a mesh signs as its room key: a secret of another key is refused', async () => {
  const a = await peer(), b = await peer();
  assert.equal(a.mesh.state().self, a.id);
  assert.throws(() => b.keys.useSecret((secret) => new Mesh(core, a.id, secret, 8, 0)),
    { name: 'CellgraphError', code: 'INVALID_ARGUMENT', message: /secret key is not the key of its peer id/ });
  // Nor is a secret that is no key at all.
  assert.throws(() => new Mesh(core, a.id, new Uint8Array(32), 8, 0), { name: 'CellgraphError', code: 'INVALID_ARGUMENT' });
  assert.throws(() => new Mesh(core, a.id, 'not bytes', 8, 0), { name: 'CellgraphError', code: 'INVALID_ARGUMENT' });
});

test('a broadcast is delivered named by its origin; a forged origin is refused and counted', async () => {
  const a = await peer(), b = await peer(), m = await peer();
  link(a, b);
  link(m, b);
  pump([a, b, m], 1);
  assert.equal(b.mesh.state().roster.length, 3);

  assert.match(a.mesh.send('', encode(['chat', 'hello', null]), 10), /^\d+$/);
  pump([a, b, m], 10);
  assert.deepEqual(b.deliveries.map((d) => d.origin), [a.id]);

  // m signs a '~sync' broadcast as itself, then rewrites its origin to a
  // (and its id to one of a's): the bytes a relay would see.
  assert.match(m.mesh.send('', encode(['~sync', new Uint8Array([0xde, 0xad]), null]), 20), /^\d+$/);
  const [[, mine]] = m.mesh.take().frames.filter(([to]) => to === b.id);
  const forged = forgeOrigin(mine, m.id, a.id);
  const before = b.mesh.state().stats;
  assert.throws(() => b.mesh.receive(m.id, forged, 21), { name: 'CellgraphError', code: 'BAD_SIGNATURE' });
  const after = b.mesh.state().stats;
  assert.equal(after.refusedSignature, before.refusedSignature + 1);
  pump([a, b, m], 22);
  assert.equal(b.deliveries.length, 1, 'nothing forged is delivered');
  assert.ok(b.mesh.state().links.includes(a.id), 'the victim keeps its link');
});

// The FLOOD `bytes` with origin `from` replaced by `to` (ids are 64 hex
// digits, so the layout stays) and its id's top 40 bits by those of `to`'s
// key: everything a forger can change without `to`'s secret.
function forgeOrigin(bytes, from, to) {
  const out = bytes.slice();
  const at = Buffer.from(out).indexOf(Buffer.from(from));
  assert.ok(at > 0);
  out.set(new TextEncoder().encode(to), at);
  const key = sha256(core, new TextEncoder().encode(to));
  out.set(key.subarray(0, 5), 8);  // the id: 0xcf at byte 7, then 8 bytes
  out[15] ^= 0x80;  // and not an id of a's already seen (that copy would be dropped as a duplicate)
  return out;
}

test('a mesh delivery on a library channel other than ~live never reaches a channel', async () => {
  const delivered = [];
  const make = async (name) => {
    const keys = await RoomKeys.derive({ room: 'mesh-router-test' });
    const p = { id: keys.pubkey, queue: [] };
    p.router = new MeshRouter(core, {
      self: keys.pubkey, keys, cellSize: 8,
      sendFrame: (to, bytes) => p.queue.push([to, bytes]),
      deliver: (channel, data, origin) => delivered.push({ at: name, channel, data, origin }),
      dial() {}, hangup() {},
    });
    return p;
  };
  const b = await make('b'), m = await make('m');
  const peers = new Map([[b.id, b], [m.id, m]]);
  const flush = () => {
    for (let moved = true; moved;) {
      moved = false;
      for (const p of peers.values()) {
        for (const [to, bytes] of p.queue.splice(0)) { moved = true; peers.get(to)?.router.frame(p.id, bytes); }
      }
    }
  };
  try {
    b.router.linkUp(m.id);
    m.router.linkUp(b.id);
    flush();
    // A hostile m calls its router directly (Room would send these per link).
    for (const channel of ['~sync', '~mesh', '~anything', '~live', 'chat']) m.router.send(channel, 'x', null);
    flush();
    assert.deepEqual(delivered.map((d) => d.channel).sort(), ['chat', '~live']);
    assert.ok(delivered.every((d) => d.origin === m.id && d.at === 'b'));
    assert.equal(b.router.getState().stats.refusedReserved, 3);
  } finally {
    b.router.destroy();
    m.router.destroy();
  }
});
