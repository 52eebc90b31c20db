/**
 * Op-specific flags and values from `include/uapi/linux/io_uring.h` and the libc headers
 * (Linux 6.18): timeouts, polls, cancels, send/recv, accept, msg_ring, futexes and socket
 * commands. Re-exported by constants.ts.
 *
 * @module
 */

/**
 * `IORING_TIMEOUT_*` bits for `prepTimeout`, `prepLinkTimeout`, `prepTimeoutUpdate`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Ring, SqeFlag, TimeoutFlag } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const wait = ring.getSqe()!;
 * wait.prepTimeout(1, 0, TimeoutFlag.ETIME_SUCCESS); // 1 ms; expiring does not break the chain
 * wait.flags |= SqeFlag.IO_LINK;
 * ring.getSqe()!.prepNop();
 * ring.submitAndWait(2);
 * assertEquals([ring.waitCqe()!.res, ring.waitCqe()!.res], [-62, 0]); // -ETIME, then the NOP ran
 * ```
 */
export const TimeoutFlag = {
  /** The time is absolute, not relative. Linux 5.5. */
  ABS: 1 << 0,
  /** Re-arm an existing timeout (`prepTimeoutUpdate`). Linux 5.11. */
  UPDATE: 1 << 1,
  /** Measure on `CLOCK_BOOTTIME`, which counts suspend. Linux 5.15. */
  BOOTTIME: 1 << 2,
  /** Measure on `CLOCK_REALTIME`. Linux 5.15. */
  REALTIME: 1 << 3,
  /** Re-arm a link timeout. Linux 5.15. */
  LINK_TIMEOUT_UPDATE: 1 << 4,
  /** Expiry (`-ETIME`) counts as success, so a link chain goes on. Linux 5.16. */
  ETIME_SUCCESS: 1 << 5,
  /** Fire every period, `count` times (0: until cancelled). Linux 6.4. */
  MULTISHOT: 1 << 6,
} as const;

/**
 * `IORING_POLL_*` bits (in the SQE's `len`) for poll add/update.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { eventfd, PollEvent, PollFlag, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const efd = eventfd(0); // counter 0: not readable
 * const poll = ring.getSqe()!;
 * poll.prepPollAdd(efd, PollEvent.IN);
 * poll.userData = 1;
 * ring.getSqe()!.prepPollUpdate(1, 0, PollEvent.OUT, PollFlag.UPDATE_EVENTS); // OUT instead of IN
 * ring.submitAndWait(2);
 * const cqes = [ring.waitCqe()!, ring.waitCqe()!];
 * assertEquals(cqes.find((c) => c.userData === 1)!.res, PollEvent.OUT);
 * ring.getSqe()!.prepClose(efd);
 * ring.submitAndWait(1);
 * ```
 */
export const PollFlag = {
  /** Multishot: a CQE each time the fd becomes ready. Linux 5.13. */
  ADD_MULTI: 1 << 0,
  /** An update changes the armed poll's events. Linux 5.13. */
  UPDATE_EVENTS: 1 << 1,
  /** An update changes the armed poll's user data. Linux 5.13. */
  UPDATE_USER_DATA: 1 << 2,
  /** Level-triggered instead of edge-triggered. Linux 6.0. */
  ADD_LEVEL: 1 << 3,
} as const;

/**
 * poll(2) event bits.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { eventfd, PollEvent, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const efd = eventfd(1); // counter 1: readable and writable
 * ring.getSqe()!.prepPollAdd(efd, PollEvent.IN | PollEvent.OUT);
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, PollEvent.IN | PollEvent.OUT);
 * ring.getSqe()!.prepClose(efd);
 * ring.submitAndWait(1);
 * ```
 */
export const PollEvent = {
  /** Readable (`POLLIN`). */
  IN: 0x001,
  /** Urgent or priority data to read (`POLLPRI`). */
  PRI: 0x002,
  /** Writable without blocking (`POLLOUT`). */
  OUT: 0x004,
  /** An error is pending (`POLLERR`); reported even when not asked for. */
  ERR: 0x008,
  /** Hung up (`POLLHUP`); reported even when not asked for. */
  HUP: 0x010,
  /** The fd is not open (`POLLNVAL`). */
  NVAL: 0x020,
  /** The peer closed its writing side (`POLLRDHUP`). Linux 2.6.17. */
  RDHUP: 0x2000,
} as const;

/**
 * `IORING_ASYNC_CANCEL_*` bits for `prepCancel`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CancelFlag, CqeBatch, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * for (let i = 0; i < 2; i++) {
 *   const timer = ring.getSqe()!;
 *   timer.prepTimeout(10_000);
 *   timer.userData = 5;
 * }
 * ring.getSqe()!.prepCancel(5, CancelFlag.ALL); // every request with user data 5, not just one
 * const batch = new CqeBatch(4);
 * ring.submitAndWait(3);
 * ring.copyCqes(batch, 3);
 * assertEquals([...batch].find((cqe) => cqe.userData === 0)!.res, 2); // two were cancelled
 * ```
 */
export const CancelFlag = {
  /** Cancel every match, not only the first; `res` is how many. Linux 5.19. */
  ALL: 1 << 0,
  /** Match on the fd instead of the user data. Linux 5.19. */
  FD: 1 << 1,
  /** Match every request. Linux 5.19. */
  ANY: 1 << 2,
  /** The fd to match is a registered file index. Linux 6.0. */
  FD_FIXED: 1 << 3,
  /** Match on the user data (with `FD` or `OP`: on both). Linux 6.6. */
  USERDATA: 1 << 4,
  /** Match on the opcode. Linux 6.6. */
  OP: 1 << 5,
} as const;

/**
 * `IORING_RECVSEND_*` / `IORING_RECV_*` / `IORING_SEND_ZC_*` bits (in the SQE's `ioprio`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, RecvSendFlag, Ring, Sock, sockaddr } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const fd = await io.socket(Sock.AF_INET, Sock.SOCK_DGRAM);
 * await io.bind(fd, { hostname: "127.0.0.1", port: 0 });
 * using ring = new Ring({ entries: 4 });
 * const recv = ring.getSqe()!;
 * recv.prepRecv(fd, new Uint8Array(8));
 * recv.ioprio = RecvSendFlag.POLL_FIRST; // nothing is queued yet: arm a poll before trying
 * ring.getSqe()!.prepSendto(fd, new Uint8Array([1, 2]), 0, sockaddr(io.localAddr(fd)));
 * ring.submitAndWait(2);
 * assertEquals([ring.waitCqe()!.res, ring.waitCqe()!.res], [2, 2]); // recv and send, 2 bytes each
 * await io.closeFd(fd);
 * ```
 */
export const RecvSendFlag = {
  /** Wait for readiness before the first try, for data that is not there yet. Linux 5.19. */
  POLL_FIRST: 1 << 0,
  /** Multishot receive: a CQE per message, into provided buffers. Linux 6.0. */
  RECV_MULTISHOT: 1 << 1,
  /** Zero-copy send from a registered buffer (`bufIndex`). Linux 6.0. */
  FIXED_BUF: 1 << 2,
  /** The zero-copy notification says whether the data was copied. Linux 6.2. */
  SEND_ZC_REPORT_USAGE: 1 << 3,
  /** Send or receive several provided buffers in one go. Linux 6.10. */
  BUNDLE: 1 << 4,
} as const;

/**
 * `IORING_ACCEPT_*` bits (in the SQE's `ioprio`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AcceptFlag, AsyncRing, Ring } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
 * using ring = new Ring({ entries: 4 });
 * const sqe = ring.getSqe()!;
 * sqe.prepAccept(lfd);
 * sqe.ioprio = AcceptFlag.DONTWAIT; // no connection is waiting: fail at once instead of waiting
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, -11); // -EAGAIN
 * await io.closeFd(lfd);
 * ```
 */
export const AcceptFlag = {
  /** Multishot accept: a CQE per connection. Linux 5.19. */
  MULTISHOT: 1 << 0,
  /** Fail with `-EAGAIN` instead of waiting for a connection. Linux 6.10. */
  DONTWAIT: 1 << 1,
  /** Wait for a connection before the first try. Linux 6.10. */
  POLL_FIRST: 1 << 2,
} as const;

/**
 * `IORING_MSG_RING_*` flags for `prepMsgRing` and `prepMsgRingFd`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MsgRingFlag, Ring } from "../../mod.ts";
 * using a = new Ring({ entries: 2 });
 * using b = new Ring({ entries: 2 });
 * const sqe = a.getSqe()!;
 * sqe.prepMsgRing(b.fd, 7, 42, MsgRingFlag.FLAGS_PASS); // res 7, user data 42, on ring b
 * sqe.fileIndex = 0x100; // with FLAGS_PASS: the flags of b's CQE
 * a.submitAndWait(1);
 * assertEquals(a.waitCqe()!.res, 0);
 * const cqe = b.waitCqe()!;
 * assertEquals([cqe.res, cqe.userData, cqe.flags], [7, 42, 0x100]);
 * ```
 */
export const MsgRingFlag = {
  /** Post no CQE on the target ring (for sending a file). Linux 6.2. */
  CQE_SKIP: 1 << 0,
  /** Set the target CQE's flags from the SQE's `fileIndex`. Linux 6.3. */
  FLAGS_PASS: 1 << 1,
} as const;

/**
 * `IORING_FSYNC_DATASYNC`: fdatasync(2) instead of fsync(2).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { At, FSYNC_DATASYNC, OpenFlag, Ring } from "../../mod.ts";
 * const path = Deno.makeTempFileSync();
 * using ring = new Ring({ entries: 4 });
 * ring.getSqe()!.prepOpenat(At.FDCWD, path, OpenFlag.WRONLY);
 * ring.submitAndWait(1);
 * const fd = ring.waitCqe()!.res;
 * ring.getSqe()!.prepFsync(fd, FSYNC_DATASYNC); // data only, not the metadata
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, 0);
 * ring.getSqe()!.prepClose(fd);
 * ring.submitAndWait(1);
 * Deno.removeSync(path);
 * ```
 */
export const FSYNC_DATASYNC = 1;
/**
 * `IORING_FIXED_FD_NO_CLOEXEC`: `prepFixedFdInstall` makes an fd kept across exec. Linux 6.8.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FIXED_FD_NO_CLOEXEC, OpenFlag, Ring, Sock } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * using files = ring.registerFiles(1);
 * ring.getSqe()!.prepSocketDirect(Sock.AF_INET, Sock.SOCK_DGRAM, 0, 0, 0); // into slot 0
 * ring.submitAndWait(1);
 * ring.waitCqe();
 * ring.getSqe()!.prepFixedFdInstall(0, FIXED_FD_NO_CLOEXEC); // a real fd, kept across exec
 * ring.submitAndWait(1);
 * const fd = ring.waitCqe()!.res;
 * const flags = Deno.readTextFileSync(`/proc/self/fdinfo/${fd}`).match(/flags:\s+(\d+)/)![1];
 * assertEquals(parseInt(flags, 8) & OpenFlag.CLOEXEC, 0);
 * ring.getSqe()!.prepClose(fd);
 * ring.submitAndWait(1);
 * ```
 */
export const FIXED_FD_NO_CLOEXEC = 1;
/**
 * `IORING_FILE_INDEX_ALLOC`: let the kernel pick a free slot of the file table. Linux 5.19.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FILE_INDEX_ALLOC, Ring, Sock } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * using files = ring.registerFiles(4); // four empty slots
 * ring.getSqe()!.prepSocketDirect(Sock.AF_INET, Sock.SOCK_DGRAM, 0, 0, FILE_INDEX_ALLOC);
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, 0); // the slot the kernel picked
 * ```
 */
export const FILE_INDEX_ALLOC = 0xffffffff;
/**
 * `IORING_REGISTER_FILES_SKIP`: leave this slot as it is in a file-table update. Linux 5.12.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { eventfd, fixed, REGISTER_FILES_SKIP, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const efd = eventfd(5);
 * using files = ring.registerFiles([efd, efd]);
 * assertEquals(files.update(0, [REGISTER_FILES_SKIP, -1]), 2); // keep slot 0, empty slot 1
 * const count = new BigUint64Array(1);
 * ring.getSqe()!.prepRead(fixed(0), new Uint8Array(count.buffer), 0);
 * ring.submitAndWait(1);
 * assertEquals([ring.waitCqe()!.res, count[0]], [8, 5n]); // slot 0 still holds the eventfd
 * ring.getSqe()!.prepClose(efd);
 * ring.submitAndWait(1);
 * ```
 */
export const REGISTER_FILES_SKIP: -2 = -2;
/**
 * `IOU_PBUF_RING_INC`: buffers of this ring are consumed incrementally. Linux 6.12.
 *
 * `Ring.registerBufRing({ incremental: true })` sets it.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * // `incremental: true` registers the ring with IOU_PBUF_RING_INC
 * using group = ring.registerBufRing({ group: 1, entries: 4, size: 4096, incremental: true });
 * assert(group.incremental);
 * ```
 */
export const PBUF_RING_INC = 2;
/**
 * `SPLICE_F_FD_IN_FIXED`: the splice/tee source is a fixed file.
 *
 * `prepSplice`/`prepTee` set it for a `fixed(i)` source; pass it by hand as liburing does.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, Ring, SPLICE_F_FD_IN_FIXED } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const [r1, w1] = await io.pipe(), [r2, w2] = await io.pipe();
 * await io.write(w1, new TextEncoder().encode("hi"));
 * using ring = new Ring({ entries: 2 });
 * using files = ring.registerFiles([r1]);
 * ring.getSqe()!.prepSplice(0, -1, w2, -1, 2, SPLICE_F_FD_IN_FIXED); // fdIn 0 is slot 0: r1
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, 2);
 * for (const fd of [r1, w1, r2, w2]) await io.closeFd(fd);
 * ```
 */
export const SPLICE_F_FD_IN_FIXED = 0x80000000;
/**
 * `SOCKET_URING_OP_*` commands for `prepCmdSock`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Ring, Sock, SocketCmd } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * ring.getSqe()!.prepSocket(Sock.AF_INET, Sock.SOCK_DGRAM);
 * ring.submitAndWait(1);
 * const fd = ring.waitCqe()!.res;
 * const size = new Int32Array(1);
 * ring.getSqe()!.prepCmdSock(SocketCmd.GETSOCKOPT, fd, Sock.SOL_SOCKET, Sock.SO_RCVBUF, size);
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === 4 && size[0] > 0); // optlen, and the receive buffer size
 * ring.getSqe()!.prepClose(fd);
 * ring.submitAndWait(1);
 * ```
 */
export const SocketCmd = {
  /** Bytes queued for reading, in `res`. Linux 6.7. */
  SIOCINQ: 0,
  /** Bytes not yet sent, in `res`. Linux 6.7. */
  SIOCOUTQ: 1,
  /** getsockopt(2) into `optval` (`SOL_SOCKET` only); `res` is the length. Linux 6.7. */
  GETSOCKOPT: 2,
  /** setsockopt(2) from `optval`. Linux 6.7. */
  SETSOCKOPT: 3,
} as const;
/**
 * `FUTEX2_*` flags for the futex ops.
 *
 * Linux 6.7.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Futex2, FUTEX_BITSET_MATCH_ANY, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const word = new Int32Array(new SharedArrayBuffer(4)); // holds 0
 * const flags = Futex2.SIZE_U32 | Futex2.PRIVATE; // a process-private 32-bit futex
 * ring.getSqe()!.prepFutexWait(word, 1, FUTEX_BITSET_MATCH_ANY, flags);
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, -11); // -EAGAIN: the word is not 1, so no sleep
 * ```
 */
export const Futex2 = {
  /** An 8-bit futex word (declared; the kernel accepts only `SIZE_U32` so far). */
  SIZE_U8: 0,
  /** A 16-bit futex word (declared; the kernel accepts only `SIZE_U32` so far). */
  SIZE_U16: 1,
  /** A 32-bit futex word. Linux 6.7. */
  SIZE_U32: 2,
  /** A 64-bit futex word (declared; the kernel accepts only `SIZE_U32` so far). */
  SIZE_U64: 3,
  /** The futex word is followed by a NUMA node id. Linux 6.16. */
  NUMA: 4,
  /** Private to this process: faster, not shared through mapped files. Linux 6.7. */
  PRIVATE: 128,
} as const;
/**
 * `FUTEX_BITSET_MATCH_ANY`: the mask that matches every waiter.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Futex2, FUTEX_BITSET_MATCH_ANY, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const word = new Int32Array(new SharedArrayBuffer(4));
 * const flags = Futex2.SIZE_U32 | Futex2.PRIVATE;
 * ring.getSqe()!.prepFutexWait(word, 0, FUTEX_BITSET_MATCH_ANY, flags); // sleeps: the word is 0
 * ring.submit();
 * ring.getSqe()!.prepFutexWake(word, 1, FUTEX_BITSET_MATCH_ANY, flags);
 * ring.submitAndWait(2);
 * const results = [ring.waitCqe()!.res, ring.waitCqe()!.res];
 * assert(results.includes(1) && results.includes(0)); // one woken; the wait ended with 0
 * ```
 */
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;
