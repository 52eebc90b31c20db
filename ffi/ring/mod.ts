/**
 * The liburing-shaped layer: `Ring` (set-up, SQEs written in place, one `io_uring_enter` per batch), `Sqe.prepX` for every `io_uring_prep_X`, CQE views, registration (files, buffers, buffer rings, eventfd, NAPI) and the structs the kernel reads (sockaddr, msghdr, statx).
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
