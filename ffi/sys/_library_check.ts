/**
 * Checks a shared library before `Deno.dlopen` maps it, so that a damaged file is an error that
 * names it instead of a crash: `dlopen` maps a library's segments as the program headers describe
 * them, and touching a page past the end of a truncated file is SIGBUS; flipped bytes in code are
 * SIGILL or SIGSEGV the first time they run.
 *
 * - {@link elfProblem}: the size and ELF header of any library (`DENO_URING_LIB`, a local build, a
 *   prebuilt one): a 64-bit little-endian `ET_DYN` for this machine, with its program headers,
 *   the segments they describe and its section header table inside the file.
 * - {@link sha256Hex}: the digest a pinned library (`native/dist/`, the URL cache) must have.
 *   Synchronous, so that the loader keeps its synchronous first use: about 2 ms for the 18 KiB
 *   library on its first run (the only one at load), 0.35 ms once V8 has compiled it.
 * - {@link readLibrary}: the bytes, with `Deno.readFileSync` when `--allow-read` covers the path,
 *   else through libc's `fopen`/`fread`: a clone runs with `--allow-ffi` alone, and `--allow-ffi`
 *   is full trust already (`dlopen` maps the same file).
 *
 * @module
 */
import { libc } from "./_libc.ts";

/** The largest file taken for a library; the shim is about 18 KiB, a debug build a few hundred. */
const MAX_LIBRARY_BYTES = 64 << 20;

/** `e_machine` of the architectures Deno runs on Linux, by `Deno.build.arch`. */
const MACHINE: Readonly<Record<string, number>> = { x86_64: 62, aarch64: 183 };
const MACHINE_NAME: Readonly<Record<number, string>> = {
  3: "i386",
  8: "mips",
  20: "powerpc",
  21: "powerpc64",
  22: "s390",
  40: "arm",
  62: "x86_64",
  183: "aarch64",
  243: "riscv64",
};
const ELF_TYPE: Readonly<Record<number, string>> = {
  1: "a relocatable object (ET_REL, a .o file)",
  2: "an executable (ET_EXEC)",
  4: "a core dump (ET_CORE)",
};

/**
 * What is wrong with `bytes` as a shared library for `arch`, or `undefined` when its header,
 * program headers and section header table are sound and lie inside the file.
 *
 * @param bytes The whole file.
 * @param arch A `Deno.build.arch` value; defaults to this machine's.
 * @returns A phrase that follows the file's name ("is 8000 bytes, but ..."), or `undefined`.
 */
export function elfProblem(bytes: Uint8Array, arch: string = Deno.build.arch): string | undefined {
  const size = bytes.length;
  if (size < 64) return `is ${size} bytes, too small for an ELF shared library`;
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    return "is not an ELF file (it does not start with \\x7fELF)";
  }
  if (bytes[4] !== 2) return `is a ${bytes[4] === 1 ? "32-bit" : "malformed"} ELF file, not 64-bit`;
  if (bytes[5] !== 1) return "is a big-endian ELF file, not little-endian";
  const dv = new DataView(bytes.buffer, bytes.byteOffset, size);
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  const want = MACHINE[arch];
  if (machine !== want) {
    return `is built for ${MACHINE_NAME[machine] ?? `ELF machine ${machine}`}, but this ` +
      `machine is ${arch}`;
  }
  if (type !== 3) {
    return `is ${ELF_TYPE[type] ?? `ELF type ${type}`}, not a shared library (ET_DYN)`;
  }
  const phoff = Number(dv.getBigUint64(32, true));
  const shoff = Number(dv.getBigUint64(40, true));
  const phentsize = dv.getUint16(54, true), phnum = dv.getUint16(56, true);
  const shentsize = dv.getUint16(58, true), shnum = dv.getUint16(60, true);
  const damaged = `is truncated or damaged (${size} bytes)`;
  if (phnum === 0 || phentsize !== 56) return `${damaged}: it has no program headers`;
  if (phoff + phnum * 56 > size) {
    return `${damaged}: its program headers end at byte ${phoff + phnum * 56}`;
  }
  let loads = 0;
  for (let i = 0, at = phoff; i < phnum; i++, at += 56) {
    if (dv.getUint32(at, true) === 1) loads++; // PT_LOAD
    const offset = Number(dv.getBigUint64(at + 8, true));
    const filesz = Number(dv.getBigUint64(at + 32, true));
    if (filesz !== 0 && offset + filesz > size) {
      return `${damaged}: segment ${i} ends at byte ${offset + filesz}`;
    }
  }
  if (loads === 0) return `${damaged}: it has no loadable segment`;
  if (shoff !== 0) {
    if (shentsize !== 64) return `${damaged}: its section header size is ${shentsize}, not 64`;
    const end = shoff + Math.max(shnum, 1) * 64;
    if (end > size) return `${damaged}: its section header table ends at byte ${end}`;
  }
  return undefined;
}

/**
 * The bytes of the library at `path`, or `undefined` when there is no such file (or it cannot be
 * opened).
 *
 * @param path An absolute path, or one relative to the working directory.
 * @returns The whole file.
 * @throws {Error} When the file is larger than 64 MiB (no shim is) or cannot be read.
 */
export function readLibrary(path: string): Uint8Array<ArrayBuffer> | undefined {
  let state = "denied";
  try {
    state = Deno.permissions.querySync({ name: "read", path }).state;
  } catch { /* read it through libc */ }
  if (state !== "granted") return readWithLibc(path);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    if (Deno.statSync(path).size > MAX_LIBRARY_BYTES) throw tooLarge(path);
    bytes = Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  return bytes;
}

function tooLarge(path: string): Error {
  return new Error(`${path} is larger than ${MAX_LIBRARY_BYTES >> 20} MiB: it is not the shim`);
}

/** {@link readLibrary} without `--allow-read`: stdio from the libc Deno itself runs on. */
function readWithLibc(path: string): Uint8Array<ArrayBuffer> | undefined {
  const enc = new TextEncoder();
  const c = libc();
  const f = c.fopen(enc.encode(`${path}\0`), enc.encode("rbe\0"));
  if (f === null) return undefined;
  try {
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(64 << 10);
      const n = Number(c.fread(chunk, 1n, BigInt(chunk.length), f));
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > MAX_LIBRARY_BYTES) throw tooLarge(path);
      if (n < chunk.length) break;
    }
    if (c.ferror(f) !== 0) throw new Error(`Reading ${path} failed (is it a directory?)`);
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  } finally {
    c.fclose(f);
  }
}

/** SHA-256 round constants: the first 32 bits of the fractional cube roots of the first 64 primes. */
const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

/**
 * SHA-256 of `data` as 64 lowercase hex digits (FIPS 180-4), synchronously: `crypto.subtle` is
 * asynchronous and `node:crypto` costs about 20 ms to import. Written for its first run, which
 * is the one that counts at load (the rotations are spelled out, no calls in the rounds).
 *
 * @param data The bytes to hash.
 * @returns The digest in hex.
 */
export function sha256Hex(data: Uint8Array): string {
  const len = data.length;
  const p = new Uint8Array(((len + 9 + 63) >>> 6) << 6);
  p.set(data);
  p[len] = 0x80;
  const end = p.length;
  const hi = Math.floor(len / 0x20000000), lo = (len * 8) >>> 0;
  p[end - 8] = hi >>> 24;
  p[end - 7] = hi >>> 16;
  p[end - 6] = hi >>> 8;
  p[end - 5] = hi;
  p[end - 4] = lo >>> 24;
  p[end - 3] = lo >>> 16;
  p[end - 2] = lo >>> 8;
  p[end - 1] = lo;
  const h = new Int32Array([
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
  ]);
  const w = new Int32Array(64);
  for (let off = 0; off < end; off += 64) {
    for (let i = 0, j = off; i < 16; i++, j += 4) {
      w[i] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15], y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (let i = 0; i < 64; i++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (k + s1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
  }
  return Array.from(h, (x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
}
