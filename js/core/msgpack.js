// MessagePack for the boundary with the core (core/api/boundary.h).
//
// encode() writes the same canonical form as the core (PROTOCOL.md §2): map
// keys in byte order, shortest integers, integral numbers up to 2^53 as
// integers, other numbers as float64. Objects' undefined members are skipped,
// as JSON.stringify does. decode() reads integers beyond 2^53 as BigInt.

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

class Writer {
  constructor() { this.buf = new Uint8Array(256); this.view = new DataView(this.buf.buffer); this.pos = 0; }
  ensure(n) {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(x) { this.ensure(1); this.buf[this.pos++] = x; }
  u16(x) { this.ensure(2); this.view.setUint16(this.pos, x); this.pos += 2; }
  u32(x) { this.ensure(4); this.view.setUint32(this.pos, x); this.pos += 4; }
  u64(x) { this.ensure(8); this.view.setBigUint64(this.pos, BigInt(x)); this.pos += 8; }
  i64(x) { this.ensure(8); this.view.setBigInt64(this.pos, BigInt(x)); this.pos += 8; }
  f64(x) { this.ensure(8); this.view.setFloat64(this.pos, x); this.pos += 8; }
  bytes(b) { this.ensure(b.length); this.buf.set(b, this.pos); this.pos += b.length; }
  result() { return this.buf.slice(0, this.pos); }
}

function writeInt(w, x) {
  if (x >= 0) {
    if (x < 0x80) w.u8(x);
    else if (x < 0x100) { w.u8(0xcc); w.u8(x); }
    else if (x < 0x10000) { w.u8(0xcd); w.u16(x); }
    else if (x < 0x100000000) { w.u8(0xce); w.u32(x); }
    else { w.u8(0xcf); w.u64(x); }
  } else if (x >= -32) w.u8(x & 0xff);
  else if (x >= -0x80) { w.u8(0xd0); w.u8(x & 0xff); }
  else if (x >= -0x8000) { w.u8(0xd1); w.u16(x & 0xffff); }
  else if (x >= -0x80000000) { w.u8(0xd2); w.u32(x >>> 0); }
  else { w.u8(0xd3); w.i64(x); }
}

function writeHeader(w, n, fix, fixMax, c16, c32) {
  if (n <= fixMax) w.u8(fix | n);
  else if (n < 0x10000) { w.u8(c16); w.u16(n); }
  else { w.u8(c32); w.u32(n); }
}

function writeString(w, s) {
  if (s.length < 32 && !/[^\x00-\x7f]/.test(s)) {  // short ASCII: the common key, written in place
    w.u8(0xa0 | s.length);
    w.ensure(s.length);
    for (let i = 0; i < s.length; i++) w.buf[w.pos++] = s.charCodeAt(i);
    return;
  }
  const b = textEncoder.encode(s);
  if (b.length < 32) w.u8(0xa0 | b.length);
  else if (b.length < 0x100) { w.u8(0xd9); w.u8(b.length); }
  else if (b.length < 0x10000) { w.u8(0xda); w.u16(b.length); }
  else { w.u8(0xdb); w.u32(b.length); }
  w.bytes(b);
}

// UTF-16 code units order strings as UTF-8 bytes do, except where a
// surrogate (U+D800..U+DFFF) meets U+E000..U+FFFF: only then encode.
const wideUnit = /[\ud800-\uffff]/;
const compareUtf8 = (a, b) => {
  if (!wideUnit.test(a) && !wideUnit.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = textEncoder.encode(a), y = textEncoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};

function write(w, v, depth) {
  if (depth > 64) throw new RangeError('value nests too deeply');
  if (v === null || v === undefined) return w.u8(0xc0);
  switch (typeof v) {
    case 'boolean': return w.u8(v ? 0xc3 : 0xc2);
    case 'number':
      if (Number.isInteger(v) && Math.abs(v) <= MAX_SAFE) return writeInt(w, v);
      if (!Number.isFinite(v)) throw new TypeError('non-finite numbers cannot be stored');
      w.u8(0xcb); return w.f64(v);
    case 'bigint':
      if (v >= 0n) { w.u8(0xcf); return w.u64(v); }
      w.u8(0xd3); return w.i64(v);
    case 'string': return writeString(w, v);
    case 'object': {
      if (v instanceof Uint8Array) {
        if (v.length < 0x100) { w.u8(0xc4); w.u8(v.length); }
        else if (v.length < 0x10000) { w.u8(0xc5); w.u16(v.length); }
        else { w.u8(0xc6); w.u32(v.length); }
        return w.bytes(v);
      }
      if (Array.isArray(v)) {
        writeHeader(w, v.length, 0x90, 15, 0xdc, 0xdd);
        for (const e of v) write(w, e, depth + 1);
        return;
      }
      if (v instanceof Date) return writeString(w, v.toISOString());
      const keys = Object.keys(v).filter((k) => v[k] !== undefined && typeof v[k] !== 'function');
      keys.sort(compareUtf8);
      writeHeader(w, keys.length, 0x80, 15, 0xde, 0xdf);
      for (const k of keys) { writeString(w, k); write(w, v[k], depth + 1); }
      return;
    }
    default: throw new TypeError(`cannot encode a ${typeof v}`);
  }
}

/** @returns {Uint8Array} */
export function encode(value) {
  const w = new Writer();
  write(w, value, 0);
  return w.result();
}

class Reader {
  constructor(bytes) { this.b = bytes; this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength); this.p = 0; }
  need(n) { if (this.p + n > this.b.length) throw new RangeError('MessagePack data is truncated'); }
  u8() { this.need(1); return this.b[this.p++]; }
  u16() { this.need(2); const x = this.v.getUint16(this.p); this.p += 2; return x; }
  u32() { this.need(4); const x = this.v.getUint32(this.p); this.p += 4; return x; }
  u64() { this.need(8); const x = this.v.getBigUint64(this.p); this.p += 8; return x <= MAX_SAFE ? Number(x) : x; }
  i64() { this.need(8); const x = this.v.getBigInt64(this.p); this.p += 8; return x >= -MAX_SAFE && x <= MAX_SAFE ? Number(x) : x; }
  str(n) { this.need(n); const s = textDecoder.decode(this.b.subarray(this.p, this.p + n)); this.p += n; return s; }
  bin(n) { this.need(n); const s = this.b.slice(this.p, this.p + n); this.p += n; return s; }
  arr(n) { const a = new Array(n); for (let i = 0; i < n; i++) a[i] = this.any(); return a; }
  map(n) {
    const o = {};
    for (let i = 0; i < n; i++) {
      const k = this.any();
      if (typeof k !== 'string') throw new TypeError('map key is not a string');
      const v = this.any();
      // "__proto__" must become an own property, not the prototype.
      if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      else o[k] = v;
    }
    return o;
  }
  any() {
    const t = this.u8();
    if (t < 0x80) return t;
    if (t < 0x90) return this.map(t & 0x0f);
    if (t < 0xa0) return this.arr(t & 0x0f);
    if (t < 0xc0) return this.str(t & 0x1f);
    if (t >= 0xe0) return t - 0x100;
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.u8());
      case 0xc5: return this.bin(this.u16());
      case 0xc6: return this.bin(this.u32());
      case 0xca: { this.need(4); const x = this.v.getFloat32(this.p); this.p += 4; return x; }
      case 0xcb: { this.need(8); const x = this.v.getFloat64(this.p); this.p += 8; return x; }
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: return this.u64();
      case 0xd0: return (this.u8() << 24) >> 24;
      case 0xd1: return (this.u16() << 16) >> 16;
      case 0xd2: return this.u32() | 0;
      case 0xd3: return this.i64();
      case 0xd9: return this.str(this.u8());
      case 0xda: return this.str(this.u16());
      case 0xdb: return this.str(this.u32());
      case 0xdc: return this.arr(this.u16());
      case 0xdd: return this.arr(this.u32());
      case 0xde: return this.map(this.u16());
      case 0xdf: return this.map(this.u32());
      default: throw new TypeError(`unsupported MessagePack type 0x${t.toString(16)}`);
    }
  }
}

export function decode(bytes) {
  const r = new Reader(bytes);
  const v = r.any();
  if (r.p !== bytes.length) throw new RangeError('trailing bytes after MessagePack data');
  return v;
}
