/**
 * Ops that only the layers above use (`ffi/fs` on memory it encoded itself, `ffi/net`'s
 * listener), kept off `AsyncRing`'s public surface: plain functions of the ring, exported to
 * those layers through `mod.ts` under `_` names. They reach the ring's engine through the
 * async layer's internal key (`_submit.ts`), as the ring's own methods do.
 *
 * @internal
 * @module
 */
import { Sock, type UringError } from "../sys/mod.ts";
import type { FdLike } from "../sys/mod.ts";
import { type AsyncOpOptions, type ChainOp, K_FD, K_NUM } from "../engine/mod.ts";
import type { Sqe } from "../ring/mod.ts";
import { ENGINE, runOp } from "./_submit.ts";
import type { AsyncRingBase } from "./ring_base.ts";

/**
 * Accepts one connection on `io`, close-on-exec, and writes the peer's address:
 * `io_uring_prep_accept(3)` with an address. Linux 5.5. `addrLen[0]` holds the room in `addr`
 * going in and the address's length coming out. The kernel writes both when the connection
 * comes, so they must be memory JavaScript cannot free or detach meanwhile (`alignedBuffer()`, a
 * `SharedArrayBuffer`); the op holds them until it settles.
 *
 * @returns the connection fd
 * @throws {TypeError} for `addr`/`addrLen` in memory the kernel must not be given
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { alignedBuffer, AsyncRing, parseSockaddr } from "../mod.ts";
 * import { _acceptFrom } from "./mod.ts";
 * await using io = new AsyncRing({ entries: 16 });
 * const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
 * const mem = alignedBuffer(256);
 * const addr = mem.subarray(0, 128), addrLen = new Uint32Array(mem.buffer, 128, 1);
 * addrLen[0] = 128;
 * const [cfd, conn] = await Promise.all([
 *   io.connectTcp({ hostname: "127.0.0.1", port: io.localAddr(lfd).port }),
 *   _acceptFrom(io, lfd, addr, addrLen),
 * ]);
 * assertEquals(addrLen[0], 16); // a sockaddr_in
 * assertEquals(parseSockaddr(addr), io.localAddr(cfd));
 * for (const fd of [cfd, conn, lfd]) await io.closeFd(fd);
 * ```
 */
export function _acceptFrom(
  io: AsyncRingBase,
  fd: FdLike,
  addr: Uint8Array,
  addrLen: Uint32Array,
  options?: AsyncOpOptions,
): Promise<number> {
  return runOp(
    io[ENGINE],
    K_FD,
    "accept",
    options,
    (s) => s.prepAccept(fd, addr, addrLen, Sock.SOCK_CLOEXEC),
  );
}

/**
 * One op on `io` with raw fields, for a layer above that keeps its own memory: `addr` and `off`
 * are numbers (addresses of memory the caller keeps, unchanged, until the op settles, which is
 * after its CQE), nothing is held or copied. Resolves to the CQE's `res`, or rejects with
 * `UringError` named `name`. Saves a C string, an `UnsafePointer.of` and a `WeakMap` entry per
 * path that `mkdir(path)` and friends pay.
 *
 * @param op the opcode (`Op.*`)
 * @param fd the `fd` field (`AT_FDCWD` for a path)
 * @param addr the `addr` field (a path's address)
 * @param len the `len` field (a mode, a statx mask, a byte count)
 * @param off the `off` field (a second path's or a buffer's address, an offset)
 * @param opFlags the op's flags (`open_flags`, `unlink_flags`, `statx_flags`, ...)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, Op } from "../mod.ts";
 * import { _rawOp } from "./mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * assertEquals(await _rawOp(io, "nop", Op.NOP, -1, 0, 0, 0, 0), 0);
 * ```
 */
export function _rawOp(
  io: AsyncRingBase,
  name: string,
  op: number,
  fd: number,
  addr: number,
  len: number,
  off: number,
  opFlags: number,
): Promise<number> {
  const e = io[ENGINE];
  const s = e.start(undefined);
  if (s === null) return e.early;
  try {
    s.prepRw(op, fd, addr, len, off);
    if (opFlags !== 0) s.opFlags = opFlags;
  } catch (err) {
    return e.abandon(s, err);
  }
  return e.finish(s, K_NUM, name, undefined);
}

/**
 * `_rawOp`s on `io` as one `IOSQE_IO_LINK` chain, each given as `[name, op, fd, addr, len, off,
 * opFlags]`; resolves to one entry per op as `AsyncRing.link()` does.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, Op } from "../mod.ts";
 * import { _rawLink } from "./mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const nop = ["nop", Op.NOP, -1, 0, 0, 0, 0] as const;
 * assertEquals(await _rawLink(io, [nop, nop]), [0, 0]);
 * ```
 */
export function _rawLink(
  io: AsyncRingBase,
  ops: readonly (readonly [string, number, number, number, number, number, number])[],
): Promise<(number | UringError)[]> {
  const chain: ChainOp[] = ops.map(([name, op, fd, addr, len, off, opFlags]) => ({
    name,
    prep: (s: Sqe) => {
      s.prepRw(op, fd, addr, len, off);
      if (opFlags !== 0) s.opFlags = opFlags;
    },
  }));
  return io[ENGINE].link(chain, undefined, false, false);
}
