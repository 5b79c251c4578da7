// Compiled (never run) by `tsc -p tests/types`: every public member used the
// way the README and docs use it, so js/index.d.ts cannot drift from them
// unnoticed. Lines marked @ts-expect-error must stay errors.
import { open, ready, CellgraphError, ErrorCode, Identity, type Database, type MapEvent, type RemoteOp } from '../../js/index.js';

interface Task { title: string; rank: number; done: boolean; tags?: string[]; owner?: { name: string } }

async function usage(): Promise<void> {
  const { version } = await ready();
  const db: Database = await open('todo', { storage: 'opfs-sync', rtc: { relayUrls: ['ws://127.0.0.1:7447'], password: 'pw', iceServers: [], cells: { cellSize: 8 },
    maxConnections: 32, maxNewPeersPerMinute: 16, maxMessageBytes: 8 * 1024 * 1024 } });
  const local = await open('local');
  const me = await Identity.create();
  const restored: Identity = await Identity.restore(me.exportPhrase());
  await me.save('me', { protect: 'passkey' });
  const kept: Identity = await Identity.load('me');
  await Identity.forget(kept.id);
  const secured = await open('secured', { identity: me, security: { superadmins: [me.id, restored], roles: [{ name: 'reader', can: ['read'] }, { name: 'boss', can: ['write', 'assign'] }] } });
  await secured.roles.grant(restored.id, 'user', { expiresAt: new Date(), notBefore: 0 });
  const role: string = await secured.roles.get(me);
  await secured.roles.revoke(me);
  console.log(role, secured.identity?.id, (await secured.stats()).opsForged);
  // @ts-expect-error identities come from create() or restore()
  new Identity();
  const id: string = await db.put({ title: 'ship', rank: 1, done: false });
  const ids: string[] = await db.putMany([[{ title: 'a', rank: 2, done: false }], [{ title: 'b', rank: 3, done: true }, 'b']]);
  await db.link(id, ids[0]);
  await db.unlink(id, ids[0]);
  await db.put<Task>({ title: 'typed', rank: 2, done: true, tags: ['a'], owner: { name: 'ada' } });
  const card: Task = { title: 'interface', rank: 3, done: false };
  await db.put(card, 'card');
  // @ts-expect-error a function is not storable
  await db.put({ f: () => 1 });
  // @ts-expect-error a Date would be stored as a string
  await db.put({ at: new Date() });
  const typed = await db.get<Task>('card');
  console.log(typed.result?.value.title.toUpperCase());
  const { result } = await db.get(id);
  if (result) console.log(result.id, result.value, result.edges.length);
  const reactive = await db.get(id, (node) => console.log(node?.value ?? null));
  await reactive.unsubscribe();
  const { results, unsubscribe } = await db.map<Task>({ query: { done: false, rank: { $gte: 1 } }, field: 'rank', order: 'desc', $limit: 10 },
    (e: MapEvent<Task>) => console.log(e.action, e.value?.title));
  console.log(results.map((n) => n.value.title), version, db.info.storage, db.role);
  await unsubscribe?.();
  await db.map((e) => console.log(e.id), { query: { $text: 'ship' } });
  const stop = db.use((ops: RemoteOp[], { peer }) => ops.filter((op) => op.type !== 'remove' && peer.length > 0));
  stop();
  db.use(async (ops) => ops.slice(1));
  const room = db.room;
  if (room) {
    room.on('peer:join', (peer) => console.log(room.self, peer, room.peers.length));
    room.on('peer:leave', (peer, reason) => console.log(peer, reason));
    const files = room.channel('files');
    files.on('message', (data, peer, meta) => console.log(data, peer, meta));
    files.on('progress', (fraction) => console.log(fraction.toFixed(2)));
    await files.send(new Uint8Array(10), undefined, { name: 'x' }, (fraction, peer) => console.log(fraction, peer));
    await files.send({ hello: 'json' }, [room.peers[0]]);
    console.log(await room.ping(room.peers[0]), room.relays[0]?.state, room.stats().peers);
    const stats = room.stats();
    console.log(stats.connections.live <= stats.connections.max, stats.refused.rate, stats.violations.inFlight,
      stats.signaling.ignored.duplicate, stats.links[room.peers[0]]?.bufferedBytes);
    try { await files.send(new Uint8Array(1)); } catch (err) { if (err instanceof CellgraphError && err.code === 'TOO_LARGE') console.log(err.message); }
    const mesh = room.mesh?.getState();
    if (mesh) console.log(mesh.cell, mesh.bridges.length, mesh.isBridge, mesh.roster.length, mesh.ttl, mesh.stats.duplicates);
    room.leave();
  }
  try { await db.put({ title: 'x', rank: 0, done: false }); } catch (err) {
    if (err instanceof CellgraphError && err.code === 'CLOSED') console.log(ErrorCode.CLOSED);
  }
  await db.remove(id);
  const stats = await db.stats();
  console.log(stats.nodes, stats.opsDeferred, stats.messagesRefused, stats.storageErrors);
  await db.clear();
  await db.close();
  await local.close();
  // @ts-expect-error a value must be an object
  await local.put('not an object');
  // @ts-expect-error unknown storage kind
  await open('x', { storage: 'cookies' });
  // @ts-expect-error room events are named
  db.room?.on('peer:joined', () => {});
}
void usage;
