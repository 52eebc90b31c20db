/**
 * WebSocket framing (RFC 6455) for the server side: the handshake's accept key, the frame
 * header reader over received bytes, payload unmasking, and the frames the server writes
 * (unmasked, one frame per message).
 *
 * @internal
 * @module
 */

/** Opcodes. */
export const OP_CONT = 0, OP_TEXT = 1, OP_BINARY = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10;

/** Largest message (and frame) accepted, as Deno's server (64 MiB). */
export const MAX_MESSAGE = 64 * 1024 * 1024;

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** SHA-1 of `data` (the handshake needs it synchronously; Web Crypto is async only). */
export function sha1(data: Uint8Array): Uint8Array {
  const ml = data.length;
  const words = new Uint32Array((((ml + 8) >> 6) + 1) * 16);
  for (let i = 0; i < ml; i++) words[i >> 2] |= data[i] << (24 - (i & 3) * 8);
  words[ml >> 2] |= 0x80 << (24 - (ml & 3) * 8);
  words[words.length - 1] = ml * 8;
  words[words.length - 2] = Math.floor(ml / 0x20000000);
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  const w = new Uint32Array(80);
  for (let off = 0; off < words.length; off += 16) {
    for (let t = 0; t < 16; t++) w[t] = words[off + t];
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let t = 0; t < 80; t++) {
      const f = t < 20
        ? ((b & c) | (~b & d)) + 0x5a827999
        : t < 40
        ? (b ^ c ^ d) + 0x6ed9eba1
        : t < 60
        ? ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc
        : (b ^ c ^ d) + 0xca62c1d6;
      const tmp = (((a << 5) | (a >>> 27)) + f + e + w[t]) >>> 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = tmp;
    }
    h0 = (h0 + a) >>> 0;
    h1 = (h1 + b) >>> 0;
    h2 = (h2 + c) >>> 0;
    h3 = (h3 + d) >>> 0;
    h4 = (h4 + e) >>> 0;
  }
  const out = new Uint8Array(20);
  const v = new DataView(out.buffer);
  v.setUint32(0, h0);
  v.setUint32(4, h1);
  v.setUint32(8, h2);
  v.setUint32(12, h3);
  v.setUint32(16, h4);
  return out;
}

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`. */
export function acceptKey(key: string): string {
  const digest = sha1(new TextEncoder().encode(key + GUID));
  let s = "";
  for (const b of digest) s += String.fromCharCode(b);
  return btoa(s);
}

/** A frame header as read from the wire. */
export interface FrameHead {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** Payload length (may exceed the limit: checked by the caller). */
  length: number;
  /** The masking key as a little-endian word (XOR over a Uint32Array view). */
  mask: number;
  /** Header size in bytes. */
  size: number;
}

/**
 * Reads a frame header from `b[s, e)`; null when more bytes are needed. A 64-bit length with
 * its top bit set, or beyond 2^53, reads as Infinity (it is over every limit anyway).
 */
export function readHead(b: Uint8Array, s: number, e: number, out: FrameHead): boolean {
  if (e - s < 2) return false;
  const b0 = b[s], b1 = b[s + 1];
  let len = b1 & 0x7f, at = s + 2;
  if (len === 126) {
    if (e - at < 2) return false;
    len = (b[at] << 8) | b[at + 1];
    at += 2;
  } else if (len === 127) {
    if (e - at < 8) return false;
    const hi = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
    const lo = ((b[at + 4] << 24) | (b[at + 5] << 16) | (b[at + 6] << 8) | b[at + 7]) >>> 0;
    len = hi >= 0x200000 ? Infinity : hi * 0x100000000 + lo;
    at += 8;
  }
  const masked = (b1 & 0x80) !== 0;
  let mask = 0;
  if (masked) {
    if (e - at < 4) return false;
    mask = (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
    at += 4;
  }
  out.fin = (b0 & 0x80) !== 0;
  out.rsv = (b0 >> 4) & 7;
  out.opcode = b0 & 0x0f;
  out.masked = masked;
  out.length = len;
  out.mask = mask;
  out.size = at - s;
  return true;
}

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Unmasks `p` in place; `phase` is how many payload bytes came before `p` in its frame (the
 * key rotates with the byte's position).
 */
export function unmask(p: Uint8Array, mask: number, phase: number): void {
  const key = [mask & 255, (mask >>> 8) & 255, (mask >>> 16) & 255, mask >>> 24];
  let i = 0;
  const n = p.length;
  // bytes up to a word boundary of the buffer, then whole words, then the tail
  while (i < n && ((p.byteOffset + i) & 3) !== 0) {
    p[i] ^= key[(phase + i) & 3];
    i++;
  }
  const words = (n - i) >> 2;
  if (words > 0 && LE) {
    const r = (phase + i) & 3;
    const m = (key[r] | (key[(r + 1) & 3] << 8) | (key[(r + 2) & 3] << 16) |
      (key[(r + 3) & 3] << 24)) >>> 0;
    const w = new Uint32Array(p.buffer, p.byteOffset + i, words);
    for (let k = 0; k < words; k++) w[k] ^= m;
    i += words * 4;
  }
  for (; i < n; i++) p[i] ^= key[(phase + i) & 3];
}

/** A whole unmasked frame (FIN set) with `payload`, as the server sends it. */
export function encodeFrame(opcode: number, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const n = payload.length;
  const hl = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const f = new Uint8Array(hl + n);
  f[0] = 0x80 | opcode;
  if (n < 126) f[1] = n;
  else if (n < 65536) {
    f[1] = 126;
    f[2] = n >> 8;
    f[3] = n & 255;
  } else {
    f[1] = 127;
    const hi = Math.floor(n / 0x100000000), lo = n >>> 0;
    f[2] = hi >>> 24;
    f[3] = (hi >> 16) & 255;
    f[4] = (hi >> 8) & 255;
    f[5] = hi & 255;
    f[6] = lo >>> 24;
    f[7] = (lo >> 16) & 255;
    f[8] = (lo >> 8) & 255;
    f[9] = lo & 255;
  }
  f.set(payload, hl);
  return f;
}

/** A close frame's payload: nothing without a code, else the code and the reason's UTF-8. */
export function closePayload(code: number | undefined, reason: string): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const r = new TextEncoder().encode(reason);
  const p = new Uint8Array(2 + r.length);
  p[0] = code >> 8;
  p[1] = code & 255;
  p.set(r, 2);
  return p;
}

/** Close codes a peer may send (RFC 6455 7.4.1, and the registered and private ranges). */
export function validCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}
