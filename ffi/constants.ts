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
 * import assert from "node:assert/strict";
 * import { Op } from "../mod.ts";
 * assert(Op.READ === 22 && Op.PIPE === 62);
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
 * import assert from "node:assert/strict";
 * import { type OpName, Ring } from "../mod.ts";
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
 * import assert from "node:assert/strict";
 * import { Ring, SqeFlag } from "../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const quiet = ring.getSqe()!;
 * quiet.prepNop();
 * quiet.flags |= SqeFlag.CQE_SKIP_SUCCESS; // no CQE when it succeeds
 * const last = ring.getSqe()!;
 * last.prepNop();
 * last.userData = 2;
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.userData === 2 && ring.cqReady() === 0);
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
 * import assert from "node:assert/strict";
 * import { CqeFlag, Ring, TimeoutFlag } from "../mod.ts";
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
 * import assert from "node:assert/strict";
 * import { Ring, SetupFlag } from "../mod.ts";
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
 * import assert from "node:assert/strict";
 * import { Ring } from "../mod.ts";
 * using ring = new Ring({ entries: 4, sqpoll: true, sqThreadIdle: 1 });
 * await new Promise((r) => setTimeout(r, 20)); // the SQPOLL thread sleeps after 1 ms idle
 * ring.getSqe()!.prepNop();
 * ring.submitAndWait(1); // sees SqRingFlag.NEED_WAKEUP: enters with GETEVENTS | SQ_WAKEUP
 * assert(ring.waitCqe()!.res === 0);
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
 * import assert from "node:assert/strict";
 * import { CqeBatch, Ring } from "../mod.ts";
 * using ring = new Ring({ entries: 2, cqEntries: 2 });
 * for (let i = 0; i < 4; i++) {
 *   ring.getSqe()!.prepNop();
 *   ring.submit(); // the 3rd and 4th CQE overflow: the kernel sets CQ_OVERFLOW
 * }
 * const batch = new CqeBatch(8);
 * const n = ring.copyCqes(batch) + ring.copyCqes(batch); // Ring sees CQ_OVERFLOW and flushes
 * assert(n === 4 && ring.cqOverflow === 0); // none lost
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
 * import assert from "node:assert/strict";
 * import { Feature, Ring } from "../mod.ts";
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
 * import assert from "node:assert/strict";
 * import { Op, RegisterOp, Ring } from "../mod.ts";
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

/**
 * `IORING_TIMEOUT_*` bits for `prepTimeout`, `prepLinkTimeout`, `prepTimeoutUpdate`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Ring, SqeFlag, TimeoutFlag } from "../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const wait = ring.getSqe()!;
 * wait.prepTimeout(1, 0, TimeoutFlag.ETIME_SUCCESS); // 1 ms; expiring does not break the chain
 * wait.flags |= SqeFlag.IO_LINK;
 * ring.getSqe()!.prepNop();
 * ring.submitAndWait(2);
 * assert(ring.waitCqe()!.res === -62 && ring.waitCqe()!.res === 0); // -ETIME, then the NOP ran
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
 * import assert from "node:assert/strict";
 * import { eventfd, PollEvent, PollFlag, Ring } from "../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const efd = eventfd(0); // counter 0: not readable
 * const poll = ring.getSqe()!;
 * poll.prepPollAdd(efd, PollEvent.IN);
 * poll.userData = 1;
 * ring.getSqe()!.prepPollUpdate(1, 0, PollEvent.OUT, PollFlag.UPDATE_EVENTS); // OUT instead of IN
 * ring.submitAndWait(2);
 * const cqes = [ring.waitCqe()!, ring.waitCqe()!];
 * assert(cqes.find((c) => c.userData === 1)!.res === PollEvent.OUT);
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
 * import assert from "node:assert/strict";
 * import { eventfd, PollEvent, Ring } from "../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const efd = eventfd(1); // counter 1: readable and writable
 * ring.getSqe()!.prepPollAdd(efd, PollEvent.IN | PollEvent.OUT);
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === (PollEvent.IN | PollEvent.OUT));
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
 * import assert from "node:assert/strict";
 * import { CancelFlag, CqeBatch, Ring } from "../mod.ts";
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
 * assert([...batch].find((cqe) => cqe.userData === 0)!.res === 2); // two were cancelled
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
 * import assert from "node:assert/strict";
 * import { AsyncRing, RecvSendFlag, Ring, Sock, sockaddr } from "../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const fd = await io.socket(Sock.AF_INET, Sock.SOCK_DGRAM);
 * await io.bind(fd, { hostname: "127.0.0.1", port: 0 });
 * using ring = new Ring({ entries: 4 });
 * const recv = ring.getSqe()!;
 * recv.prepRecv(fd, new Uint8Array(8));
 * recv.ioprio = RecvSendFlag.POLL_FIRST; // nothing is queued yet: arm a poll before trying
 * ring.getSqe()!.prepSendto(fd, new Uint8Array([1, 2]), 0, sockaddr(io.localAddr(fd)));
 * ring.submitAndWait(2);
 * assert(ring.waitCqe()!.res === 2 && ring.waitCqe()!.res === 2); // recv and send, 2 bytes each
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
 * import assert from "node:assert/strict";
 * import { AcceptFlag, AsyncRing, Ring } from "../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
 * using ring = new Ring({ entries: 4 });
 * const sqe = ring.getSqe()!;
 * sqe.prepAccept(lfd);
 * sqe.ioprio = AcceptFlag.DONTWAIT; // no connection is waiting: fail at once instead of waiting
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === -11); // -EAGAIN
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
 * import assert from "node:assert/strict";
 * import { MsgRingFlag, Ring } from "../mod.ts";
 * using a = new Ring({ entries: 2 });
 * using b = new Ring({ entries: 2 });
 * const sqe = a.getSqe()!;
 * sqe.prepMsgRing(b.fd, 7, 42, MsgRingFlag.FLAGS_PASS); // res 7, user data 42, on ring b
 * sqe.fileIndex = 0x100; // with FLAGS_PASS: the flags of b's CQE
 * a.submitAndWait(1);
 * assert(a.waitCqe()!.res === 0);
 * const cqe = b.waitCqe()!;
 * assert(cqe.res === 7 && cqe.userData === 42 && cqe.flags === 0x100);
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
 * import assert from "node:assert/strict";
 * import { At, FSYNC_DATASYNC, OpenFlag, Ring } from "../mod.ts";
 * const path = Deno.makeTempFileSync();
 * using ring = new Ring({ entries: 4 });
 * ring.getSqe()!.prepOpenat(At.FDCWD, path, OpenFlag.WRONLY);
 * ring.submitAndWait(1);
 * const fd = ring.waitCqe()!.res;
 * ring.getSqe()!.prepFsync(fd, FSYNC_DATASYNC); // data only, not the metadata
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === 0);
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
 * import assert from "node:assert/strict";
 * import { FIXED_FD_NO_CLOEXEC, OpenFlag, Ring, Sock } from "../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * using files = ring.registerFiles(1);
 * ring.getSqe()!.prepSocketDirect(Sock.AF_INET, Sock.SOCK_DGRAM, 0, 0, 0); // into slot 0
 * ring.submitAndWait(1);
 * ring.waitCqe();
 * ring.getSqe()!.prepFixedFdInstall(0, FIXED_FD_NO_CLOEXEC); // a real fd, kept across exec
 * ring.submitAndWait(1);
 * const fd = ring.waitCqe()!.res;
 * const flags = Deno.readTextFileSync(`/proc/self/fdinfo/${fd}`).match(/flags:\s+(\d+)/)![1];
 * assert((parseInt(flags, 8) & OpenFlag.CLOEXEC) === 0);
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
 * import assert from "node:assert/strict";
 * import { FILE_INDEX_ALLOC, Ring, Sock } from "../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * using files = ring.registerFiles(4); // four empty slots
 * ring.getSqe()!.prepSocketDirect(Sock.AF_INET, Sock.SOCK_DGRAM, 0, 0, FILE_INDEX_ALLOC);
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === 0); // the slot the kernel picked
 * ```
 */
export const FILE_INDEX_ALLOC = 0xffffffff;
/**
 * `IORING_REGISTER_FILES_SKIP`: leave this slot as it is in a file-table update. Linux 5.12.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { eventfd, fixed, REGISTER_FILES_SKIP, Ring } from "../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const efd = eventfd(5);
 * using files = ring.registerFiles([efd, efd]);
 * assert(files.update(0, [REGISTER_FILES_SKIP, -1]) === 2); // keep slot 0, empty slot 1
 * const count = new BigUint64Array(1);
 * ring.getSqe()!.prepRead(fixed(0), new Uint8Array(count.buffer), 0);
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === 8 && count[0] === 5n); // slot 0 still holds the eventfd
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
 * import assert from "node:assert/strict";
 * import { Ring } from "../mod.ts";
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
 * import assert from "node:assert/strict";
 * import { AsyncRing, Ring, SPLICE_F_FD_IN_FIXED } from "../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const [r1, w1] = await io.pipe(), [r2, w2] = await io.pipe();
 * await io.write(w1, new TextEncoder().encode("hi"));
 * using ring = new Ring({ entries: 2 });
 * using files = ring.registerFiles([r1]);
 * ring.getSqe()!.prepSplice(0, -1, w2, -1, 2, SPLICE_F_FD_IN_FIXED); // fdIn 0 is slot 0: r1
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === 2);
 * for (const fd of [r1, w1, r2, w2]) await io.closeFd(fd);
 * ```
 */
export const SPLICE_F_FD_IN_FIXED = 0x80000000;
/**
 * `SOCKET_URING_OP_*` commands for `prepCmdSock`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Ring, Sock, SocketCmd } from "../mod.ts";
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
 * import assert from "node:assert/strict";
 * import { Futex2, FUTEX_BITSET_MATCH_ANY, Ring } from "../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const word = new Int32Array(new SharedArrayBuffer(4)); // holds 0
 * const flags = Futex2.SIZE_U32 | Futex2.PRIVATE; // a process-private 32-bit futex
 * ring.getSqe()!.prepFutexWait(word, 1, FUTEX_BITSET_MATCH_ANY, flags);
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === -11); // -EAGAIN: the word is not 1, so no sleep
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
 * import assert from "node:assert/strict";
 * import { Futex2, FUTEX_BITSET_MATCH_ANY, Ring } from "../mod.ts";
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

// aarch64 numbers four O_* flags differently from x86-64 (asm-generic vs x86 fcntl.h).
const ARM = Deno.build.arch === "aarch64";

/**
 * `O_*` flags for `prepOpenat`, with the values of the architecture Deno runs on (x86-64 or
 * aarch64).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { At, OpenFlag, Ring } from "../mod.ts";
 * const path = Deno.makeTempFileSync(); // exists already
 * using ring = new Ring({ entries: 2 });
 * const flags = OpenFlag.WRONLY | OpenFlag.CREAT | OpenFlag.EXCL;
 * ring.getSqe()!.prepOpenat(At.FDCWD, path, flags, 0o600);
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === -17); // -EEXIST: EXCL refuses a file that exists
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
 * import assert from "node:assert/strict";
 * import { At, Ring } from "../mod.ts";
 * const dir = Deno.makeTempDirSync();
 * using ring = new Ring({ entries: 2 });
 * ring.getSqe()!.prepUnlinkat(At.FDCWD, dir, At.REMOVEDIR); // rmdir(2), not unlink(2)
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === 0);
 * assert.throws(() => Deno.statSync(dir), Deno.errors.NotFound);
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
 * import assert from "node:assert/strict";
 * import { At, Ring, StatxMask } from "../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const buf = new Uint8Array(256); // struct statx
 * ring.getSqe()!.prepStatx(At.FDCWD, "/", 0, StatxMask.TYPE | StatxMask.MODE, buf);
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === 0);
 * const v = new DataView(buf.buffer);
 * assert(v.getUint32(0, true) & StatxMask.TYPE); // stx_mask: the type was filled in
 * assert((v.getUint16(28, true) & 0o170000) === 0o040000); // stx_mode: a directory
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
 * import assert from "node:assert/strict";
 * import { AsyncRing, Sock } from "../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const fd = await io.socket(Sock.AF_INET, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC);
 * await io.setsockopt(fd, Sock.IPPROTO_TCP, Sock.TCP_NODELAY, new Int32Array([1]));
 * await io.bind(fd, { hostname: "127.0.0.1", port: 0 });
 * assert(io.localAddr(fd).port > 0);
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
