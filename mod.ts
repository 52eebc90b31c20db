/**
 * io_uring for Deno: Linux's shared-ring asynchronous I/O, from TypeScript.
 *
 * Two layers: {@link Ring}, shaped like liburing (every `io_uring_prep_X` is `Sqe.prepX`, SQEs
 * written straight into the shared ring memory, one `io_uring_enter` per batch), and
 * `AsyncRing`, promises batched per event-loop turn.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CqeBatch, Ring } from "./mod.ts";
 * using ring = new Ring({ entries: 8 });
 * const sqe = ring.getSqe()!;
 * sqe.prepNop();
 * sqe.userData = 42;
 * ring.submitAndWait(1);
 * const batch = new CqeBatch(8);
 * ring.copyCqes(batch);
 * assertEquals([batch.userData(0), batch.res(0)], [42, 0]);
 * ```
 *
 * @module
 */
export {
  AcceptFlag,
  CancelFlag,
  CqeFlag,
  EnterFlag,
  Feature,
  FILE_INDEX_ALLOC,
  FIXED_FD_NO_CLOEXEC,
  FSYNC_DATASYNC,
  Futex2,
  FUTEX_BITSET_MATCH_ANY,
  MsgRingFlag,
  Op,
  PBUF_RING_INC,
  PollEvent,
  PollFlag,
  RecvSendFlag,
  REGISTER_FILES_SKIP,
  RegisterOp,
  SetupFlag,
  SocketCmd,
  SPLICE_F_FD_IN_FIXED,
  SqeFlag,
  SqRingFlag,
  TimeoutFlag,
} from "./ffi/sys/mod.ts";
export type { OpName } from "./ffi/sys/mod.ts";
export { alignedBuffer } from "./ffi/sys/mod.ts";
export { type Cqe, CqeBatch, CqeView } from "./ffi/ring/mod.ts";
export { Errno, errnoName, UringError } from "./ffi/sys/mod.ts";
export { type FdLike, type Fixed, fixed } from "./ffi/sys/mod.ts";
export { Ring, type RingFeatures, type RingOptions } from "./ffi/ring/mod.ts";
export { Sqe } from "./ffi/ring/mod.ts";
export {
  AT_FDCWD,
  type FixedBufferSource,
  type FutexWait,
  type MsgHdrLike,
  type OpenHow,
  type Timespec,
} from "./ffi/ring/mod.ts";
export { At, OpenFlag, Sock, StatxMask } from "./ffi/sys/mod.ts";
export { parseSockaddr, sockaddr, type SocketAddress } from "./ffi/ring/mod.ts";
export { MsgHdr, type MsgHdrInit } from "./ffi/ring/mod.ts";
export { FixedBuffers } from "./ffi/ring/mod.ts";
export { FileTable } from "./ffi/ring/mod.ts";
export { BufferRing, type BufRingOptions } from "./ffi/ring/mod.ts";
export { eventfd, EventfdFlag } from "./ffi/sys/mod.ts";
export type {
  EventfdOptions,
  NapiOptions,
  NapiSettings,
  SyncCancelOptions,
} from "./ffi/ring/mod.ts";
export {
  AsyncLinkBuilder,
  type AsyncOpenOptions,
  type AsyncOpOptions,
  AsyncRing,
  AsyncRingBase,
  type AsyncRingOptions,
  type BufferRingLike,
  type ConnectTcpOptions,
  type DirectOptions,
  type LinkOptions,
  type ListenTcpOptions,
  MultishotIterator,
  type ResultDecoder,
  type SocketAddressLike,
  type StatxResult,
  type WaitidResult,
} from "./ffi/async/mod.ts";
export { type DenoFsError, type FileRing } from "./ffi/async/mod.ts";
export {
  chmod,
  chown,
  copyFile,
  create,
  FileSystem,
  FsFile,
  fsOn,
  link,
  lstat,
  makeTempDir,
  makeTempFile,
  mkdir,
  open,
  readDir,
  readFile,
  readFiles,
  type ReadFilesOptions,
  readLink,
  readTextFile,
  realPath,
  remove,
  rename,
  stat,
  symlink,
  truncate,
  utime,
  writeFile,
  writeTextFile,
} from "./ffi/fs/mod.ts";
export {
  Conn,
  connect,
  listen,
  Listener,
  type NetFunctions,
  netOn,
  TcpConn,
  UnixConn,
} from "./ffi/net/mod.ts";
export {
  type ConnectionHandler,
  sendAll,
  serveTcp,
  type ServeTcpOptions,
  type TcpServer,
} from "./ffi/net/mod.ts";
export {
  httpDate,
  HttpParse,
  HttpRequestParser,
  type HttpRequestParserOptions,
} from "./ffi/net/mod.ts";
export { serveDir, type ServeDirOptions, serveFile, type ServeFileOptions } from "./ffi/net/mod.ts";
export {
  type HttpServer,
  serve,
  type ServeHandler,
  type ServeHandlerInfo,
  serveOn,
  type ServeOptions,
  upgradeWebSocket,
} from "./ffi/net/mod.ts";
export {
  copy,
  type CopyOptions,
  type VisitFileCallback,
  visitFiles,
  type VisitFilesOptions,
} from "./ffi/fs/mod.ts";
