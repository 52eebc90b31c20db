/**
 * The machinery under `AsyncRing`: op slots, submit/reap, chains, the bounce pool that keeps the kernel off memory JavaScript can free, the wake-up strategies, and the private-ring machines of the whole-file functions. Internal: only the async layer builds on it.
 *
 * @module
 */
export {
  type _BouncePool,
  type Bounce,
  checkFixedSafe,
  ownCopy,
  prepOne,
  prepVec,
} from "./bounce.ts";
export { _Engine, _wakeSettings } from "./engine.ts";
export type { WakeKind } from "./_waker.ts";
export { immediate } from "./_immediate.ts";
export { netLoaded } from "./_wake_socket.ts";
export {
  type AsyncOpOptions,
  type ChainOp,
  type Decoder,
  F_DIRECT,
  K_BOUNCE,
  K_DEC,
  K_FD,
  K_NUM,
  K_PIPE,
  K_RAW,
  K_VOID,
  type MultishotSink,
} from "./ops.ts";
export {
  _FileReader,
  allocate,
  encodePaths,
  lendableBuffer,
  type VisitErrorFn,
  type VisitFn,
} from "./read_many.ts";
export { _FileWriter, WRITE_ROOM } from "./write_many.ts";
