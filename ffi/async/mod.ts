/**
 * `AsyncRing`: every op as a promise, batched per event-loop turn, with `AbortSignal`, timeouts,
 * linked chains (`AsyncLinkBuilder`) and multishot ops as async iterators; and the whole-file
 * functions (`readFile`, `writeFile`, `stat`, `readFiles`, ...) over any ring that has the ops
 * they use.
 *
 * @module
 */
export { AsyncRing } from "./async_ring.ts";
export { AsyncRingBase } from "./ring_base.ts";
export { AsyncLinkBuilder } from "./link_builder.ts";
export { MultishotIterator } from "./multishot.ts";
export type {
  AsyncOpenOptions,
  AsyncOpOptions,
  AsyncRingOptions,
  BufferRingLike,
  ConnectTcpOptions,
  DirectOptions,
  LinkOptions,
  ListenTcpOptions,
  ResultDecoder,
  SocketAddressLike,
  StatxResult,
  WaitidResult,
} from "./options.ts";
export {
  type DenoFsError,
  ringLstat as lstat,
  ringReadFile as readFile,
  ringReadTextFile as readTextFile,
  ringStat as stat,
  ringWriteFile as writeFile,
  ringWriteTextFile as writeTextFile,
} from "./files.ts";
export {
  type ReadFilesOptions,
  ringReadFiles as readFiles,
  ringVisitFiles as visitFiles,
  type VisitFileCallback,
  type VisitFilesOptions,
} from "./files_many.ts";
export type { FileRing } from "./_file_ring.ts";
export { defaultRing } from "./default_ring.ts";
export { Slots as _Slots, slotsOf as _slotsOf } from "./slots.ts";
export { _acceptFrom, _rawLink, _rawOp } from "./_layer_ops.ts";
