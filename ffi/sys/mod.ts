/**
 * The system layer: loading the native shim (`native()`), kernel constants and flag tables, errors (`UringError`, the errno → `Deno.errors` map), and memory helpers. Nothing here knows a ring.
 *
 * @module
 */
export {
  type DenoFsError,
  denoFsError,
  denoNetError,
  denoOpError,
  nulPathError,
  OUT_OF_MEMORY,
  pathOf,
} from "./_errno_map.ts";
export {
  addressOf,
  alignedBytes,
  checkBuffer,
  checkedAddress,
  cString,
  kernelSafeAddress,
  lendToKernel,
  PAGE_SIZE,
  returnFromKernel,
  utf8Encoder,
} from "./_memory.ts";
export {
  copyFromAddress,
  cStringAt,
  lastErrno,
  type Libc,
  libc,
  libcSymbols,
  openLibc,
} from "./_libc.ts";
export { loadAcquire, storeRelease, storeRelease16 } from "./_memory_order.ts";
export { alignedBuffer } from "./aligned.ts";
export {
  AcceptFlag,
  At,
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
  OpenFlag,
  type OpName,
  PBUF_RING_INC,
  PollEvent,
  PollFlag,
  RecvSendFlag,
  REGISTER_FILES_SKIP,
  RegisterOp,
  SetupFlag,
  Sock,
  SocketCmd,
  SPLICE_F_FD_IN_FIXED,
  SqeFlag,
  SqRingFlag,
  StatxMask,
  TimeoutFlag,
} from "./constants.ts";
export { check, Errno, errnoName, UringError } from "./errors.ts";
export { eventfd, EventfdFlag } from "./eventfd.ts";
export { type FdLike, type Fixed, fixed, isFixed } from "./fixed.ts";
export { fastNative, native, preloadNative } from "./loader.ts";
export { type Native } from "./symbols.ts";
export { _shownPath, checkNet, checkPath, type PermissionKind } from "./permissions.ts";
export { limitAdvice, readProc } from "./_limits.ts";
