/**
 * `struct statx` (Linux 4.11), the one place that knows its layout: the decoders of
 * `AsyncRing.statx()` (`StatxResult`, times with their fraction) and of the drop-in `stat()`/
 * `lstat()` (`Deno.FileInfo`, field for field as Deno's `FsStat::from_std`).
 *
 * @internal
 * @module
 */
import { StatxMask } from "../sys/mod.ts";

/**
 * A decoded `struct statx`, from `AsyncRing.statx()`. Times are milliseconds since the epoch.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { AsyncRing, type StatxResult } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "12345");
 * const st: StatxResult = await io.statx(path);
 * assert(st.isFile && st.size === 5 && st.mtimeMs <= Date.now());
 * await Deno.remove(path);
 * ```
 */
export interface StatxResult {
  /** `STATX_*` bits of the fields the kernel filled. */
  mask: number;
  /** Size in bytes. */
  size: number;
  /** File type and permission bits (`st_mode`). */
  mode: number;
  /** Owner user id. */
  uid: number;
  /** Owner group id. */
  gid: number;
  /** Number of hard links. */
  nlink: number;
  /** Inode number. */
  ino: number;
  /** 512-byte blocks allocated. */
  blocks: number;
  /** Preferred I/O block size. */
  blksize: number;
  /** `STATX_ATTR_*` bits. */
  attributes: number;
  /** Last access. */
  atimeMs: number;
  /** Last modification. */
  mtimeMs: number;
  /** Last status change. */
  ctimeMs: number;
  /** Creation, or null when the file system does not record it. */
  birthtimeMs: number | null;
  /** Device of the file system (major). */
  devMajor: number;
  /** Device of the file system (minor). */
  devMinor: number;
  /** Device a special file stands for (major). */
  rdevMajor: number;
  /** Device a special file stands for (minor). */
  rdevMinor: number;
  /** A regular file. */
  isFile: boolean;
  /** A directory. */
  isDirectory: boolean;
  /** A symbolic link (only when not followed). */
  isSymlink: boolean;
  /** A FIFO. */
  isFifo: boolean;
  /** A socket. */
  isSocket: boolean;
  /** A character device. */
  isCharDevice: boolean;
  /** A block device. */
  isBlockDevice: boolean;
}

/** Bytes of a `struct statx`. */
export const STATX_SIZE = 256;
const TWO32 = 4294967296;
/** Offsets of the fields read here. */
const MASK = 0, BLKSIZE = 4, ATTRIBUTES = 8, NLINK = 16, UID = 20, GID = 24, MODE = 28;
const INO = 32, SIZE = 40, BLOCKS = 48;
const ATIME = 64, BTIME = 80, CTIME = 96, MTIME = 112;
const RDEV_MAJOR = 128, RDEV_MINOR = 132, DEV_MAJOR = 136, DEV_MINOR = 140;
const S_IFMT = 0o170000;

function u64(v: DataView, off: number): number {
  return v.getUint32(off + 4, true) * TWO32 + v.getUint32(off, true);
}

/** Whole seconds of the `statx_timestamp` at `off`. */
function seconds(v: DataView, off: number): number {
  return v.getInt32(off + 4, true) * TWO32 + v.getUint32(off, true);
}

/** The `statx_timestamp` at `off` in milliseconds, with the fraction. */
function timeMs(v: DataView, off: number): number {
  return seconds(v, off) * 1000 + v.getUint32(off + 8, true) / 1e6;
}

/** The same as Rust's `SystemTime` -> `as_millis()` gives it (toward zero), as Deno reports it. */
function timeMsTrunc(v: DataView, off: number): number {
  const sec = seconds(v, off);
  const nsec = v.getUint32(off + 8, true);
  return sec >= 0 ? sec * 1000 + Math.floor(nsec / 1e6) : sec * 1000 + Math.ceil(nsec / 1e6);
}

/** glibc's `makedev(major, minor)`, the `st_dev`/`st_rdev` Deno reports. */
function makedev(major: number, minor: number): number {
  const lo = ((major & 0xfff) << 8 | (minor & 0xff) | ((minor & ~0xff) << 12)) >>> 0;
  const hi = (major & ~0xfff) >>> 0;
  return hi * TWO32 + lo;
}

/** Decodes `struct statx` for `AsyncRing.statx()`. */
export function decodeStatx(buf: unknown): StatxResult {
  const b = buf as Uint8Array<ArrayBuffer>;
  const v = new DataView(b.buffer, b.byteOffset, STATX_SIZE);
  const mask = v.getUint32(MASK, true);
  const mode = v.getUint16(MODE, true);
  const type = mode & S_IFMT;
  return {
    mask,
    size: u64(v, SIZE),
    mode,
    uid: v.getUint32(UID, true),
    gid: v.getUint32(GID, true),
    nlink: v.getUint32(NLINK, true),
    ino: u64(v, INO),
    blocks: u64(v, BLOCKS),
    blksize: v.getUint32(BLKSIZE, true),
    attributes: u64(v, ATTRIBUTES),
    atimeMs: timeMs(v, ATIME),
    birthtimeMs: mask & StatxMask.BTIME ? timeMs(v, BTIME) : null,
    ctimeMs: timeMs(v, CTIME),
    mtimeMs: timeMs(v, MTIME),
    rdevMajor: v.getUint32(RDEV_MAJOR, true),
    rdevMinor: v.getUint32(RDEV_MINOR, true),
    devMajor: v.getUint32(DEV_MAJOR, true),
    devMinor: v.getUint32(DEV_MINOR, true),
    isFile: type === 0o100000,
    isDirectory: type === 0o040000,
    isSymlink: type === 0o120000,
    isFifo: type === 0o010000,
    isSocket: type === 0o140000,
    isCharDevice: type === 0o020000,
    isBlockDevice: type === 0o060000,
  };
}

/** `struct statx` as `Deno.FileInfo`, field for field as Deno's `FsStat::from_std`. */
export function fileInfo(v: DataView): Deno.FileInfo {
  const mask = v.getUint32(MASK, true);
  const mode = v.getUint16(MODE, true);
  const type = mode & S_IFMT;
  const ctimeSec = seconds(v, CTIME);
  return {
    isFile: type === 0o100000,
    isDirectory: type === 0o040000,
    isSymlink: type === 0o120000,
    size: u64(v, SIZE),
    mtime: new Date(timeMsTrunc(v, MTIME)),
    atime: new Date(timeMsTrunc(v, ATIME)),
    birthtime: mask & StatxMask.BTIME ? new Date(timeMsTrunc(v, BTIME)) : null,
    ctime: ctimeSec !== 0 ? new Date(ctimeSec * 1000) : null,
    dev: makedev(v.getUint32(DEV_MAJOR, true), v.getUint32(DEV_MINOR, true)),
    mode,
    ino: u64(v, INO),
    nlink: v.getUint32(NLINK, true),
    uid: v.getUint32(UID, true),
    gid: v.getUint32(GID, true),
    rdev: makedev(v.getUint32(RDEV_MAJOR, true), v.getUint32(RDEV_MINOR, true)),
    blksize: v.getUint32(BLKSIZE, true),
    blocks: u64(v, BLOCKS),
    isBlockDevice: type === 0o060000,
    isCharDevice: type === 0o020000,
    isFifo: type === 0o010000,
    isSocket: type === 0o140000,
  };
}
