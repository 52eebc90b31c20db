/**
 * Path ops of the Deno-shaped functions on pooled memory: each path is encoded into a slot of
 * memory kept per ring (addresses looked up once per chunk), so a call makes no C string, no
 * `UnsafePointer.of` and no `WeakMap` entry, which a fresh buffer per path costs (with the GC
 * of it, about half of the JavaScript time of a `mkdir` here). A slot goes back once its op has
 * settled, which is after its CQE. Paths that do not fit a slot take a buffer of their own.
 *
 * @internal
 * @module
 */
import { _rawOp, type _Slots, _slotsOf, type AsyncRing } from "../async/mod.ts";
import { addressOf, utf8Encoder } from "../sys/mod.ts";
import { AT_FDCWD } from "../ring/mod.ts";

/** Bytes per slot: a `struct statx` and a path, or the two paths of a `rename`. */
export const SLOT = 1024;
/** Where a slot's path starts when a `struct statx` (256 bytes) comes first. */
export const STATX_AT = 256;

const memory = new WeakMap<AsyncRing, _Slots>();
/** Paths in memory of their own, referenced here while their op is in flight. */
const held = new Set<Uint8Array>();

/** The path memory of `io`, made on first use. */
export function _pathMemory(io: AsyncRing): _Slots {
  return _slotsOf(memory, io, SLOT, 64, Infinity) as _Slots;
}

/**
 * Writes `path` and a NUL into `mem` at `at`, in at most `room` bytes (ASCII byte by byte,
 * without the `subarray` that `encodeInto` needs).
 *
 * @returns the bytes written with the NUL, or -1 when it does not fit
 */
export function _encodeAt(mem: Uint8Array, at: number, room: number, path: string): number {
  const n = path.length;
  if (n < room) {
    let j = 0;
    for (; j < n; j++) {
      const c = path.charCodeAt(j);
      if (c >= 0x80) break;
      mem[at + j] = c;
    }
    if (j === n) {
      mem[at + n] = 0;
      return n + 1;
    }
  }
  if (room < 2) return -1;
  const { read, written } = utf8Encoder().encodeInto(path, mem.subarray(at, at + room - 1));
  if (read !== n) return -1;
  mem[at + written] = 0;
  return written + 1;
}

/** `path` as a C string in memory of its own (longer than a slot): kept by the caller. */
function ownCString(path: string): Uint8Array<SharedArrayBuffer> {
  const buf = new Uint8Array(new SharedArrayBuffer(path.length * 3 + 1));
  _encodeAt(buf, 0, buf.length, path);
  return buf;
}

/**
 * Runs op `op` on `path` (at `AT_FDCWD`) with `len` and `opFlags` as its fields; resolves to
 * the CQE's `res`, rejects with `UringError`.
 */
export async function _pathOp(
  io: AsyncRing,
  name: string,
  op: number,
  path: string,
  len: number,
  opFlags: number,
): Promise<number> {
  const mem = _pathMemory(io);
  const slot = mem.take();
  try {
    if (_encodeAt(mem.chunk(slot), mem.offset(slot), SLOT, path) < 0) {
      const own = ownCString(path);
      held.add(own);
      try {
        return await _rawOp(io, name, op, AT_FDCWD, addressOf(own), len, 0, opFlags);
      } finally {
        held.delete(own);
      }
    }
    return await _rawOp(io, name, op, AT_FDCWD, mem.address(slot), len, 0, opFlags);
  } finally {
    mem.give(slot);
  }
}

/**
 * Runs a two-path op (`renameat`, `linkat`: `from` in `addr`, `to` in `off`, `AT_FDCWD` for
 * both directories); resolves to the CQE's `res`, rejects with `UringError`.
 */
export async function _twoPathOp(
  io: AsyncRing,
  name: string,
  op: number,
  from: string,
  to: string,
  opFlags: number,
): Promise<number> {
  const mem = _pathMemory(io);
  const slot = mem.take();
  try {
    const chunk = mem.chunk(slot), at = mem.offset(slot);
    const a = _encodeAt(chunk, at, SLOT, from);
    const b = a < 0 ? -1 : _encodeAt(chunk, at + a, SLOT - a, to);
    if (b < 0) {
      const f = ownCString(from), t = ownCString(to);
      held.add(f).add(t);
      try {
        const [fa, ta] = [addressOf(f), addressOf(t)];
        return await _rawOp(io, name, op, AT_FDCWD, fa, AT_FDCWD, ta, opFlags);
      } finally {
        held.delete(f);
        held.delete(t);
      }
    }
    const addr = mem.address(slot);
    return await _rawOp(io, name, op, AT_FDCWD, addr, AT_FDCWD, addr + a, opFlags);
  } finally {
    mem.give(slot);
  }
}
