/**
 * The liburing-shaped layer: `Ring` (set-up, SQEs written in place, one `io_uring_enter` per batch), `Sqe.prepX` for every `io_uring_prep_X`, CQE views, registration (files, buffers, buffer rings, eventfd, NAPI) and the structs the kernel reads (sockaddr, msghdr, statx).
 *
 * ## A tour for liburing users
 *
 * Every `io_uring_prep_X(sqe, ...)` is `sqe.prepX(...)`: buffers are `Uint8Array`s (length from the
 * view), paths are strings, fds are numbers or `fixed(i)` for registered files, `-1` as an offset is
 * the file position.
 *
 * Blocking waits say so in their docs (`submitAndWait`, `copyCqes(batch, n > 0)`, `waitCqe`); use
 * `await ring.waitAsync(n)` to wait without blocking the event loop. `ring.peekCqes()` reads the ready
 * CQEs in place with no copy and `ring.cqAdvance(n)` consumes them, like liburing's
 * `io_uring_peek_batch_cqe` and `io_uring_cq_advance` (`forEachCqe(fn)` does the same with a
 * callback). A buffer handed to an SQE is held by the ring until the CQE that ends its op (the one
 * without `CqeFlag.MORE`) is reaped; SQEs and CQEs themselves allocate nothing. Holding a plain
 * `ArrayBuffer` does not stop the caller from transferring it: on `Ring`, never transfer a buffer an
 * op in flight uses, or use `alignedBuffer()` and other `SharedArrayBuffer` memory, which cannot be
 * transferred (see the safety contract in `tests/README.md`). `CqeBatch` keeps CQEs as 16-byte records laid out
 * like `struct io_uring_cqe`, filled by one memcpy. Rings are set up with `IORING_SETUP_NO_SQARRAY`
 * where the kernel has it (6.6+), as liburing 2.6+ does (`noSqArray: false` turns it off), and with
 * the ring fd registered. `alignedBuffer(size)` gives page-aligned memory: `O_DIRECT` needs it, and
 * page-cache reads into it copy faster.
 *
 * ## Inside `Ring`
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
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { At, CqeBatch, OpenFlag, Ring, SqeFlag } from "../../mod.ts";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "0123456789");
 *
 * using ring = new Ring({ entries: 64 }); // RingOptions has every IORING_SETUP_* flag by name
 * const open = ring.getSqe()!; // null when the SQ is full: submit, then try again
 * open.prepOpenat(At.FDCWD, path, OpenFlag.RDONLY);
 * open.userData = 1; // any integer 0 .. 2**53-1, returned unchanged
 * ring.submitAndWait(1); // blocks the thread until a CQE is there
 * const fd = ring.waitCqe()!.res;
 *
 * const bufs = [new Uint8Array(4), new Uint8Array(4)];
 * for (let i = 0; i < 2; i++) {
 *   const sqe = ring.getSqe()!;
 *   sqe.prepRead(fd, bufs[i], i * 4);
 *   sqe.userData = 10 + i;
 *   if (i === 0) sqe.flags |= SqeFlag.IO_LINK; // raw IOSQE_* bits
 * }
 * ring.submit(); // one io_uring_enter for the batch
 *
 * const batch = new CqeBatch(64);
 * const n = ring.copyCqes(batch, 2); // waits (blocking) for 2, copies, advances the CQ head
 * for (let i = 0; i < n; i++) assertEquals(batch.res(i), 4);
 * assertEquals(new TextDecoder().decode(bufs[1]), "4567");
 *
 * const close = ring.getSqe()!;
 * close.prepClose(fd);
 * ring.submitAndWait(1);
 * ring.copyCqes(batch);
 * await Deno.remove(path);
 * ```
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
