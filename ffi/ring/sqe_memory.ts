/**
 * The SQE array of a ring as TypeScript writes it: the word index of each field, the memory shared
 * by a ring and its `Sqe` objects, and the opcodes that may post more than one CQE.
 *
 * @internal
 * @module
 */
import { Op } from "../sys/mod.ts";

// Word (u32) indexes of the SQE fields this file writes; tests/abi_test.ts pins them against the C
// compiler's offsetof().
/** @internal */
export const SqeWord = {
  OPCODE_FLAGS_IOPRIO: 0,
  FD: 1,
  OFF: 2, // off / addr2 / cmd_op
  ADDR: 4, // addr / splice_off_in / level+optname
  LEN: 6,
  OP_FLAGS: 7, // rw_flags, msg_flags, timeout_flags, ... (one union)
  USER_DATA: 8,
  BUF_INDEX: 10, // u16 buf_index / buf_group, then u16 personality
  FILE_INDEX: 11, // splice_fd_in / file_index / optlen / addr_len
  ADDR3: 12, // addr3 / cmd
} as const;

/**
 * The SQE memory of one ring, shared by the ring and its `Sqe` objects.
 *
 * @internal
 */
export class _SqMemory {
  /** The SQE array as bytes. */
  u8: Uint8Array;
  /** The SQE array as 32-bit words. */
  u32: Uint32Array;
  /** The SQE array as 8-byte words, for zeroing. */
  f64: Float64Array;
  /** Buffers held per SQ slot until the SQE is published. */
  readonly refs: unknown[];
  /** Words per SQE: 16, or 32 with SQE128. */
  readonly stride: number = 0;
  /** Memory handed to the kernel for the ring's lifetime (legacy provided buffers). */
  readonly forever: unknown[] = [];
  /** Set once any prep holds a buffer: from then on, the ring tracks every op's user data. */
  tracking = false;
  /**
   * Set with unique user data (AsyncRing): read and write fixed then hold their `FixedBuffers`
   * per op, as before. Otherwise they need not: the ring keeps every registered set alive, and
   * a closed one for the rest of its own life (`Ring._retire`).
   */
  holdFixed = false;
  /** Set by `Ring.close()`. */
  closed = false;

  constructor(u8: Uint8Array, entries: number, sqe128: boolean) {
    this.u8 = u8;
    this.u32 = new Uint32Array(u8.buffer, u8.byteOffset, u8.byteLength >>> 2);
    this.f64 = new Float64Array(u8.buffer, u8.byteOffset, u8.byteLength >>> 3);
    this.refs = new Array(entries).fill(undefined);
    this.stride = sqe128 ? 32 : 16;
  }

  /** The `Sqe` objects over this memory, one per slot (each re-pointed when the memory closes). */
  readonly sqes: { _u32: Uint32Array }[] = [];

  /** Makes every later write a no-op; stale `Sqe` objects cannot reach unmapped memory. */
  close(): void {
    this.closed = true;
    this.u8 = new Uint8Array(0);
    this.u32 = new Uint32Array(0);
    this.f64 = new Float64Array(0);
    for (const sqe of this.sqes) sqe._u32 = this.u32;
  }
}

/**
 * Opcodes whose op may post more than one CQE: multishot variants (ACCEPT, RECV, RECVMSG,
 * POLL_ADD, TIMEOUT, READ_MULTISHOT, RECV_ZC), zero-copy sends (a notification CQE follows) and
 * `uring_cmd` (driver-defined). Preparing one switches buffer tracking on (see _HeldRefs), so a
 * ring that only counts its ops can take every CQE as final.
 */
export const MAY_MORE: Uint8Array = new Uint8Array(256);
for (
  const op of [
    Op.ACCEPT,
    Op.RECV,
    Op.RECVMSG,
    Op.POLL_ADD,
    Op.TIMEOUT,
    Op.READ_MULTISHOT,
    Op.RECV_ZC,
    Op.SEND_ZC,
    Op.SENDMSG_ZC,
    Op.URING_CMD,
  ]
) MAY_MORE[op] = 1;
