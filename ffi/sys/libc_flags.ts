/**
 * Libc constants the ops take: `open(2)` flags, `*at(2)` values, `statx(2)` mask bits and socket
 * constants, per architecture where they differ. Re-exported by constants.ts.
 *
 * @module
 */

// aarch64 numbers four O_* flags differently from x86-64 (asm-generic vs x86 fcntl.h).
const ARM = Deno.build.arch === "aarch64";

/**
 * `O_*` flags for `prepOpenat`, with the values of the architecture Deno runs on (x86-64 or
 * aarch64).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { At, OpenFlag, Ring } from "../../mod.ts";
 * const path = Deno.makeTempFileSync(); // exists already
 * using ring = new Ring({ entries: 2 });
 * const flags = OpenFlag.WRONLY | OpenFlag.CREAT | OpenFlag.EXCL;
 * ring.getSqe()!.prepOpenat(At.FDCWD, path, flags, 0o600);
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, -17); // -EEXIST: EXCL refuses a file that exists
 * Deno.removeSync(path);
 * ```
 */
export const OpenFlag = {
  /** Open for reading only. */
  RDONLY: 0,
  /** Open for writing only. */
  WRONLY: 1,
  /** Open for reading and writing. */
  RDWR: 2,
  /** Create the file when it does not exist, with the `mode` given. */
  CREAT: 0o100,
  /** With `CREAT`: fail with `EEXIST` when the file exists. */
  EXCL: 0o200,
  /** Do not make a terminal the controlling terminal. */
  NOCTTY: 0o400,
  /** Truncate a regular file opened for writing to length 0. */
  TRUNC: 0o1000,
  /** Every write goes to the end of the file. */
  APPEND: 0o2000,
  /** Non-blocking I/O (pipes, sockets, devices). */
  NONBLOCK: 0o4000,
  /** Each write returns once its data is on stable storage. */
  DSYNC: 0o10000,
  /** Bypass the page cache (aligned buffers and offsets; what IOPOLL needs). */
  DIRECT: ARM ? 0o200000 : 0o40000,
  /** Fail with `ENOTDIR` unless the path is a directory. */
  DIRECTORY: ARM ? 0o40000 : 0o200000,
  /** Fail with `ELOOP` when the last component is a symbolic link. */
  NOFOLLOW: ARM ? 0o100000 : 0o400000,
  /** Close the fd on exec. */
  CLOEXEC: 0o2000000,
  /** An fd that only names the file (for `*at` calls and `EMPTY_PATH`), no I/O. */
  PATH: 0o10000000,
  /** An unnamed file in the directory `path`, gone on close unless linked. Linux 3.11. */
  TMPFILE: ARM ? 0o20040000 : 0o20200000,
} as const;

/**
 * `AT_*` values for the `*at` preps.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { At, Ring } from "../../mod.ts";
 * const dir = Deno.makeTempDirSync();
 * using ring = new Ring({ entries: 2 });
 * ring.getSqe()!.prepUnlinkat(At.FDCWD, dir, At.REMOVEDIR); // rmdir(2), not unlink(2)
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, 0);
 * assertThrows(() => Deno.statSync(dir), Deno.errors.NotFound);
 * ```
 */
export const At = {
  /** Paths relative to the current directory. */
  FDCWD: -100,
  /** Act on a final symbolic link itself, not on its target (statx, xattrs). */
  SYMLINK_NOFOLLOW: 0x100,
  /** `prepUnlinkat` removes a directory, like rmdir(2). */
  REMOVEDIR: 0x200,
  /** `prepLinkat` follows a final symbolic link. */
  SYMLINK_FOLLOW: 0x400,
  /** With an empty path, act on the dir fd itself. Linux 2.6.39. */
  EMPTY_PATH: 0x1000,
} as const;

/**
 * `STATX_*` mask bits for `prepStatx`.
 *
 * Linux 4.11, with statx(2).
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { At, Ring, StatxMask } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const buf = new Uint8Array(256); // struct statx
 * ring.getSqe()!.prepStatx(At.FDCWD, "/", 0, StatxMask.TYPE | StatxMask.MODE, buf);
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, 0);
 * const v = new DataView(buf.buffer);
 * assert(v.getUint32(0, true) & StatxMask.TYPE); // stx_mask: the type was filled in
 * assertEquals(v.getUint16(28, true) & 0o170000, 0o040000); // stx_mode: a directory
 * ```
 */
export const StatxMask = {
  /** The file type bits of `stx_mode`. */
  TYPE: 0x1,
  /** The permission bits of `stx_mode`. */
  MODE: 0x2,
  /** `stx_nlink`, the hard link count. */
  NLINK: 0x4,
  /** `stx_uid`, the owner. */
  UID: 0x8,
  /** `stx_gid`, the group. */
  GID: 0x10,
  /** `stx_atime`, last access. */
  ATIME: 0x20,
  /** `stx_mtime`, last modification. */
  MTIME: 0x40,
  /** `stx_ctime`, last status change. */
  CTIME: 0x80,
  /** `stx_ino`, the inode number. */
  INO: 0x100,
  /** `stx_size`, the size in bytes. */
  SIZE: 0x200,
  /** `stx_blocks`, 512-byte blocks allocated. */
  BLOCKS: 0x400,
  /** Everything stat(2) gives: `TYPE` through `BLOCKS`. */
  BASIC_STATS: 0x7ff,
  /** `stx_btime`, creation time, where the file system records it. */
  BTIME: 0x800,
  /** `BASIC_STATS` and `BTIME`. */
  ALL: 0xfff,
} as const;

/**
 * Socket domains, types and levels for `prepSocket` and friends.
 *
 * @example
 * ```ts
 * import { assertGreater } from "@std/assert";
 * import { AsyncRing, Sock } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const fd = await io.socket(Sock.AF_INET, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC);
 * await io.setsockopt(fd, Sock.IPPROTO_TCP, Sock.TCP_NODELAY, new Int32Array([1]));
 * await io.bind(fd, { hostname: "127.0.0.1", port: 0 });
 * assertGreater(io.localAddr(fd).port, 0);
 * await io.closeFd(fd);
 * ```
 */
export const Sock = {
  /** Local sockets (`AF_UNIX`). */
  AF_UNIX: 1,
  /** IPv4. */
  AF_INET: 2,
  /** IPv6. */
  AF_INET6: 10,
  /** A byte stream: TCP for the IP domains. */
  SOCK_STREAM: 1,
  /** Datagrams: UDP for the IP domains. */
  SOCK_DGRAM: 2,
  /** OR-ed into the type: the socket is non-blocking. */
  SOCK_NONBLOCK: 0o4000,
  /** OR-ed into the type: close the socket on exec. */
  SOCK_CLOEXEC: 0o2000000,
  /** The level of socket-wide options (`SO_*`). */
  SOL_SOCKET: 1,
  /** Bind to an address still in `TIME_WAIT`. */
  SO_REUSEADDR: 2,
  /** Receive buffer size. */
  SO_RCVBUF: 8,
  /** `struct linger { int onoff; int seconds }`: with `[1, 0]`, close(2) resets the connection. */
  SO_LINGER: 13,
  /** Several sockets may bind one port; the kernel spreads connections over them. */
  SO_REUSEPORT: 15,
  /** The level of TCP options (`TCP_*`). */
  IPPROTO_TCP: 6,
  /** Send small segments at once (no Nagle delay). */
  TCP_NODELAY: 1,
  /** shutdown(2): stop receiving. */
  SHUT_RD: 0,
  /** shutdown(2): stop sending (the peer reads end of stream). */
  SHUT_WR: 1,
  /** shutdown(2): both. */
  SHUT_RDWR: 2,
  /** Receive without taking the data off the queue. */
  MSG_PEEK: 2,
  /** This call does not block. */
  MSG_DONTWAIT: 0x40,
  /** Receive until the buffer is full (or end of stream, or an error). */
  MSG_WAITALL: 0x100,
  /** Send without raising `SIGPIPE` on a closed peer. */
  MSG_NOSIGNAL: 0x4000,
} as const;
