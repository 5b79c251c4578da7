// The engine's C ABI (bindings/engine_abi.cc) seen from JS: bytes and a
// string go into the wasm heap, a Code and one reply buffer come back.
// Internal to js/core/.
import { CellgraphError, codeName } from './errors.js';
import { decode } from './msgpack.js';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Copies bytes into a fresh heap buffer the callee frees; 0 for none. */
export function toHeap(core, bytes) {
  if (!bytes || bytes.length === 0) return 0;
  const p = core._malloc(bytes.length);
  core.HEAPU8.set(bytes, p);  // HEAPU8 read after malloc: memory may have grown
  return p;
}

/**
 * The reply of the call that answered `code`, copied out of the heap; a
 * CellgraphError with its message when the code is not 0.
 * @returns {Uint8Array}
 */
export function reply(core, code) {
  const p = core._cg_reply_data();
  const out = core.HEAPU8.slice(p, p + core._cg_reply_size());
  if (code !== 0) throw new CellgraphError(codeName(code), fromUtf8.decode(out));
  return out;
}

/** reply() for an answer that is a secret: the heap's copy is wiped once copied. */
export function secretReply(core, code) {
  try { return reply(core, code); } finally { core._cg_reply_wipe(); }
}

export const replyText = (core, code) => fromUtf8.decode(reply(core, code));

/** One engine method: cg_engine_call(handle, method, bytes, text, number). */
export function callEngine(core, handle, method, bytes, text, number = 0) {
  const b = bytes ?? null;
  const t = text ? utf8.encode(text) : null;
  const tp = toHeap(core, t);
  const bp = toHeap(core, b);
  return reply(core, core._cg_engine_call(handle, method, bp, b ? b.length : 0, tp, t ? t.length : 0, number));
}

/** The core's version string. */
export const coreVersion = (core) => replyText(core, core._cg_version());

/** A sync message's description (core/sync/describe.h), a plain object: tests and debugging (rtc only). */
export function describeMessage(core, bytes) {
  return decode(reply(core, core._cg_describe_message(toHeap(core, bytes), bytes.length)));
}
