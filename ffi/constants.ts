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
/** An opcode name in lower case, as accepted by `Ring.supports()` ("read", "send_zc"). */
export type OpName = Lowercase<keyof typeof Op>;

/** `IOSQE_*` bits for `Sqe.flags`. */
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

/** `IORING_CQE_F_*` bits of a CQE's `flags`. */
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

/** `IORING_SETUP_*` bits for `io_uring_setup(2)`; `RingOptions` sets them by name. */
export const SetupFlag = {
  IOPOLL: 1 << 0,
  SQPOLL: 1 << 1,
  SQ_AFF: 1 << 2,
  CQSIZE: 1 << 3,
  CLAMP: 1 << 4,
  ATTACH_WQ: 1 << 5,
  R_DISABLED: 1 << 6,
  SUBMIT_ALL: 1 << 7,
  COOP_TASKRUN: 1 << 8,
  TASKRUN_FLAG: 1 << 9,
  SQE128: 1 << 10,
  CQE32: 1 << 11,
  SINGLE_ISSUER: 1 << 12,
  DEFER_TASKRUN: 1 << 13,
  NO_MMAP: 1 << 14,
  REGISTERED_FD_ONLY: 1 << 15,
  NO_SQARRAY: 1 << 16,
  HYBRID_IOPOLL: 1 << 17,
  CQE_MIXED: 1 << 18,
} as const;

/** `IORING_ENTER_*` bits for `io_uring_enter(2)`. */
export const EnterFlag = {
  GETEVENTS: 1 << 0,
  SQ_WAKEUP: 1 << 1,
  SQ_WAIT: 1 << 2,
  EXT_ARG: 1 << 3,
  REGISTERED_RING: 1 << 4,
  ABS_TIMER: 1 << 5,
  EXT_ARG_REG: 1 << 6,
  NO_IOWAIT: 1 << 7,
} as const;

/** `IORING_SQ_*` bits the kernel sets in the SQ ring's flags word. */
export const SqRingFlag = {
  NEED_WAKEUP: 1 << 0,
  CQ_OVERFLOW: 1 << 1,
  TASKRUN: 1 << 2,
} as const;

/** `IORING_FEAT_*` bits, as reported by `io_uring_setup(2)`. `Ring.features` names them. */
export const Feature = {
  singleMmap: 1 << 0,
  nodrop: 1 << 1,
  submitStable: 1 << 2,
  rwCurPos: 1 << 3,
  curPersonality: 1 << 4,
  fastPoll: 1 << 5,
  poll32Bits: 1 << 6,
  sqpollNonfixed: 1 << 7,
  extArg: 1 << 8,
  nativeWorkers: 1 << 9,
  rsrcTags: 1 << 10,
  cqeSkip: 1 << 11,
  linkedFile: 1 << 12,
  regRegRing: 1 << 13,
  recvsendBundle: 1 << 14,
  minTimeout: 1 << 15,
  rwAttr: 1 << 16,
  noIowait: 1 << 17,
} as const;

/** `io_uring_register(2)` opcodes (`IORING_REGISTER_*`). */
export const RegisterOp = {
  BUFFERS: 0,
  UNREGISTER_BUFFERS: 1,
  FILES: 2,
  UNREGISTER_FILES: 3,
  EVENTFD: 4,
  UNREGISTER_EVENTFD: 5,
  FILES_UPDATE: 6,
  EVENTFD_ASYNC: 7,
  PROBE: 8,
  PERSONALITY: 9,
  UNREGISTER_PERSONALITY: 10,
  RESTRICTIONS: 11,
  ENABLE_RINGS: 12,
  FILES2: 13,
  FILES_UPDATE2: 14,
  BUFFERS2: 15,
  BUFFERS_UPDATE: 16,
  IOWQ_AFF: 17,
  UNREGISTER_IOWQ_AFF: 18,
  IOWQ_MAX_WORKERS: 19,
  RING_FDS: 20,
  UNREGISTER_RING_FDS: 21,
  PBUF_RING: 22,
  UNREGISTER_PBUF_RING: 23,
  SYNC_CANCEL: 24,
  FILE_ALLOC_RANGE: 25,
  PBUF_STATUS: 26,
  NAPI: 27,
  UNREGISTER_NAPI: 28,
  CLOCK: 29,
  CLONE_BUFFERS: 30,
  SEND_MSG_RING: 31,
  ZCRX_IFQ: 32,
  RESIZE_RINGS: 33,
  MEM_REGION: 34,
  /** OR-ed into the opcode when `fd` is a registered ring index. */
  USE_REGISTERED_RING: 1 << 31,
} as const;

/** `IORING_TIMEOUT_*` bits for `prepTimeout`, `prepLinkTimeout`, `prepTimeoutUpdate`. */
export const TimeoutFlag = {
  ABS: 1 << 0,
  UPDATE: 1 << 1,
  BOOTTIME: 1 << 2,
  REALTIME: 1 << 3,
  LINK_TIMEOUT_UPDATE: 1 << 4,
  ETIME_SUCCESS: 1 << 5,
  MULTISHOT: 1 << 6,
} as const;

/** `IORING_POLL_*` bits (in the SQE's `len`) for poll add/update. */
export const PollFlag = {
  ADD_MULTI: 1 << 0,
  UPDATE_EVENTS: 1 << 1,
  UPDATE_USER_DATA: 1 << 2,
  ADD_LEVEL: 1 << 3,
} as const;

/** poll(2) event bits. */
export const PollEvent = {
  IN: 0x001,
  PRI: 0x002,
  OUT: 0x004,
  ERR: 0x008,
  HUP: 0x010,
  NVAL: 0x020,
  RDHUP: 0x2000,
} as const;

/** `IORING_ASYNC_CANCEL_*` bits for `prepCancel`. */
export const CancelFlag = {
  ALL: 1 << 0,
  FD: 1 << 1,
  ANY: 1 << 2,
  FD_FIXED: 1 << 3,
  USERDATA: 1 << 4,
  OP: 1 << 5,
} as const;

/** `IORING_RECVSEND_*` / `IORING_RECV_*` / `IORING_SEND_ZC_*` bits (in the SQE's `ioprio`). */
export const RecvSendFlag = {
  POLL_FIRST: 1 << 0,
  RECV_MULTISHOT: 1 << 1,
  FIXED_BUF: 1 << 2,
  SEND_ZC_REPORT_USAGE: 1 << 3,
  BUNDLE: 1 << 4,
} as const;

/** `IORING_ACCEPT_*` bits (in the SQE's `ioprio`). */
export const AcceptFlag = {
  MULTISHOT: 1 << 0,
  DONTWAIT: 1 << 1,
  POLL_FIRST: 1 << 2,
} as const;

/** `IORING_MSG_RING_*` flags and `IORING_MSG_*` commands for `prepMsgRing`. */
export const MsgRingFlag = {
  CQE_SKIP: 1 << 0,
  FLAGS_PASS: 1 << 1,
} as const;

/** `IORING_FSYNC_DATASYNC`: fdatasync(2) instead of fsync(2). */
export const FSYNC_DATASYNC = 1;
/** `IORING_FIXED_FD_NO_CLOEXEC` for `prepFixedFdInstall`. */
export const FIXED_FD_NO_CLOEXEC = 1;
/** `IORING_FILE_INDEX_ALLOC`: let the kernel pick a free slot of the file table. */
export const FILE_INDEX_ALLOC = 0xffffffff;
/** `IORING_REGISTER_FILES_SKIP`: leave this slot as it is in a file-table update. */
export const REGISTER_FILES_SKIP: -2 = -2;
/** `IOU_PBUF_RING_INC`: buffers of this ring are consumed incrementally. */
export const PBUF_RING_INC = 2;
/** `SPLICE_F_FD_IN_FIXED`: the splice/tee source is a fixed file. */
export const SPLICE_F_FD_IN_FIXED = 0x80000000;
/** `SOCKET_URING_OP_*` commands for `prepCmdSock`. */
export const SocketCmd = {
  SIOCINQ: 0,
  SIOCOUTQ: 1,
  GETSOCKOPT: 2,
  SETSOCKOPT: 3,
} as const;
/** `FUTEX2_*` flags for the futex ops. */
export const Futex2 = {
  SIZE_U8: 0,
  SIZE_U16: 1,
  SIZE_U32: 2,
  SIZE_U64: 3,
  NUMA: 4,
  PRIVATE: 128,
} as const;
/** `FUTEX_BITSET_MATCH_ANY`: the mask that matches every waiter. */
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;

/** `O_*` flags for `prepOpenat` (x86-64 and aarch64 values). */
export const OpenFlag = {
  RDONLY: 0,
  WRONLY: 1,
  RDWR: 2,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DSYNC: 0o10000,
  DIRECT: 0o40000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  CLOEXEC: 0o2000000,
  PATH: 0o10000000,
  TMPFILE: 0o20200000,
} as const;

/** `AT_*` values for the `*at` preps. */
export const At = {
  /** Paths relative to the current directory. */
  FDCWD: -100,
  SYMLINK_NOFOLLOW: 0x100,
  REMOVEDIR: 0x200,
  SYMLINK_FOLLOW: 0x400,
  EMPTY_PATH: 0x1000,
} as const;

/** `STATX_*` mask bits for `prepStatx`. */
export const StatxMask = {
  TYPE: 0x1,
  MODE: 0x2,
  NLINK: 0x4,
  UID: 0x8,
  GID: 0x10,
  ATIME: 0x20,
  MTIME: 0x40,
  CTIME: 0x80,
  INO: 0x100,
  SIZE: 0x200,
  BLOCKS: 0x400,
  BASIC_STATS: 0x7ff,
  BTIME: 0x800,
  ALL: 0xfff,
} as const;

/** Socket domains, types and levels for `prepSocket` and friends. */
export const Sock = {
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_REUSEADDR: 2,
  SO_RCVBUF: 8,
  IPPROTO_TCP: 6,
  TCP_NODELAY: 1,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  MSG_PEEK: 2,
  MSG_DONTWAIT: 0x40,
  MSG_WAITALL: 0x100,
  MSG_NOSIGNAL: 0x4000,
} as const;
