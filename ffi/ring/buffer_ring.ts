/**
 * `BufferRing`: a provided-buffer ring (`IORING_REGISTER_PBUF_RING`, Linux 5.19). The kernel picks
 * a buffer from it when a receive or read with buffer selection has data, so no memory is tied up
 * in ops that are only waiting.
 *
 * The ring of `struct io_uring_buf` entries and the buffers are JavaScript memory, page-aligned
 * inside `ArrayBuffer`s (what liburing's `io_uring_setup_buf_ring` would allocate). The ring that
 * registered them keeps them alive until it closes, even after `close()`: an op that already
 * picked a buffer may still write into it.
 *
 * @module
 */
import { CqeFlag, PBUF_RING_INC, RegisterOp } from "../sys/mod.ts";
import { UringError } from "../sys/mod.ts";
import { addressOf, alignedBytes } from "../sys/mod.ts";
import { storeRelease16 } from "../sys/mod.ts";
import { setU64 } from "./register.ts";
import type { RingHandle } from "./_handle.ts";

const token = Symbol("BufferRing");
const TWO32 = 4294967296;

/**
 * Options of `Ring.registerBufRing()`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type BufRingOptions, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const options: BufRingOptions = { group: 1, entries: 64, size: 2048 };
 * using group = ring.registerBufRing(options);
 * assertEquals([group.entries, group.available()], [64, 64]);
 * ```
 */
export interface BufRingOptions {
  /** Buffer group id (`bgid`), 0..65535: the `bufGroup` of the ops that select from it. */
  group: number;
  /** Number of buffers: a power of two, 1..32768. */
  entries: number;
  /** Size of each buffer in bytes. */
  size: number;
  /**
   * Incremental consumption (`IOU_PBUF_RING_INC`, Linux 6.12): a buffer is filled a piece at a
   * time by several completions, each with `CqeFlag.BUF_MORE` until the last. Use
   * {@link BufferRing.viewOf} to find each piece. Default false.
   */
  incremental?: boolean;
}

/**
 * A provided-buffer ring: `entries` buffers of `size` bytes in group `group`. A completion that
 * used one has `CqeFlag.BUFFER` in its flags and the buffer id in `flags >>> 16`; read the data
 * with `get(bid, res)`, then give the buffer back with `recycle(bid)`. When every buffer is out,
 * ops that need one end with `-ENOBUFS` (105), and a multishot op stops (no `CqeFlag.MORE`):
 * recycle buffers, then submit it again.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { CqeFlag, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 8 });
 * using group = ring.registerBufRing({ group: 7, entries: 4, size: 64 });
 * const fds = new Int32Array(2);
 * ring.getSqe()!.prepPipe(fds);
 * ring.submitAndWait(1);
 * ring.waitCqe();
 * ring.getSqe()!.prepWrite(fds[1], new TextEncoder().encode("hi"), -1);
 * ring.submitAndWait(1);
 * ring.waitCqe();
 * const sqe = ring.getSqe()!;
 * sqe.prepReadMultishot(fds[0], 0, -1, group.group); // data lands in a buffer of group 7
 * ring.submitAndWait(1);
 * const cqe = ring.waitCqe()!;
 * assert((cqe.flags & CqeFlag.BUFFER) !== 0);
 * const bid = cqe.flags >>> 16;
 * assertEquals(new TextDecoder().decode(group.get(bid, cqe.res)), "hi");
 * group.recycle(bid);
 * for (const fd of fds) ring.getSqe()!.prepClose(fd);
 * ring.submitAndWait(3);
 * ```
 */
export class BufferRing implements Disposable {
  /** The buffer group id. */
  readonly group: number = 0;
  /** Number of buffers (the ring's size). */
  readonly entries: number = 0;
  /** Size of each buffer in bytes. */
  readonly size: number = 0;
  /** Whether buffers are consumed incrementally (`IOU_PBUF_RING_INC`). */
  readonly incremental: boolean;
  #ring: RingHandle;
  #entries: Uint32Array;
  #tail16: Uint16Array;
  #buffers: Uint8Array<SharedArrayBuffer>;
  #views: Uint8Array<SharedArrayBuffer>[];
  #lo: Uint32Array;
  #hi: Uint32Array;
  #mask = 0;
  #tail = 0;
  #pos: Uint32Array | null;
  #closed = false;

  /** @internal Made by `Ring.registerBufRing()` only. */
  constructor(key: symbol, ring: RingHandle, o: BufRingOptions) {
    if (key !== token) throw new TypeError("BufferRings are made by ring.registerBufRing()");
    const { group, entries, size } = o;
    if (!Number.isInteger(group) || group < 0 || group > 0xffff) {
      throw new RangeError(`group must be an integer in 0..65535, got ${group}`);
    }
    if (!Number.isInteger(entries) || entries < 1 || entries > 32768 || (entries & (entries - 1))) {
      throw new RangeError(`entries must be a power of two in 1..32768, got ${entries}`);
    }
    if (!Number.isInteger(size) || size < 1 || size > 0xffffffff) {
      throw new RangeError(`size must be an integer in 1..2**32-1, got ${size}`);
    }
    this.group = group;
    this.entries = entries;
    this.size = size;
    this.incremental = o.incremental === true;
    this.#ring = ring;
    this.#mask = entries - 1;
    const ringMem = alignedBytes(entries * 16);
    this.#entries = new Uint32Array(ringMem.buffer, ringMem.byteOffset, entries * 4);
    // the tail is the u16 at byte 14 of entry 0 (it overlays that entry's `resv`)
    this.#tail16 = new Uint16Array(ringMem.buffer, ringMem.byteOffset, entries * 8);
    this.#buffers = alignedBytes(entries * size);
    this.#views = [];
    this.#lo = new Uint32Array(entries);
    this.#hi = new Uint32Array(entries);
    const base = addressOf(this.#buffers);
    for (let i = 0; i < entries; i++) {
      this.#views.push(this.#buffers.subarray(i * size, (i + 1) * size));
      const a = base + i * size;
      this.#lo[i] = a % TWO32;
      this.#hi[i] = a / TWO32;
    }
    this.#pos = this.incremental ? new Uint32Array(entries) : null;

    // struct io_uring_buf_reg { u64 ring_addr; u32 ring_entries; u16 bgid; u16 flags;
    //   u64 resv[3]; } = 40 bytes
    const reg = new Uint8Array(40);
    const v = new DataView(reg.buffer);
    setU64(v, 0, addressOf(ringMem));
    v.setUint32(8, entries, true);
    v.setUint16(12, group, true);
    v.setUint16(14, this.incremental ? PBUF_RING_INC : 0, true);
    try {
      ring.register(RegisterOp.PBUF_RING, reg, 1);
    } catch (e) {
      if (e instanceof UringError && e.errno === 17) {
        throw new UringError(17, "io_uring_register(PBUF_RING)", `group ${group} is taken`);
      }
      if (e instanceof UringError && e.errno === 22 && this.incremental) {
        throw new UringError(22, "io_uring_register(PBUF_RING)", "incremental needs Linux 6.12");
      }
      throw e;
    }
    // Keeps the memory (and this object) alive for as long as the ring can use it.
    ring._onClose(() => {
      if (!this.#closed) this.#unregister();
    });
    for (let i = 0; i < entries; i++) this.add(i);
    this.publish();
  }

  /** True once `close()` ran (or the ring closed). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A view over the first `length` bytes of buffer `bid` (from offset `offset`): what a
   * completion with `CqeFlag.BUFFER` and `res` = `length` delivered. No copy; the bytes stay
   * valid until the buffer is recycled.
   *
   * @throws {RangeError} for a bid or length out of range
   */
  get(bid: number, length: number, offset: number = 0): Uint8Array<SharedArrayBuffer> {
    const view = this.#views[bid];
    if (view === undefined || !Number.isInteger(bid)) {
      throw new RangeError(`bid ${bid} is out of range 0..${this.entries - 1}`);
    }
    if (
      !Number.isInteger(length) || !Number.isInteger(offset) || length < 0 || offset < 0 ||
      offset + length > this.size
    ) {
      throw new RangeError(`${offset}+${length} bytes do not fit a buffer of ${this.size}`);
    }
    return length === this.size ? view : view.subarray(offset, offset + length);
  }

  /**
   * The bytes a completion delivered, from its `res` and `flags`: decodes the bid and, in
   * incremental mode, where in the buffer this piece starts (each piece follows the last one of
   * the same buffer; a piece with `CqeFlag.BUF_MORE` means the kernel keeps using the buffer,
   * so recycle it only after a piece without that flag).
   *
   * @throws {RangeError} when `flags` has no `CqeFlag.BUFFER` or `res` is negative
   */
  viewOf(res: number, flags: number): Uint8Array<SharedArrayBuffer> {
    if (!(flags & CqeFlag.BUFFER)) {
      throw new RangeError("the CQE used no buffer (no CqeFlag.BUFFER)");
    }
    if (res < 0) throw new RangeError(`res ${res} is an error, not a length`);
    const bid = flags >>> 16;
    const pos = this.#pos;
    if (pos === null) return this.get(bid, res);
    const off = pos[bid];
    const out = this.get(bid, res, off);
    pos[bid] = flags & CqeFlag.BUF_MORE ? off + res : 0;
    return out;
  }

  /**
   * Gives buffer `bid` back to the kernel and publishes it: `add(bid)` then `publish()`. For a
   * batch, call `add()` for each and `publish()` once (one release store for all of them).
   */
  recycle(bid: number): void {
    this.add(bid);
    this.publish();
  }

  /**
   * Puts buffer `bid` in the next ring entry without publishing it (liburing's
   * `io_uring_buf_ring_add`). The kernel sees it after `publish()`. Add each buffer at most once
   * per completion that delivered it, and never more than `entries` before the kernel takes some.
   *
   * @throws {RangeError} for a bid out of range
   * @throws {Error} when closed
   */
  add(bid: number): void {
    if (this.#closed) throw new Error("BufferRing is closed");
    if (!(bid >= 0 && bid < this.entries && (bid | 0) === bid)) {
      throw new RangeError(`bid ${bid} is out of range 0..${this.entries - 1}`);
    }
    const e = this.#entries, w = (this.#tail & this.#mask) * 4;
    e[w] = this.#lo[bid];
    e[w + 1] = this.#hi[bid];
    e[w + 2] = this.size;
    // bid in the low half of word 3; the high half is `resv`, which is the tail in entry 0
    this.#tail16[w * 2 + 6] = bid;
    if (this.#pos !== null) this.#pos[bid] = 0;
    this.#tail = (this.#tail + 1) & 0xffff;
  }

  /**
   * Publishes the buffers added since the last call: one release store of the ring tail, so the
   * entry writes above are visible first (see `_memory_order.ts`). Like
   * `io_uring_buf_ring_advance`.
   */
  publish(): void {
    if (this.#closed) return;
    storeRelease16(this.#tail16, 7, this.#tail);
  }

  /**
   * Buffers the kernel can still pick: the published tail minus the kernel's head, read with
   * `IORING_REGISTER_PBUF_STATUS` (Linux 6.8). Zero means ops that need a buffer get `ENOBUFS`.
   *
   * @throws {UringError} on kernels without PBUF_STATUS (EINVAL)
   */
  available(): number {
    if (this.#closed) throw new Error("BufferRing is closed");
    // struct io_uring_buf_status { u32 buf_group; u32 head; u32 resv[8]; } = 40 bytes
    const st = new Uint32Array(10);
    st[0] = this.group;
    this.#ring.register(RegisterOp.PBUF_STATUS, new Uint8Array(st.buffer), 1);
    return (Atomics.load(this.#tail16, 7) - st[1]) & 0xffff;
  }

  /**
   * Unregisters the group (`IORING_UNREGISTER_PBUF_RING`); later ops that select from it end
   * with `ENOBUFS`. The memory stays alive until the ring closes. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    if (this.#ring.closed) {
      this.#closed = true;
      return;
    }
    try {
      this.#unregister();
    } catch { /* the ring drops its groups when it closes in any case */ }
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #unregister(): void {
    this.#closed = true;
    const reg = new Uint8Array(40);
    new DataView(reg.buffer).setUint16(12, this.group, true);
    this.#ring.register(RegisterOp.UNREGISTER_PBUF_RING, reg, 1);
  }
}

/** @internal `Ring.registerBufRing()`. */
export function registerBufRing(ring: RingHandle, options: BufRingOptions): BufferRing {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be { group, entries, size }");
  }
  return new BufferRing(token, ring, options);
}
