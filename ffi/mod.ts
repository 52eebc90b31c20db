/**
 * Everything the module exports, from its sources: the types and docs of `mod.ts`, which loads
 * the same code bundled (`ffi/_bundle/`, built by `deno task bundle`) because one bundled file
 * starts several times faster than ~120 source files. The tests import this file, so they run
 * the sources.
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
} from "./sys/mod.ts";
export type { OpName } from "./sys/mod.ts";
export { alignedBuffer, preloadNative } from "./sys/mod.ts";
export { type Cqe, CqeBatch, CqeView } from "./ring/mod.ts";
export { Errno, errnoName, UringError } from "./sys/mod.ts";
export { type FdLike, type Fixed, fixed } from "./sys/mod.ts";
export { Ring, type RingFeatures, type RingOptions } from "./ring/mod.ts";
export { Sqe } from "./ring/mod.ts";
export {
  AT_FDCWD,
  type FixedBufferSource,
  type FutexWait,
  type MsgHdrLike,
  type OpenHow,
  type Timespec,
} from "./ring/mod.ts";
export { At, OpenFlag, Sock, StatxMask } from "./sys/mod.ts";
export { parseSockaddr, sockaddr, type SocketAddress } from "./ring/mod.ts";
export { MsgHdr, type MsgHdrInit } from "./ring/mod.ts";
export { FixedBuffers } from "./ring/mod.ts";
export { FileTable } from "./ring/mod.ts";
export { BufferRing, type BufRingOptions } from "./ring/mod.ts";
export { eventfd, EventfdFlag } from "./sys/mod.ts";
export type { EventfdOptions, NapiOptions, NapiSettings, SyncCancelOptions } from "./ring/mod.ts";
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
} from "./async/mod.ts";
export { type DenoFsError, type FileRing } from "./async/mod.ts";
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
} from "./fs/mod.ts";
export {
  Conn,
  connect,
  listen,
  Listener,
  type NetFunctions,
  netOn,
  TcpConn,
  UnixConn,
} from "./net/mod.ts";
export {
  type ConnectionHandler,
  sendAll,
  serveTcp,
  type ServeTcpOptions,
  type TcpServer,
} from "./net/mod.ts";
export {
  httpDate,
  HttpParse,
  HttpRequestParser,
  type HttpRequestParserOptions,
} from "./net/mod.ts";
export { serveDir, type ServeDirOptions, serveFile, type ServeFileOptions } from "./net/mod.ts";
export {
  type HttpServer,
  serve,
  type ServeHandler,
  type ServeHandlerInfo,
  serveOn,
  type ServeOptions,
  upgradeWebSocket,
} from "./net/mod.ts";
export {
  copy,
  type CopyOptions,
  type VisitFileCallback,
  visitFiles,
  type VisitFilesOptions,
} from "./fs/mod.ts";
