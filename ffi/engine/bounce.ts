/**
 * Memory the library owns, for the kernel to use in place of caller buffers the caller could
 * free while an op is in flight (see `_memory.ts`: a plain `ArrayBuffer` can be transferred, and
 * its memory is then freed behind the library's back).
 *
 * `AsyncRing` gives the kernel a chunk of this pool instead of such a buffer: a write copies the
 * caller's bytes in before the SQE is published, a read copies the bytes the kernel wrote out to
 * the caller's buffer when the CQE arrives (if the buffer is still attached). A chunk goes back to
 * the pool only from the CQE that ends its op, so the kernel never writes into a chunk that
 * serves another op. Chunks are views over `SharedArrayBuffer`s, which nothing can detach: a
 * chunk dropped while its op is in flight (the ring closed) stays valid memory for as long as
 * the ring holds it.
 *
 * Sizes are rounded up to a power of two from 64 bytes to 1 MiB; chunks of 4 KiB and more start
 * on a page (page-cache copies into page-aligned memory are faster). Larger requests get a
 * `SharedArrayBuffer` of their own that is not pooled. Each size class keeps at most
 * `MAX_FREE_BYTES` of free chunks, and the pool at most `MAX_FREE_TOTAL` over all classes (15
 * classes at 8 MiB each could otherwise keep 120 MiB for the ring's life after one burst).
 *
 * Measured cost (4 KiB reads from the page cache, 64 in flight, this machine): the copy out is
 * ~0.1 µs of a ~1.3 µs op, see README "Reliability".
 *
 * @internal
 * @module
 */
import { addressOf, checkBuffer, kernelSafeAddress } from "../sys/mod.ts";
import type { FdLike } from "../sys/mod.ts";
import type { Sqe } from "../ring/mod.ts";
import { type FixedBufferSource, MAX_RW } from "../ring/mod.ts";
import { FixedBuffers } from "../ring/mod.ts";

const MIN_SHIFT = 6; // 64 B
const MAX_SHIFT = 20; // 1 MiB
const SLAB = 64 * 1024;
const PAGE = 4096;
/** Free bytes kept per size class. */
const MAX_FREE_BYTES = 8 * 1024 * 1024;
/** Free bytes kept over all classes. */
const MAX_FREE_TOTAL = 16 * 1024 * 1024;

/** One chunk of pool memory: its view (exactly the class size) and address. */
export class Chunk {
  readonly view: Uint8Array<SharedArrayBuffer>;
  readonly addr: number;
  /** Size class (log2 of the size), or -1 for an unpooled chunk. */
  readonly shift: number;
  constructor(view: Uint8Array<SharedArrayBuffer>, addr: number, shift: number) {
    this.view = view;
    this.addr = addr;
    this.shift = shift;
  }
}

/** Page-aligned view of `size` bytes in a fresh `SharedArrayBuffer`. */
function alignedShared(size: number): Uint8Array<SharedArrayBuffer> {
  const raw = new Uint8Array(new SharedArrayBuffer(size + PAGE));
  const skip = (PAGE - (addressOf(raw) % PAGE)) % PAGE;
  return raw.subarray(skip, skip + size);
}

/** A pool of chunks per size class. One per `AsyncRing`. */
export class _BouncePool {
  #free: Chunk[][] = [];
  /** Bytes in the free lists, all classes. */
  #freeBytes = 0;

  constructor() {
    for (let s = 0; s <= MAX_SHIFT; s++) this.#free.push([]);
  }

  /** A chunk of at least `size` bytes (its contents are whatever the last op left). */
  take(size: number): Chunk {
    if (size > 1 << MAX_SHIFT) {
      const view = alignedShared(size);
      return new Chunk(view, addressOf(view), -1);
    }
    const shift = size <= 1 << MIN_SHIFT ? MIN_SHIFT : 32 - Math.clz32(size - 1);
    const list = this.#free[shift];
    if (list.length !== 0) {
      this.#freeBytes -= 1 << shift;
      return list.pop()!;
    }
    return this.#refill(shift);
  }

  /** Bytes of free chunks the pool keeps now (for tests). */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** Returns `chunk` once the kernel is done with it. */
  give(chunk: Chunk): void {
    const shift = chunk.shift;
    if (shift < 0) return;
    const list = this.#free[shift], size = 1 << shift;
    if (list.length << shift < MAX_FREE_BYTES && this.#freeBytes + size <= MAX_FREE_TOTAL) {
      list.push(chunk);
      this.#freeBytes += size;
    }
  }

  /** Cuts a new slab (or one chunk of 64 KiB and more) into chunks of class `shift`. */
  #refill(shift: number): Chunk {
    const size = 1 << shift;
    const slabSize = size >= SLAB ? size : SLAB;
    const slab = alignedShared(slabSize);
    const base = addressOf(slab);
    const list = this.#free[shift];
    for (let off = slabSize - size; off > 0; off -= size) {
      list.push(new Chunk(slab.subarray(off, off + size), base + off, shift));
      this.#freeBytes += size;
    }
    return new Chunk(slab.subarray(0, size), base, shift);
  }
}

/** What an op that went through pool memory does when its CQE arrives. */
export interface Bounce {
  /**
   * The kernel is done: copies a read's `res` bytes out, gives the chunks back, and returns an
   * error if the caller's buffer can no longer take the bytes.
   */
  done(res: number): TypeError | undefined;
}

/** One caller buffer through one chunk; `user` is null for a write (nothing to copy out). */
class Bounce1 implements Bounce {
  pool: _BouncePool;
  user: ArrayBufferView | null;
  chunk: Chunk;
  constructor(pool: _BouncePool, user: ArrayBufferView | null, chunk: Chunk) {
    this.pool = pool;
    this.user = user;
    this.chunk = chunk;
  }
  done(res: number): TypeError | undefined {
    const err = this.user === null ? undefined : copyOut(this.user, this.chunk, res);
    this.pool.give(this.chunk);
    return err;
  }
}

/** Several caller buffers (readv, writev); `null` chunks are buffers the kernel used in place. */
class BounceVec implements Bounce {
  pool: _BouncePool;
  users: readonly ArrayBufferView[];
  /** Lengths of `users` when the op started (a detached view's is 0 by now). */
  lens: number[];
  chunks: (Chunk | null)[];
  read: boolean;
  constructor(
    pool: _BouncePool,
    users: readonly ArrayBufferView[],
    chunks: (Chunk | null)[],
    read: boolean,
  ) {
    this.pool = pool;
    this.users = users;
    this.lens = users.map((u) => u.byteLength);
    this.chunks = chunks;
    this.read = read;
  }
  done(res: number): TypeError | undefined {
    let err: TypeError | undefined;
    let left = res;
    for (let i = 0; i < this.chunks.length; i++) {
      const c = this.chunks[i];
      const len = this.lens[i];
      if (c !== null) {
        if (this.read && left > 0) err ??= copyOut(this.users[i], c, Math.min(left, len));
        this.pool.give(c);
      }
      left -= len;
    }
    return err;
  }
}

/**
 * Prepares a read-like (`read`: the kernel writes) or write-like op on one caller buffer at
 * `addr`/`len` of the SQE: in place when the buffer is kernel-safe, else through a chunk (a
 * write's bytes are copied in first). Returns the `Bounce` to finish, or undefined.
 */
export function prepOne(
  s: Sqe,
  pool: _BouncePool,
  op: number,
  fd: FdLike,
  buf: ArrayBufferView,
  offset: number,
  read: boolean,
): Bounce | undefined {
  const a = kernelSafeAddress(buf);
  // One op moves at most MAX_RW bytes: a longer buffer is a short read or write, so only that
  // much is copied through a chunk.
  const len = buf.byteLength > MAX_RW ? MAX_RW : buf.byteLength;
  if (a >= 0) {
    s._rwAt(op, fd, a, buf, len, offset);
    return undefined;
  }
  const chunk = pool.take(len);
  try {
    if (!read) {
      chunk.view.set(len === buf.byteLength ? bytesOf(buf) : bytesOf(buf).subarray(0, len));
    }
    s._rwAt(op, fd, chunk.addr, chunk.view, len, offset);
  } catch (e) {
    pool.give(chunk);
    throw e;
  }
  return new Bounce1(pool, read ? buf : null, chunk);
}

/** `prepOne` for vectored ops: `prep` gets the views the kernel should use. */
export function prepVec(
  pool: _BouncePool,
  bufs: readonly ArrayBufferView[],
  read: boolean,
  prep: (views: readonly ArrayBufferView[]) => void,
): Bounce | undefined {
  if (!Array.isArray(bufs)) throw new TypeError("bufs must be an array of ArrayBufferView");
  let chunks: (Chunk | null)[] | null = null;
  const views: ArrayBufferView[] = [];
  try {
    for (let i = 0; i < bufs.length; i++) {
      const b = bufs[i];
      if (kernelSafeAddress(b, `iovecs[${i}]`) >= 0) {
        views.push(b);
        continue;
      }
      chunks ??= new Array(i).fill(null);
      const c = pool.take(b.byteLength);
      chunks[i] = c;
      const v = c.view.subarray(0, b.byteLength);
      if (!read) v.set(bytesOf(b));
      views.push(v);
    }
    if (chunks !== null) chunks.length = bufs.length;
    prep(views);
  } catch (e) {
    if (chunks !== null) { for (const c of chunks) if (c) pool.give(c); }
    throw e;
  }
  if (chunks === null) return undefined;
  for (let i = 0; i < chunks.length; i++) chunks[i] ??= null;
  return new BounceVec(pool, bufs.slice(), chunks, read);
}

/** A private copy of bytes the kernel only reads at submission (a sockaddr, an option value). */
export function ownCopy(view: ArrayBufferView): Uint8Array<ArrayBuffer> {
  if (!ArrayBuffer.isView(view)) {
    throw new TypeError("value must be a Uint8Array or another ArrayBufferView");
  }
  checkBuffer(view); // the same checks as an op's buffer; no address needed for a copy
  return bytesOf(view).slice();
}

/** Plain bytes of any view (a `Uint8Array` is returned as it is). */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return view instanceof Uint8Array
    ? view
    : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * A read that went through a chunk: copies the `res` bytes the kernel wrote to the caller's
 * view. Returns an error when the caller detached or shrank the buffer meanwhile (the bytes are
 * then lost: the caller gave the memory away).
 */
export function copyOut(user: ArrayBufferView, chunk: Chunk, res: number): TypeError | undefined {
  if (res <= 0) return undefined;
  if (user.byteLength < res) {
    return new TypeError(
      `the buffer was detached or shrunk while the op was in flight: ${res} bytes read were ` +
        `dropped (do not transfer a buffer an op is using)`,
    );
  }
  const dst = bytesOf(user);
  dst.set(res === chunk.view.length ? chunk.view : chunk.view.subarray(0, res));
  return undefined;
}

/**
 * Throws `TypeError` unless registered buffer `index` of `buffers` is memory the caller cannot
 * free: the set's own memory (`registerBuffers(count, size)`) or a `SharedArrayBuffer` view.
 */
export function checkFixedSafe(buffers: FixedBufferSource, index: number): void {
  if (!(buffers instanceof FixedBuffers) || buffers.owned) return;
  const view = buffers.get(index);
  if (!(view.buffer instanceof SharedArrayBuffer)) {
    throw new TypeError(
      `registered buffer ${index} is caller memory that could be transferred while the kernel ` +
        `uses it: register views over a SharedArrayBuffer, or use registerBuffers(count, size)`,
    );
  }
}
