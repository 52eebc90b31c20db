/**
 * `AsyncRing`: every op as a promise, batched per event-loop turn, with `AbortSignal`, timeouts, linked chains (`AsyncLinkBuilder`) and multishot ops as async iterators.
 *
 * @module
 */
export {
  AsyncLinkBuilder,
  type AsyncOpenOptions,
  type AsyncOpOptions,
  AsyncRing,
  type AsyncRingOptions,
  type BufferRingLike,
  type ConnectTcpOptions,
  type DirectOptions,
  type LinkOptions,
  type ListenTcpOptions,
  MultishotIterator,
  type SocketAddressLike,
  type StatxResult,
  type WaitidResult,
} from "./async_ring.ts";
export {
  type DenoFsError,
  lstat,
  readFile,
  readFiles,
  type ReadFilesOptions,
  readTextFile,
  stat,
  writeFile,
  writeTextFile,
} from "./files.ts";
export { defaultRing } from "./default_ring.ts";
