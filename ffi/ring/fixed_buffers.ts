/**
 * `FixedBuffers`: registered (fixed) buffers, for `prepReadFixed` / `prepWriteFixed` and friends.
 *
 * The kernel has one buffer table per ring. This module registers it on first use as a sparse
 * table (at least 1024 slots) and gives each `FixedBuffers` a run of slots in it, so that a ring
 * can hold several sets at once (owned, caller-owned, cloned from another ring); the table is
 * unregistered when the last set is closed.
 *
 * **Memory lifetime.** The memory of owned buffers is JavaScript memory: one page-aligned region
 * inside an `ArrayBuffer`, which the `get(i)` views share. Nothing is detached on `close()`.
 * Instead the memory is kept until the last view can no longer reach the kernel: the ring keeps
 * every registered set, and `close()` unregisters the slots (ops already in flight keep the pinned
 * pages until they end) and hands the set to the ring, which keeps it for the rest of its own
 * life (to the end of the process if it closes with ops in flight). Read and write fixed ops
 * therefore hold nothing one by one: no per-op bookkeeping on the fast path. After `close()` the
 * views are plain memory that the kernel never touches again; a view held after it reads and
 * writes ordinary bytes and can never reach freed memory: it keeps its `ArrayBuffer` alive by
 * itself. So a long-lived ring keeps the memory of every set closed on it: reuse a set (`update`)
 * rather than registering and closing sets over and over.
 *
 * No resource tags are registered: a tag's CQE would arrive among the user's own CQEs. Keeping
 * the memory referenced makes knowing when the kernel let go of it unnecessary.
 *
 * @module
 */
import { RegisterOp } from "../sys/mod.ts";
import { UringError } from "../sys/mod.ts";
import { addressOf, alignedBytes, checkBuffer, PAGE_SIZE } from "../sys/mod.ts";
import { REGISTER_DST_REPLACE, rsrcRegister, rsrcUpdate2, setU64 } from "./register.ts";
import type { RingHandle } from "./_handle.ts";
import type { FixedBufferSource } from "./sqe_args.ts";

/** `IORING_MAX_REG_BUFFERS`: slots in a ring's buffer table at most. */
const MAX_SLOTS = 16384;
/** Slots of a table registered for a smaller set, so that later sets fit beside it. */
const DEFAULT_SLOTS = 1024;
/** The kernel's limit on one registered buffer. */
const MAX_SIZE = 1 << 30;

const token = Symbol("FixedBuffers");

/** The ring's buffer table: which slots belong to which live `FixedBuffers`. */
class BufferTable {
  readonly ring: RingHandle;
  capacity = 0;
  readonly live: Set<FixedBuffers> = new Set();

  constructor(ring: RingHandle) {
    this.ring = ring;
    ring._onClose(() => this.#ringClosing());
  }

  /**
   * Finds `n` free consecutive slots (past every live set when `top`), registering the table
   * first when there is none. `iovecs` fills them in the same call when the table is new.
   */
  reserve(n: number, top: boolean, iovecs: Uint8Array | null): { offset: number; filled: boolean } {
    if (this.capacity === 0) {
      const cap = Math.max(n, DEFAULT_SLOTS);
      const all = new Uint8Array(cap * 16);
      if (iovecs !== null) all.set(iovecs);
      this.ring.register(RegisterOp.BUFFERS2, rsrcRegister(cap, 0, addressOf(all)), 32);
      this.capacity = cap;
      return { offset: 0, filled: iovecs !== null };
    }
    const ranges = [...this.live].map((b) => [b.tableOffset, b.count]).sort((a, b) => a[0] - b[0]);
    let off = 0;
    for (const [start, len] of ranges) {
      if (!top && start - off >= n) break;
      off = Math.max(off, start + len);
    }
    if (off + n > this.capacity) {
      throw new RangeError(
        `the ring's buffer table has no ${n} free slots in a row (${this.capacity} slots, ` +
          `${this.live.size} sets registered): close a FixedBuffers first, or register the ` +
          `larger set first (its size decides the table's)`,
      );
    }
    return { offset: off, filled: false };
  }

  /** Empties the slots of `b`; unregisters the table when no set is left. */
  release(b: FixedBuffers): void {
    if (!this.live.delete(b)) return;
    // Ops in flight may still read or write b's memory: the ring keeps it (see Ring._retire).
    this.ring._retire(b);
    if (this.capacity === 0 || this.ring.closed) return;
    if (this.live.size === 0) {
      this.capacity = 0;
      this.ring.register(RegisterOp.UNREGISTER_BUFFERS, null, 0);
      return;
    }
    const empty = new Uint8Array(b.count * 16);
    this.ring.register(
      RegisterOp.BUFFERS_UPDATE,
      rsrcUpdate2(b.tableOffset, addressOf(empty), b.count),
      32,
    );
  }

  #ringClosing(): void {
    for (const b of this.live) {
      b._inert();
      this.ring._retire(b);
    }
    this.live.clear();
    tables.delete(this.ring);
    if (this.capacity !== 0) {
      this.capacity = 0;
      this.ring.register(RegisterOp.UNREGISTER_BUFFERS, null, 0);
    }
  }
}

const tables = new WeakMap<RingHandle, BufferTable>();

function tableOf(ring: RingHandle): BufferTable {
  let t = tables.get(ring);
  if (t === undefined) {
    t = new BufferTable(ring);
    tables.set(ring, t);
  }
  return t;
}

function iovecsOf(views: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(views.length * 16);
  const v = new DataView(out.buffer);
  for (let i = 0; i < views.length; i++) {
    setU64(v, i * 16, addressOf(views[i]));
    setU64(v, i * 16 + 8, views[i].byteLength);
  }
  return out;
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SLOTS) {
    throw new RangeError(`count must be an integer in 1..${MAX_SLOTS}, got ${count}`);
  }
}

function checkSize(size: number, what: string = "size"): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_SIZE) {
    throw new RangeError(`${what} must be an integer in 1..2**30 (1 GiB), got ${size}`);
  }
}

interface Init {
  views: Uint8Array[];
  size: number;
  memory: unknown;
  base: number;
  stride: number;
  addrs: Float64Array | null;
  owned: boolean;
}

/**
 * Registered buffers of one ring: `count` buffers of `size` bytes each, used by index with
 * `prepReadFixed`, `prepWriteFixed`, `prepReadvFixed` and `prepWritevFixed`. The kernel pins
 * them once, so each op skips the page walk of a plain buffer.
 *
 * Made by `ring.registerBuffers(count, size)` (memory owned by this object: page-aligned, zeroed),
 * `ring.registerBufferViews(views)` (the expert path: caller-owned memory) or
 * `ring.registerCloneBuffers(other)` (the same memory, registered with a second ring).
 *
 * `close()` unregisters them; the views from `get(i)` stay valid JavaScript memory (see the
 * module doc: the memory is kept, not detached, and the kernel cannot reach it after close).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 8 });
 * using bufs = ring.registerBuffers(4, 4096);
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "fixed buffers");
 * const open = ring.getSqe()!;
 * open.prepOpenat(-100, path, 0);
 * ring.submitAndWait(1);
 * const fd = ring.waitCqe()!.res;
 * ring.getSqe()!.prepReadFixed(fd, bufs, 2, 0, 5);
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, 5);
 * assertEquals(new TextDecoder().decode(bufs.get(2).subarray(0, 5)), "fixed");
 * ring.getSqe()!.prepClose(fd);
 * ring.submitAndWait(1);
 * Deno.removeSync(path);
 * ```
 */
export class FixedBuffers implements FixedBufferSource, Disposable {
  /** Number of buffers. */
  readonly count: number;
  /** Size of each buffer in bytes. */
  readonly size: number;
  /** Slot of buffer 0 in the ring's buffer table (the SQE's `buf_index` is this plus `i`). */
  readonly tableOffset: number;
  #table: BufferTable;
  #views: Uint8Array[];
  #memory: unknown;
  #base = 0;
  #stride = 0;
  #addrs: Float64Array | null;
  #owned: boolean;
  #retired: Uint8Array[] = [];
  #closed = false;

  /** @internal Made by the `Ring.register*Buffers` methods only. */
  constructor(key: symbol, table: BufferTable, offset: number, init: Init) {
    if (key !== token) {
      throw new TypeError(
        "FixedBuffers are made by ring.registerBuffers() or registerBufferViews()",
      );
    }
    this.#table = table;
    this.tableOffset = offset;
    this.count = init.views.length;
    this.size = init.size;
    this.#views = init.views;
    this.#memory = init.memory;
    this.#base = init.base;
    this.#stride = init.stride;
    this.#addrs = init.addrs;
    this.#owned = init.owned;
    table.live.add(this);
  }

  /** True once `close()` ran (or the ring closed). */
  get closed(): boolean {
    return this.#closed;
  }

  /** True when the memory is owned by this object (`registerBuffers`), false for caller views. */
  get owned(): boolean {
    return this.#owned;
  }

  /**
   * The view over buffer `index`: the same `Uint8Array` every time, no copy. Still readable and
   * writable after `close()` (it is plain memory then).
   *
   * @throws {RangeError} for an index out of range
   */
  get(index: number): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`buffer index ${index} is out of range 0..${this.count - 1}`);
    }
    return this.#views[index];
  }

  /**
   * Replaces buffer `index` with the caller-owned `view` (`IORING_REGISTER_BUFFERS_UPDATE`,
   * Linux 5.13). The same promise as `registerBufferViews` applies: never detach or transfer
   * `view`'s buffer while it is registered. The old memory is kept until this object is
   * garbage, since ops in flight may still use it.
   *
   * @param index which buffer
   * @param view the new memory; exactly `size` bytes
   * @throws {RangeError} for an index out of range or a view of another size
   * @throws {TypeError} for a detached or resizable buffer
   * @throws {Error} when closed
   * @throws {UringError} when the kernel refuses
   */
  update(index: number, view: Uint8Array): void {
    this.#check();
    this.get(index);
    checkBuffer(view, "view");
    if (view.byteLength !== this.size) {
      throw new RangeError(`view must be exactly ${this.size} bytes, got ${view.byteLength}`);
    }
    const u8 = new Uint8Array(view.buffer as ArrayBuffer, view.byteOffset, view.byteLength);
    const iov = iovecsOf([u8]);
    this.#table.ring.register(
      RegisterOp.BUFFERS_UPDATE,
      rsrcUpdate2(this.tableOffset + index, addressOf(iov), 1),
      32,
    );
    if (this.#addrs === null) {
      const a = new Float64Array(this.count);
      for (let i = 0; i < this.count; i++) a[i] = this.#base + i * this.#stride;
      this.#addrs = a;
    }
    this.#retired.push(this.#views[index]);
    this.#views[index] = u8;
    this.#addrs[index] = addressOf(u8);
  }

  /**
   * Unregisters the buffers (their slots become empty; the table goes when no set is left).
   * Idempotent; also run by the ring's `close()`. Views from `get(i)` stay valid. The ring keeps
   * the memory until it closes itself, since ops in flight may still use it.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#table.release(this);
    } catch { /* the ring releases its table when it closes in any case */ }
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal Address of buffer `index` plus `offset`: arithmetic on the cached base. */
  _address(index: number, offset: number): number {
    if (this.#closed) throw new Error("FixedBuffers is closed");
    const a = this.#addrs;
    return (a === null ? this.#base + index * this.#stride : a[index]) + offset;
  }

  /** @internal The buffer's slot in the kernel's table. */
  _kernelIndex(index: number): number {
    return this.tableOffset + index;
  }

  /** @internal Everything needed to register the same memory with another ring. */
  _share(): Init {
    this.#check();
    return {
      views: this.#views.slice(),
      size: this.size,
      memory: [this.#memory, this.#views.slice(), this.#retired],
      base: this.#base,
      stride: this.#stride,
      addrs: this.#addrs === null ? null : this.#addrs.slice(),
      owned: false,
    };
  }

  /** @internal The ring these buffers are registered with. */
  get _ring(): RingHandle {
    return this.#table.ring;
  }

  /** @internal The ring is closing: the kernel drops the whole table. */
  _inert(): void {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new Error("FixedBuffers is closed");
  }
}

/**
 * @internal `Ring.registerBuffers(count, size)`: owned, page-aligned memory. Each buffer starts
 * on a page boundary when `size` is at least a page, on a 64-byte boundary otherwise.
 */
export function registerBuffers(ring: RingHandle, count: number, size: number): FixedBuffers {
  checkCount(count);
  checkSize(size);
  const stride = size >= PAGE_SIZE
    ? Math.ceil(size / PAGE_SIZE) * PAGE_SIZE
    : Math.ceil(size / 64) * 64;
  const memory = alignedBytes(stride * count);
  const views: Uint8Array[] = [];
  for (let i = 0; i < count; i++) views.push(memory.subarray(i * stride, i * stride + size));
  const init: Init = {
    views,
    size,
    memory,
    base: addressOf(memory),
    stride,
    addrs: null,
    owned: true,
  };
  return place(ring, init);
}

/** @internal `Ring.registerBufferViews(views)`: the expert path over caller-owned memory. */
export function registerBufferViews(ring: RingHandle, views: readonly Uint8Array[]): FixedBuffers {
  if (!Array.isArray(views)) throw new TypeError("views must be an array of Uint8Array");
  checkCount(views.length);
  const own: Uint8Array[] = [];
  const addrs = new Float64Array(views.length);
  const size = views[0]?.byteLength;
  for (let i = 0; i < views.length; i++) {
    const v = views[i];
    checkBuffer(v, `views[${i}]`);
    checkSize(v.byteLength, `views[${i}].byteLength`);
    if (v.byteLength !== size) {
      throw new RangeError(
        `all views must have the same length (${size}), views[${i}] has ${v.byteLength}: ` +
          `register sets of other sizes as separate FixedBuffers`,
      );
    }
    own.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    addrs[i] = addressOf(v);
  }
  return place(ring, {
    views: own,
    size,
    memory: own.slice(),
    base: 0,
    stride: 0,
    addrs,
    owned: false,
  });
}

function place(ring: RingHandle, init: Init): FixedBuffers {
  const table = tableOf(ring);
  const n = init.views.length;
  const iov = iovecsOf(init.views);
  try {
    const { offset, filled } = table.reserve(n, false, iov);
    if (!filled) {
      ring.register(RegisterOp.BUFFERS_UPDATE, rsrcUpdate2(offset, addressOf(iov), n), 32);
    }
    return new FixedBuffers(token, table, offset, init);
  } catch (e) {
    if (e instanceof UringError && e.errno === 12) {
      throw new UringError(
        12,
        "io_uring_register(BUFFERS2)",
        `pinning ${n} x ${init.size} bytes goes past RLIMIT_MEMLOCK: raise it (ulimit -l) or ` +
          `register less`,
      );
    }
    throw e;
  }
}

/**
 * @internal `Ring.registerCloneBuffers(src)`: registers the buffers of `src` (another ring's)
 * with `ring` without pinning them again (`IORING_REGISTER_CLONE_BUFFERS`, Linux 6.12).
 */
export function cloneBuffers(ring: RingHandle, src: FixedBuffers): FixedBuffers {
  if (!(src instanceof FixedBuffers)) throw new TypeError("src must be a FixedBuffers");
  const init = src._share();
  const srcRing = src._ring;
  if (srcRing === ring) throw new TypeError("src is already registered with this ring");
  const table = tableOf(ring);
  const { offset } = table.reserve(src.count, true, null);
  // struct io_uring_clone_buffers { u32 src_fd; u32 flags; u32 src_off; u32 dst_off; u32 nr;
  //   u32 pad[3]; } = 32 bytes
  const arg = new Uint32Array(8);
  arg[0] = srcRing.fd;
  arg[1] = REGISTER_DST_REPLACE;
  arg[2] = src.tableOffset;
  arg[3] = offset;
  arg[4] = src.count;
  try {
    ring.register(RegisterOp.CLONE_BUFFERS, new Uint8Array(arg.buffer), 1);
  } catch (e) {
    if (table.live.size === 0) {
      table.capacity = 0;
      try {
        ring.register(RegisterOp.UNREGISTER_BUFFERS, null, 0);
      } catch { /* nothing registered */ }
    }
    if (e instanceof UringError && e.errno === 22) {
      throw new UringError(e.errno, "io_uring_register(CLONE_BUFFERS)", "cloning needs Linux 6.12");
    }
    throw e;
  }
  return new FixedBuffers(token, table, offset, init);
}
