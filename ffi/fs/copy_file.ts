/**
 * `copyFile`: Deno's `Deno.copyFile` on io_uring: `openat`, `statx`, linked `read`/`write`.
 *
 * @module
 */
import {
  _rawLink,
  _rawOp,
  type _Slots,
  _slotsOf,
  type AsyncRing,
  defaultRing,
  readFile as readFileRing,
  type StatxResult,
} from "../async/mod.ts";
import {
  checkPath,
  type DenoFsError,
  Errno,
  lendToKernel,
  Op,
  OpenFlag,
  pathOf,
  StatxMask,
  UringError,
} from "../sys/mod.ts";
import { AT_FDCWD, decodeStatx } from "../ring/mod.ts";
import { _checkSpecialFile, _nulTwoPathError, _opError2 } from "./_common.ts";
import { _encodeAt, _pathMemory, SLOT, STATX_AT } from "./_path_ops.ts";

// Deno's own, taken at load: a program (or a test harness) may swap `Deno.x` for this module's.
const denoChmod = Deno.chmod;

/** Bytes moved by one linked read/write pair, at most. */
const CHUNK = 1 << 20;
/** Bytes per read past the size `statx` gave (files of `/proc`, files growing meanwhile). */
const REST_CHUNK = 64 * 1024;

const SRC_FLAGS = OpenFlag.RDONLY | OpenFlag.CLOEXEC;
const NEW_FLAGS = OpenFlag.WRONLY | OpenFlag.CREAT | OpenFlag.EXCL | OpenFlag.CLOEXEC;
const DEST_FLAGS = OpenFlag.WRONLY | OpenFlag.CREAT | OpenFlag.TRUNC | OpenFlag.CLOEXEC;

/** Deno's `InvalidInput` errors of `copy`: a `TypeError` with code `EINVAL`. */
function invalidInput(text: string, from: string, to: string): DenoFsError {
  const err = new TypeError(`${text}: copy '${from}' -> '${to}'`) as DenoFsError;
  err.code = "EINVAL";
  err.errno = Errno.EINVAL;
  return err;
}

function sameFile(a: StatxResult, b: StatxResult): boolean {
  return a.ino === b.ino && a.devMajor === b.devMajor && a.devMinor === b.devMinor;
}

let umaskRead: Promise<number | undefined> | undefined;

/**
 * The process's umask (`Umask:` of `/proc/self/status`; `Deno.umask()` would need
 * `--allow-sys`), read once for all the copies started in one turn.
 */
function umask(io: AsyncRing): Promise<number | undefined> {
  if (umaskRead === undefined) {
    umaskRead = readFileRing(io, "/proc/self/status").then((bytes) => {
      const m = /\nUmask:\s*([0-7]+)/.exec(new TextDecoder().decode(bytes));
      return m === null ? undefined : parseInt(m[1], 8);
    }, () => undefined);
    queueMicrotask(() => umaskRead = undefined);
  }
  return umaskRead;
}

/** `copyFile` on `io`; see {@link copyFile}. */
export async function _copyFileOn(
  io: AsyncRing,
  fromPath: string | URL,
  toPath: string | URL,
): Promise<void> {
  const from = pathOf(fromPath);
  const to = pathOf(toPath);
  checkPath("read", from);
  checkPath("write", to);
  _checkSpecialFile(from, false);
  _checkSpecialFile(to, true);
  const nul = _nulTwoPathError("copy", from, to);
  if (nul !== undefined) throw nul;
  try {
    await copyContents(io, from, to);
  } catch (e) {
    throw _opError2(e, "copy", from, to);
  }
}

/**
 * Rust's `fs::copy` (what Deno runs), in four round trips for a new file: open the source and
 * `statx` it; create the destination with `O_EXCL` (a new file cannot be the source: an
 * existing one is `statx`ed first, and refused if it is the source, before `O_TRUNC` empties
 * it); one linked read -> write -> 1-byte probe per MiB; close both. The destination gets the
 * source's mode, the umask notwithstanding, as Rust's `fchmod` gives it (here `Deno.chmod`:
 * io_uring has no op for it), only when the umask took bits off or the file existed.
 */
async function copyByName(io: AsyncRing, from: string, to: string): Promise<void> {
  const mask = umask(io);
  const [opened, statted] = await Promise.allSettled([
    io.openat(AT_FDCWD, from, SRC_FLAGS),
    io.statx(from),
  ]);
  if (opened.status === "rejected") {
    await mask;
    throw opened.reason;
  }
  const src = opened.value;
  let dest = -1;
  try {
    if (statted.status === "rejected") throw statted.reason;
    const st = statted.value;
    if (!st.isFile) {
      const other = await io.statx(to).catch(() => undefined);
      if (other !== undefined && sameFile(st, other)) {
        throw invalidInput("Source and destination paths refer to the same file", from, to);
      }
      throw invalidInput(
        "the source path is neither a regular file nor a symlink to a regular file",
        from,
        to,
      );
    }
    const perm = st.mode & 0o7777;
    let chmod = false;
    try {
      dest = await io.openat(AT_FDCWD, to, NEW_FLAGS, perm);
      const m = await mask;
      chmod = m === undefined || (perm & m) !== 0;
    } catch (e) {
      if (!(e instanceof UringError) || e.errno !== Errno.EEXIST) throw e;
      let existing: StatxResult | undefined;
      try {
        existing = await io.statx(to);
      } catch { /* gone meanwhile, or a dangling link: O_CREAT makes it */ }
      if (existing !== undefined && sameFile(st, existing)) {
        throw invalidInput("Source and destination paths refer to the same file", from, to);
      }
      dest = await io.openat(AT_FDCWD, to, DEST_FLAGS, perm);
      chmod = existing === undefined || (existing.isFile && (existing.mode & 0o7777) !== perm);
    }
    const moved = copyData(io, src, dest, st.size);
    if (chmod) await Promise.all([moved, denoChmod(to, perm)]);
    else await moved;
  } finally {
    const closing = [io.closeFd(src)];
    if (dest >= 0) closing.push(io.closeFd(dest));
    await Promise.allSettled(closing);
    await mask; // its read has its file open meanwhile: settled before this call is
  }
}

/** Files up to this size are copied through a pooled buffer in one linked chain. */
const SMALL = 8192;
/** Pooled buffers per ring, at most (larger bursts take buffers of their own). */
const SMALL_SLOTS = 512;
const dataMemory = new WeakMap<AsyncRing, _Slots>();
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

function u64At(b: Uint8Array, at: number): number {
  const lo = (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  const hi = (b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24)) >>> 0;
  return hi * 4294967296 + lo;
}

const settled = (): number => 0;
const failed = (e: unknown): unknown => e;

/**
 * `copyByName` with both paths and the source's `statx` in one pooled slot (paths too long for
 * one take `copyByName`), the ops submitted as raw SQEs: `openat` and `statx` of the source at
 * once, the destination's `openat`, then for a file of up to 8 KiB one linked `read -> write ->
 * 1-byte probe` through a pooled buffer, and the two closes. What is not the common case (a
 * destination that exists, a source that is no regular file, a file that is not the size
 * `statx` said) goes the way `copyByName` goes.
 */
async function copyContents(io: AsyncRing, from: string, to: string): Promise<void> {
  const mem = _pathMemory(io);
  const slot = mem.take();
  try {
    const chunk = mem.chunk(slot), at = mem.offset(slot);
    const a = _encodeAt(chunk, at + STATX_AT, SLOT - STATX_AT, from);
    const b = a < 0 ? -1 : _encodeAt(chunk, at + STATX_AT + a, SLOT - STATX_AT - a, to);
    if (b < 0) return await copyByName(io, from, to);
    await copyPooled(io, mem, slot, a, from, to);
  } finally {
    mem.give(slot); // every op on it has settled: after its CQE
  }
}

async function copyPooled(
  io: AsyncRing,
  mem: _Slots,
  slot: number,
  fromBytes: number,
  from: string,
  to: string,
): Promise<void> {
  const chunk = mem.chunk(slot), at = mem.offset(slot);
  const addr = mem.address(slot);
  const srcPath = addr + STATX_AT, destPath = srcPath + fromBytes;
  const mask = umask(io);
  const statting = _rawOp(io, "statx", Op.STATX, AT_FDCWD, srcPath, STATX_MASK, addr, 0)
    .then(settled, failed);
  let src: number;
  try {
    src = await _rawOp(io, "openat", Op.OPENAT, AT_FDCWD, srcPath, 0, 0, SRC_FLAGS);
  } catch (e) {
    await statting;
    await mask;
    throw e;
  }
  let dest = -1;
  try {
    const stat = await statting;
    if (stat !== 0) throw stat;
    const mode = chunk[at + 0x1c] | (chunk[at + 0x1d] << 8); // stx_mode
    const size = u64At(chunk, at + 0x28); // stx_size
    if ((mode & S_IFMT) !== S_IFREG) {
      await notRegular(io, decodeStatx(chunk.subarray(at, at + 256)), from, to);
    }
    const perm = mode & 0o7777;
    let chmod = false;
    try {
      dest = await _rawOp(io, "openat", Op.OPENAT, AT_FDCWD, destPath, perm, 0, NEW_FLAGS);
      const m = await mask;
      chmod = m === undefined || (perm & m) !== 0;
    } catch (e) {
      if (!(e instanceof UringError) || e.errno !== Errno.EEXIST) throw e;
      const st = decodeStatx(chunk.subarray(at, at + 256));
      [dest, chmod] = await openExisting(io, st, perm, from, to);
    }
    const moved = size <= SMALL ? copySmall(io, src, dest, size) : copyData(io, src, dest, size);
    if (chmod) await Promise.all([moved, denoChmod(to, perm)]);
    else await moved;
  } finally {
    const closing = [_rawOp(io, "closeFd", Op.CLOSE, src, 0, 0, 0, 0)];
    if (dest >= 0) closing.push(_rawOp(io, "closeFd", Op.CLOSE, dest, 0, 0, 0, 0));
    await Promise.allSettled(closing);
    await mask;
  }
}

/** Rust's errors for a source that is no regular file (the same file, else not a file). */
async function notRegular(io: AsyncRing, st: StatxResult, from: string, to: string) {
  const other = await io.statx(to).catch(() => undefined);
  if (other !== undefined && sameFile(st, other)) {
    throw invalidInput("Source and destination paths refer to the same file", from, to);
  }
  throw invalidInput(
    "the source path is neither a regular file nor a symlink to a regular file",
    from,
    to,
  );
}

/**
 * Opens a destination that exists (`O_TRUNC`), refused when it is the source; returns the fd and
 * whether it needs the source's mode by `chmod`.
 */
async function openExisting(
  io: AsyncRing,
  st: StatxResult,
  perm: number,
  from: string,
  to: string,
): Promise<[number, boolean]> {
  let existing: StatxResult | undefined;
  try {
    existing = await io.statx(to);
  } catch { /* gone meanwhile, or a dangling link: O_CREAT makes it */ }
  if (existing !== undefined && sameFile(st, existing)) {
    throw invalidInput("Source and destination paths refer to the same file", from, to);
  }
  const dest = await io.openat(AT_FDCWD, to, DEST_FLAGS, perm);
  return [dest, existing === undefined || (existing.isFile && (existing.mode & 0o7777) !== perm)];
}

/**
 * A file of `size` <= `SMALL` bytes: one linked `read -> write -> 1-byte probe` through a pooled
 * buffer (or one of its own past `SMALL_SLOTS` in flight). Anything else than the whole file
 * read and written and the probe at its end (a file that shrank or grew, a short write) goes on
 * as `copyData` does.
 */
async function copySmall(io: AsyncRing, src: number, dest: number, size: number): Promise<void> {
  const data = _slotsOf(dataMemory, io, SMALL + 1, 64, SMALL_SLOTS) as _Slots;
  const slot = data.take();
  if (slot < 0) return copyData(io, src, dest, size);
  try {
    const d = data.address(slot);
    const [r, w, p] = await _rawLink(io, [
      ["read", Op.READ, src, d, size, 0, 0],
      ["write", Op.WRITE, dest, d, size, 0, 0],
      ["read", Op.READ, src, d + size, 1, size, 0],
    ]);
    if (r !== size || w !== size) {
      if (r instanceof UringError) throw r;
      if (w instanceof UringError && w.errno !== Errno.ECANCELED) throw w;
      return await copyData(io, src, dest, size); // from the start: the same bytes again
    }
    if (p instanceof UringError) throw p;
    if (p === 0) return;
    const off = data.offset(slot) + size;
    await writeAll(io, dest, data.chunk(slot).slice(off, off + 1), size);
    return await copyRest(io, src, dest, size + 1); // longer than `statx` said (/proc, growing)
  } finally {
    data.give(slot);
  }
}

const STATX_MASK = StatxMask.BASIC_STATS;

/**
 * Copies `src` to `dest` from offset 0 to the end of `src`, expected at `size`: one linked
 * read -> write per MiB, the last followed by a 1-byte read that tells whether the end is there.
 * A file that is longer than `statx` said (files of `/proc` say 0, a file may grow) or shorter
 * is read on to its end. A short read ends the chain (io_uring fails a link on a short read or
 * write); what it read is then written alone.
 */
async function copyData(io: AsyncRing, src: number, dest: number, size: number): Promise<void> {
  const room = Math.min(size, CHUNK);
  const buf = new Uint8Array(room + 1);
  // Never handed out, and every op on it settles before this returns: the kernel may use it in
  // place (the linked write must see what the read put there, not a copy made beforehand).
  lendToKernel(buf);
  const probe = buf.subarray(room, room + 1);
  let off = 0;
  for (;;) {
    const want = Math.min(size - off, room);
    if (want === 0) {
      const n = await io.read(src, probe, off);
      if (n === 0) return;
      await writeAll(io, dest, probe, off);
      return copyRest(io, src, dest, off + 1); // longer than `statx` said (/proc, growing)
    }
    const view = buf.subarray(0, want);
    const last = off + want >= size;
    const at = off;
    const [r, w, p] = await io.link((c) => {
      c.read(src, view, at).write(dest, view, at);
      if (last) c.read(src, probe, at + want);
    });
    if (r instanceof UringError) throw r;
    if (r < want) {
      if (r > 0) await writeAll(io, dest, view.subarray(0, r), at);
      if (r === 0) return;
      return copyRest(io, src, dest, at + r); // shorter than `statx` said: to its end
    }
    if (w instanceof UringError && w.errno !== Errno.ECANCELED) throw w;
    const wrote = typeof w === "number" ? w : 0;
    if (wrote < want) await writeAll(io, dest, view.subarray(wrote), at + wrote);
    off += want;
    if (!last || wrote < want) continue; // the probe did not run: probe next turn
    if (p instanceof UringError) throw p;
    if (p === 0) return;
    await writeAll(io, dest, probe, off);
    return copyRest(io, src, dest, off + 1);
  }
}

/** Copies from `off` to the end of `src`, however long, a read and a write per 64 KiB. */
async function copyRest(io: AsyncRing, src: number, dest: number, off: number): Promise<void> {
  const buf = new Uint8Array(REST_CHUNK);
  lendToKernel(buf); // as in copyData
  for (;;) {
    const n = await io.read(src, buf, off);
    if (n === 0) return;
    await writeAll(io, dest, buf.subarray(0, n), off);
    off += n;
  }
}

/** Writes all of `data` at `offset` (a write may take only part of it). */
async function writeAll(io: AsyncRing, fd: number, data: Uint8Array, offset: number) {
  let done = 0;
  while (done < data.length) {
    const n = await io.write(fd, data.subarray(done), offset + done);
    if (n === 0) throw new UringError(Errno.ENOSPC, "write"); // nothing more fits
    done += n;
  }
}

/**
 * Copies the file `fromPath` to `toPath`, like `Deno.copyFile`: `toPath` is created or
 * truncated, and gets `fromPath`'s permission bits. Checked as Deno checks it (read access to
 * `fromPath`, write access to `toPath`); errors are Deno's, naming both paths (`No such file or
 * directory (os error 2): copy '/a' -> '/b'`; a `TypeError` when both name the same file or the
 * source is not a regular file). On io_uring: `openat` and `statx` of the source, `openat` with
 * `O_EXCL` of the destination (so a new file cannot be the source), then a linked
 * `read` -> `write` per MiB and the closes; the page-cache reads and writes complete inside
 * their submit. A `Promise.all` of many copies shares each round trip. Linux 5.6.
 *
 * @param fromPath the file to copy
 * @param toPath the copy
 * @throws {Deno.errors.NotFound} when `fromPath`, or the directory of `toPath`, does not exist
 * @throws {Deno.errors.IsADirectory} when `toPath` is a directory
 * @throws {TypeError} (code `EINVAL`) when both paths name the same file, or `fromPath` is no
 *   regular file
 * @throws {Deno.errors.NotCapable} where `--allow-read`/`--allow-write` do not reach the paths
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { copyFile } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a`, "data");
 * await copyFile(`${dir}/a`, `${dir}/b`);
 * assertEquals(await Deno.readTextFile(`${dir}/b`), "data");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function copyFile(fromPath: string | URL, toPath: string | URL): Promise<void> {
  return _copyFileOn(defaultRing(), fromPath, toPath);
}
