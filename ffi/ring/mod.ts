/**
 * The liburing-shaped layer: `Ring` (set-up, SQEs written in place, one `io_uring_enter` per batch), `Sqe.prepX` for every `io_uring_prep_X`, CQE views, registration (files, buffers, buffer rings, eventfd, NAPI) and the structs the kernel reads (sockaddr, msghdr, statx).
 *
 * ## Ring tour
 *
 * TypeScript owns the SQ tail: SQEs are written straight into the shared SQE array and published
 * with one release store of the tail, then one `io_uring_enter` per batch. CQEs are read from the
 * shared CQ ring after an acquire load of the CQ tail, and the head is given back with a release
 * store. How: `loadAcquire` / `storeRelease` of `_memory_order.ts`, which says why plain
 * typed-array accesses are enough on x86-64; SQPOLL's wake-up check adds a full barrier.
 *
 * Where each part lives:
 * - `ring.ts`: `Ring`, the public face: set-up, the registration doors, `close()`, and thin
 *   methods that check the ring is open and hand over to the parts below.
 * - `_sq.ts`: the submission side: the SQ ring as mapped, `getSqe()` (one `Sqe` object per slot,
 *   slots zeroed in runs as the kernel consumes them), publishing, the submit enter.
 * - `_cq.ts`: the completion side: the CQ ring as mapped and the reaping loops (by copy, in
 *   place, one at a time), which release held buffers as ops end.
 * - `_wait.ts`: the blocking waits, entered again after a signal for what is left.
 * - `_held_refs.ts`: buffers held by user data until the CQE that ends their op.
 * - `ring_setup.ts`: `io_uring_setup(2)` and the mapping; `sqe.ts` + `sqe_memory.ts`: the prep
 *   helpers and the SQE memory they write.
 *
 * @module
 */
export { BufferRing, type BufRingOptions } from "./buffer_ring.ts";
export { type Cqe, CqeBatch, CqeView } from "./cqe_batch.ts";
export { FileTable } from "./file_table.ts";
export { FixedBuffers } from "./fixed_buffers.ts";
export { MsgHdr, type MsgHdrInit } from "./msghdr.ts";
export {
  type EventfdOptions,
  type NapiOptions,
  type NapiSettings,
  type SyncCancelOptions,
} from "./register.ts";
export { Ring, type RingFeatures, type RingOptions } from "./ring.ts";
export { parseSockaddr, sockaddr, type SocketAddress } from "./sockaddr.ts";
export { Sqe } from "./sqe.ts";
export {
  AT_FDCWD,
  type FixedBufferSource,
  type FutexWait,
  MAX_RW,
  type MsgHdrLike,
  type OpenHow,
  type Timespec,
} from "./sqe_args.ts";
export { _SqMemory, SqeWord } from "./sqe_memory.ts";
export { decodeStatx, fileInfo, STATX_SIZE, type StatxResult } from "./statx.ts";
