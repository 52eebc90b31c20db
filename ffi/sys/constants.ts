/**
 * Kernel ABI constants from `include/uapi/linux/io_uring.h` (Linux 6.18). Debian's liburing 2.3
 * stops at opcode 48, so everything here is declared from the kernel ABI itself.
 *
 * @module
 */

/**
 * io_uring opcodes (`IORING_OP_*`), numbered as the kernel numbers them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Op } from "../../mod.ts";
 * assertEquals([Op.READ, Op.PIPE], [22, 62]);
 * ```
 */
export const Op = {
  /** Does nothing; completes with 0. Linux 5.1. */
  NOP: 0,
  /** readv(2). Linux 5.1. */
  READV: 1,
  /** writev(2). Linux 5.1. */
  WRITEV: 2,
  /** fsync(2) / fdatasync(2). Linux 5.1. */
  FSYNC: 3,
  /** read into a registered buffer. Linux 5.1. */
  READ_FIXED: 4,
  /** write from a registered buffer. Linux 5.1. */
  WRITE_FIXED: 5,
  /** poll(2) for one fd. Linux 5.1. */
  POLL_ADD: 6,
  /** cancel or update a POLL_ADD. Linux 5.1. */
  POLL_REMOVE: 7,
  /** sync_file_range(2). Linux 5.2. */
  SYNC_FILE_RANGE: 8,
  /** sendmsg(2). Linux 5.3. */
  SENDMSG: 9,
  /** recvmsg(2). Linux 5.3. */
  RECVMSG: 10,
  /** a kernel timer, optionally counting completions. Linux 5.4. */
  TIMEOUT: 11,
  /** remove or update a TIMEOUT. Linux 5.5. */
  TIMEOUT_REMOVE: 12,
  /** accept4(2). Linux 5.5. */
  ACCEPT: 13,
  /** cancel a request by user data, fd or opcode. Linux 5.5. */
  ASYNC_CANCEL: 14,
  /** a timeout for the request linked before it. Linux 5.5. */
  LINK_TIMEOUT: 15,
  /** connect(2). Linux 5.5. */
  CONNECT: 16,
  /** fallocate(2). Linux 5.6. */
  FALLOCATE: 17,
  /** openat(2). Linux 5.6. */
  OPENAT: 18,
  /** close(2). Linux 5.6. */
  CLOSE: 19,
  /** update registered files. Linux 5.6. */
  FILES_UPDATE: 20,
  /** statx(2). Linux 5.6. */
  STATX: 21,
  /** read(2)/pread(2). Linux 5.6. */
  READ: 22,
  /** write(2)/pwrite(2). Linux 5.6. */
  WRITE: 23,
  /** posix_fadvise(2). Linux 5.6. */
  FADVISE: 24,
  /** madvise(2). Linux 5.6. */
  MADVISE: 25,
  /** send(2). Linux 5.6. */
  SEND: 26,
  /** recv(2). Linux 5.6. */
  RECV: 27,
  /** openat2(2). Linux 5.6. */
  OPENAT2: 28,
  /** epoll_ctl(2). Linux 5.6. */
  EPOLL_CTL: 29,
  /** splice(2). Linux 5.7. */
  SPLICE: 30,
  /** hand buffers to a group (legacy provided buffers). Linux 5.7. */
  PROVIDE_BUFFERS: 31,
  /** take buffers back from a group. Linux 5.7. */
  REMOVE_BUFFERS: 32,
  /** tee(2). Linux 5.8. */
  TEE: 33,
  /** shutdown(2). Linux 5.11. */
  SHUTDOWN: 34,
  /** renameat2(2). Linux 5.11. */
  RENAMEAT: 35,
  /** unlinkat(2). Linux 5.11. */
  UNLINKAT: 36,
  /** mkdirat(2). Linux 5.15. */
  MKDIRAT: 37,
  /** symlinkat(2). Linux 5.15. */
  SYMLINKAT: 38,
  /** linkat(2). Linux 5.15. */
  LINKAT: 39,
  /** post a CQE or a fixed file to another ring. Linux 5.18. */
  MSG_RING: 40,
  /** fsetxattr(2). Linux 5.19. */
  FSETXATTR: 41,
  /** setxattr(2). Linux 5.19. */
  SETXATTR: 42,
  /** fgetxattr(2). Linux 5.19. */
  FGETXATTR: 43,
  /** getxattr(2). Linux 5.19. */
  GETXATTR: 44,
  /** socket(2). Linux 5.19. */
  SOCKET: 45,
  /** a driver- or socket-specific command. Linux 5.19. */
  URING_CMD: 46,
  /** zero-copy send. Linux 6.0. */
  SEND_ZC: 47,
  /** zero-copy sendmsg. Linux 6.1. */
  SENDMSG_ZC: 48,
  /** multishot read into provided buffers. Linux 6.7. */
  READ_MULTISHOT: 49,
  /** waitid(2). Linux 6.7. */
  WAITID: 50,
  /** futex wait. Linux 6.7. */
  FUTEX_WAIT: 51,
  /** futex wake. Linux 6.7. */
  FUTEX_WAKE: 52,
  /** wait on several futexes. Linux 6.7. */
  FUTEX_WAITV: 53,
  /** turn a direct descriptor into a real fd. Linux 6.8. */
  FIXED_FD_INSTALL: 54,
  /** ftruncate(2). Linux 6.9. */
  FTRUNCATE: 55,
  /** bind(2). Linux 6.11. */
  BIND: 56,
  /** listen(2). Linux 6.11. */
  LISTEN: 57,
  /** zero-copy receive into a registered interface queue. Linux 6.15. */
  RECV_ZC: 58,
  /** epoll_wait(2). Linux 6.15. */
  EPOLL_WAIT: 59,
  /** readv(2) into a registered buffer. Linux 6.15. */
  READV_FIXED: 60,
  /** writev(2) from a registered buffer. Linux 6.15. */
  WRITEV_FIXED: 61,
  /** pipe2(2). Linux 6.16. */
  PIPE: 62,
} as const;
/** An io_uring opcode number. */
export type Op = typeof Op[keyof typeof Op];
/**
 * An opcode name in lower case, as accepted by `Ring.supports()` ("read", "send_zc").
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { type OpName, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const needed: OpName[] = ["nop", "openat", "read", "close"];
 * assert(needed.every((name) => ring.supports(name)));
 * ```
 */
export type OpName = Lowercase<keyof typeof Op>;

/**
 * `IOSQE_*` bits for `Sqe.flags`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Ring, SqeFlag } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const quiet = ring.getSqe()!;
 * quiet.prepNop();
 * quiet.flags |= SqeFlag.CQE_SKIP_SUCCESS; // no CQE when it succeeds
 * const last = ring.getSqe()!;
 * last.prepNop();
 * last.userData = 2;
 * ring.submitAndWait(1);
 * assertEquals([ring.waitCqe()!.userData, ring.cqReady()], [2, 0]);
 * ```
 */
export const SqeFlag = {
  /** `fd` is an index into the registered file table. */
  FIXED_FILE: 1 << 0,
  /** Issue only after all earlier requests completed. */
  IO_DRAIN: 1 << 1,
  /** The next SQE starts only after this one succeeds. */
  IO_LINK: 1 << 2,
  /** Like IO_LINK, but the chain goes on even when this one fails. */
  IO_HARDLINK: 1 << 3,
  /** Always issue from an io-wq worker. */
  ASYNC: 1 << 4,
  /** Pick a buffer from the group in `bufGroup`. */
  BUFFER_SELECT: 1 << 5,
  /** Post no CQE when the request succeeds. */
  CQE_SKIP_SUCCESS: 1 << 6,
} as const;
/** A combination of `SqeFlag` bits. */
export type SqeFlag = typeof SqeFlag[keyof typeof SqeFlag];

/**
 * `IORING_CQE_F_*` bits of a CQE's `flags`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { CqeFlag, Ring, TimeoutFlag } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * ring.getSqe()!.prepTimeout(1, 2, TimeoutFlag.MULTISHOT); // fires twice, 1 ms apart
 * ring.submitAndWait(2);
 * const first = ring.waitCqe()!, last = ring.waitCqe()!;
 * assert(first.flags & CqeFlag.MORE); // more CQEs follow for this request
 * assert(!(last.flags & CqeFlag.MORE)); // the request is done
 * ```
 */
export const CqeFlag = {
  /** The upper 16 bits of `flags` are the id of the buffer used (`flags >>> 16`). */
  BUFFER: 1 << 0,
  /** More CQEs follow for this request (multishot, zero-copy send). */
  MORE: 1 << 1,
  /** The socket had more data queued after this receive. */
  SOCK_NONEMPTY: 1 << 2,
  /** A zero-copy notification: the buffer is free again. */
  NOTIF: 1 << 3,
  /** An incrementally consumed buffer was not used up. */
  BUF_MORE: 1 << 4,
  /** A padding CQE of a mixed-size CQ: skip it. */
  SKIP: 1 << 5,
  /** A 32-byte CQE in a mixed-size CQ. */
  CQE32: 1 << 15,
} as const;
/** A combination of `CqeFlag` bits. */
export type CqeFlag = typeof CqeFlag[keyof typeof CqeFlag];

/**
 * `IORING_SETUP_*` bits for `io_uring_setup(2)`; `RingOptions` sets them by name.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Ring, SetupFlag } from "../../mod.ts";
 * using ring = new Ring({ entries: 4, flags: SetupFlag.SUBMIT_ALL | SetupFlag.COOP_TASKRUN });
 * assert(ring.setupFlags & SetupFlag.SUBMIT_ALL);
 * assert(ring.setupFlags & SetupFlag.COOP_TASKRUN);
 * ```
 */
export const SetupFlag = {
  /** Busy-poll for completions of O_DIRECT I/O instead of taking interrupts. Linux 5.1. */
  IOPOLL: 1 << 0,
  /** A kernel thread polls the SQ, so submitting needs no syscall while it runs. Linux 5.1. */
  SQPOLL: 1 << 1,
  /** Pin the SQPOLL thread to the CPU in `sq_thread_cpu`. Linux 5.1. */
  SQ_AFF: 1 << 2,
  /** Take the CQ size from `cq_entries` instead of twice the SQ size. Linux 5.5. */
  CQSIZE: 1 << 3,
  /** Clamp too-large ring sizes to the maximum instead of failing. Linux 5.6. */
  CLAMP: 1 << 4,
  /** Share the io-wq worker pool of the ring in `wq_fd`. Linux 5.6. */
  ATTACH_WQ: 1 << 5,
  /** Start disabled until `IORING_REGISTER_ENABLE_RINGS`. Linux 5.10. */
  R_DISABLED: 1 << 6,
  /** Go on submitting the batch after an SQE fails to prepare. Linux 5.18. */
  SUBMIT_ALL: 1 << 7,
  /** Run completion work only on kernel transitions, without an IPI. Linux 5.19. */
  COOP_TASKRUN: 1 << 8,
  /** Flag pending completion work with `SqRingFlag.TASKRUN`. Linux 5.19. */
  TASKRUN_FLAG: 1 << 9,
  /** 128-byte SQEs, for big `uring_cmd` payloads. Linux 5.19. */
  SQE128: 1 << 10,
  /** 32-byte CQEs, for big `uring_cmd` results. Linux 5.19. */
  CQE32: 1 << 11,
  /** Only one task submits, which lets the kernel skip locking. Linux 6.0. */
  SINGLE_ISSUER: 1 << 12,
  /** Run completion work only when the submitting task waits. Linux 6.1. */
  DEFER_TASKRUN: 1 << 13,
  /** The application provides the ring memory instead of mmap(2)ing it. Linux 6.5. */
  NO_MMAP: 1 << 14,
  /** Return a registered ring index instead of an fd. Linux 6.5. */
  REGISTERED_FD_ONLY: 1 << 15,
  /** No SQ index array: SQEs are used in ring order. Linux 6.6. */
  NO_SQARRAY: 1 << 16,
  /** IOPOLL that sleeps first, then polls. Linux 6.13. */
  HYBRID_IOPOLL: 1 << 17,
  /** 16- and 32-byte CQEs in one CQ (see `CqeFlag.CQE32`). Linux 6.18. */
  CQE_MIXED: 1 << 18,
} as const;

/**
 * `IORING_ENTER_*` bits for `io_uring_enter(2)`.
 *
 * `Ring` passes them itself: `submitAndWait` enters with `GETEVENTS`, `submitAndWaitTimeout` adds
 * `EXT_ARG`, a registered ring fd adds `REGISTERED_RING`, and a sleeping SQPOLL thread is woken
 * with `SQ_WAKEUP`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4, sqpoll: true, sqThreadIdle: 1 });
 * await new Promise((r) => setTimeout(r, 20)); // the SQPOLL thread sleeps after 1 ms idle
 * ring.getSqe()!.prepNop();
 * ring.submitAndWait(1); // sees SqRingFlag.NEED_WAKEUP: enters with GETEVENTS | SQ_WAKEUP
 * assertEquals(ring.waitCqe()!.res, 0);
 * ```
 */
export const EnterFlag = {
  /** Wait for `min_complete` CQEs. Linux 5.1. */
  GETEVENTS: 1 << 0,
  /** Wake the SQPOLL thread. Linux 5.1. */
  SQ_WAKEUP: 1 << 1,
  /** Wait until the SQPOLL thread has made room in the SQ. Linux 5.10. */
  SQ_WAIT: 1 << 2,
  /** The argument is a `struct io_uring_getevents_arg` (sigmask and timeout). Linux 5.11. */
  EXT_ARG: 1 << 3,
  /** The fd is a registered ring index. Linux 5.18. */
  REGISTERED_RING: 1 << 4,
  /** The wait timeout is an absolute time. Linux 6.12. */
  ABS_TIMER: 1 << 5,
  /** The wait argument is in a registered region. Linux 6.13. */
  EXT_ARG_REG: 1 << 6,
  /** Do not count the wait as iowait. Linux 6.15. */
  NO_IOWAIT: 1 << 7,
} as const;

/**
 * `IORING_SQ_*` bits the kernel sets in the SQ ring's flags word.
 *
 * `Ring` reads them itself (to wake an SQPOLL thread, to flush overflowed CQEs).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CqeBatch, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 2, cqEntries: 2 });
 * for (let i = 0; i < 4; i++) {
 *   ring.getSqe()!.prepNop();
 *   ring.submit(); // the 3rd and 4th CQE overflow: the kernel sets CQ_OVERFLOW
 * }
 * const batch = new CqeBatch(8);
 * const n = ring.copyCqes(batch) + ring.copyCqes(batch); // Ring sees CQ_OVERFLOW and flushes
 * assertEquals([n, ring.cqOverflow], [4, 0]); // none lost
 * ```
 */
export const SqRingFlag = {
  /** The SQPOLL thread sleeps: enter with `EnterFlag.SQ_WAKEUP`. Linux 5.1. */
  NEED_WAKEUP: 1 << 0,
  /** CQEs overflowed the CQ and wait in the kernel to be flushed. Linux 5.8. */
  CQ_OVERFLOW: 1 << 1,
  /** Completion work is pending: enter to run it (`SetupFlag.TASKRUN_FLAG`). Linux 5.19. */
  TASKRUN: 1 << 2,
} as const;

/**
 * `IORING_FEAT_*` bits, as reported by `io_uring_setup(2)`. `Ring.features` names them.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Feature, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const names = Object.keys(Feature) as (keyof typeof Feature)[];
 * assert(names.every((name) => typeof ring.features[name] === "boolean"));
 * assert(ring.features.nodrop && ring.features.extArg); // Linux 5.5 and 5.11
 * ```
 */
export const Feature = {
  /** SQ and CQ rings share one mmap. Linux 5.4. */
  singleMmap: 1 << 0,
  /** CQEs that do not fit the CQ are kept in the kernel, not dropped. Linux 5.5. */
  nodrop: 1 << 1,
  /** Data for an SQE is copied at submit: it may change once submitted. Linux 5.5. */
  submitStable: 1 << 2,
  /** An offset of -1 reads and writes at the file position. Linux 5.6. */
  rwCurPos: 1 << 3,
  /** Requests run with the credentials of the submitting task. Linux 5.6. */
  curPersonality: 1 << 4,
  /** Requests that cannot proceed wait on poll, not on a worker. Linux 5.7. */
  fastPoll: 1 << 5,
  /** Poll masks are 32 bits (`EPOLLEXCLUSIVE` and friends). Linux 5.9. */
  poll32Bits: 1 << 6,
  /** SQPOLL works with plain fds, not only registered files. Linux 5.11. */
  sqpollNonfixed: 1 << 7,
  /** `io_uring_enter(2)` takes `EnterFlag.EXT_ARG`. Linux 5.11. */
  extArg: 1 << 8,
  /** io-wq workers are threads of the submitting process. Linux 5.12. */
  nativeWorkers: 1 << 9,
  /** Registered files and buffers can carry tags. Linux 5.13. */
  rsrcTags: 1 << 10,
  /** `SqeFlag.CQE_SKIP_SUCCESS` works. Linux 5.17. */
  cqeSkip: 1 << 11,
  /** A linked request resolves its file only when it starts. Linux 5.17. */
  linkedFile: 1 << 12,
  /** `io_uring_register(2)` takes a registered ring index. Linux 6.3. */
  regRegRing: 1 << 13,
  /** Sends and receives take `RecvSendFlag.BUNDLE`. Linux 6.10. */
  recvsendBundle: 1 << 14,
  /** Waits take a minimum wait time before the batch timeout. Linux 6.12. */
  minTimeout: 1 << 15,
  /** Reads and writes take attributes (integrity data). Linux 6.14. */
  rwAttr: 1 << 16,
  /** `io_uring_enter(2)` takes `EnterFlag.NO_IOWAIT`. Linux 6.15. */
  noIowait: 1 << 17,
} as const;

/**
 * `io_uring_register(2)` opcodes (`IORING_REGISTER_*`).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Op, RegisterOp, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const probe = new Uint8Array(16 + 256 * 8); // struct io_uring_probe + 256 io_uring_probe_op
 * ring.register(RegisterOp.PROBE, probe, 256);
 * assert(probe[16 + Op.READ * 8 + 2] & 1); // IO_URING_OP_SUPPORTED for IORING_OP_READ
 * ```
 */
export const RegisterOp = {
  /** Register fixed buffers. Linux 5.1. */
  BUFFERS: 0,
  /** Drop the fixed buffers. Linux 5.1. */
  UNREGISTER_BUFFERS: 1,
  /** Register a file table. Linux 5.1. */
  FILES: 2,
  /** Drop the file table, closing its files. Linux 5.1. */
  UNREGISTER_FILES: 3,
  /** Signal an eventfd on every CQE. Linux 5.2. */
  EVENTFD: 4,
  /** Stop signalling the eventfd. Linux 5.2. */
  UNREGISTER_EVENTFD: 5,
  /** Replace slots of the file table. Linux 5.5. */
  FILES_UPDATE: 6,
  /** Signal an eventfd only for CQEs posted asynchronously. Linux 5.6. */
  EVENTFD_ASYNC: 7,
  /** Report which opcodes the kernel supports. Linux 5.6. */
  PROBE: 8,
  /** Register the current credentials; returns an id for `Sqe.personality`. Linux 5.6. */
  PERSONALITY: 9,
  /** Drop a registered personality. Linux 5.6. */
  UNREGISTER_PERSONALITY: 10,
  /** Limit the opcodes and flags a disabled ring will accept. Linux 5.10. */
  RESTRICTIONS: 11,
  /** Start a ring set up with `SetupFlag.R_DISABLED`. Linux 5.10. */
  ENABLE_RINGS: 12,
  /** Register a file table, with tags. Linux 5.13. */
  FILES2: 13,
  /** Replace slots of the file table, with tags. Linux 5.13. */
  FILES_UPDATE2: 14,
  /** Register fixed buffers, with tags or sparse. Linux 5.13. */
  BUFFERS2: 15,
  /** Replace fixed buffers. Linux 5.13. */
  BUFFERS_UPDATE: 16,
  /** Set the CPU affinity of io-wq workers. Linux 5.14. */
  IOWQ_AFF: 17,
  /** Reset the io-wq worker affinity. Linux 5.14. */
  UNREGISTER_IOWQ_AFF: 18,
  /** Limit the number of io-wq workers. Linux 5.15. */
  IOWQ_MAX_WORKERS: 19,
  /** Register ring fds, so `io_uring_enter` skips the fd lookup. Linux 5.18. */
  RING_FDS: 20,
  /** Drop registered ring fds. Linux 5.18. */
  UNREGISTER_RING_FDS: 21,
  /** Register a provided-buffer ring. Linux 5.19. */
  PBUF_RING: 22,
  /** Drop a provided-buffer ring. Linux 5.19. */
  UNREGISTER_PBUF_RING: 23,
  /** Cancel requests and wait for them to end. Linux 6.0. */
  SYNC_CANCEL: 24,
  /** Limit the slots the kernel picks for `FILE_INDEX_ALLOC`. Linux 6.0. */
  FILE_ALLOC_RANGE: 25,
  /** Read the head of a provided-buffer ring. Linux 6.8. */
  PBUF_STATUS: 26,
  /** Turn on NAPI busy polling. Linux 6.9. */
  NAPI: 27,
  /** Turn NAPI busy polling off. Linux 6.9. */
  UNREGISTER_NAPI: 28,
  /** Pick the clock for wait timeouts. Linux 6.12. */
  CLOCK: 29,
  /** Copy the fixed buffers of another ring. Linux 6.12. */
  CLONE_BUFFERS: 30,
  /** Post a CQE to a ring without a ring of one's own. Linux 6.13. */
  SEND_MSG_RING: 31,
  /** Register a NIC receive queue for zero-copy receive. Linux 6.15. */
  ZCRX_IFQ: 32,
  /** Resize the SQ and CQ of a live ring. Linux 6.13. */
  RESIZE_RINGS: 33,
  /** Register a memory region (for wait arguments). Linux 6.13. */
  MEM_REGION: 34,
  /** OR-ed into the opcode when `fd` is a registered ring index. Linux 6.3. */
  USE_REGISTERED_RING: 1 << 31,
} as const;

export * from "./op_flags.ts";
export * from "./libc_flags.ts";
