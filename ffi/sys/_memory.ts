/**
 * Buffer addresses and checks for memory that is handed to the kernel.
 *
 * Addresses are cached per ArrayBuffer (a `WeakMap`), so the hot path costs one map lookup, not an
 * FFI call. An ArrayBuffer's backing store never moves once it has an address, because V8 moves
 * on-heap typed arrays off the heap when their buffer is first materialised (`view.buffer`), and
 * when Deno passes a view to a `buffer` parameter.
 *
 * The address comes from libc's `memmove(view, view, 0)`, which returns its first argument: unlike
 * `Deno.UnsafePointer.of`, a call of a symbol opened earlier still works inside a
 * `Deno.test({ permissions })` (which revokes `--allow-ffi`), and it costs less. It is opened with
 * the native shim's first functions (`loader.ts`), in the same `dlopen`.
 *
 * Memory the caller can free: a plain `ArrayBuffer` can be transferred (`buffer.transfer()`,
 * `structuredClone(..., { transfer })`, `postMessage`, BYOB stream readers). Its memory moves to
 * a new `ArrayBuffer`, and is freed when that one is collected, whatever references the library
 * keeps to the old, now detached, one. Nothing in JavaScript can prevent or observe that, so
 * holding a plain buffer does not keep its memory for the kernel. A `SharedArrayBuffer` cannot be
 * transferred or detached, and its memory lives as long as any `SharedArrayBuffer` object over it:
 * holding one does keep its memory. `kernelSafeAddress()` tells the two apart (and accepts plain
 * buffers the library allocated itself and has not handed out yet, see `lendToKernel()`);
 * `AsyncRing` copies the others through memory of its own (`_bounce.ts`).
 *
 * @module
 */
import { native } from "./loader.ts";

/** Bytes the kernel may read or write: any typed array view or DataView. */
export type BufferSource = ArrayBufferView<ArrayBufferLike>;

const bases = new WeakMap<ArrayBufferLike, number>();
/** Buffers whose memory the caller cannot free while the library holds them: their addresses. */
const safeBases = new WeakMap<ArrayBufferLike, number>();

/** Throws `TypeError` unless `view` is a typed array or DataView over a fixed-size, live buffer. */
export function checkBuffer(view: unknown, what: string = "buffer"): asserts view is BufferSource {
  if (!ArrayBuffer.isView(view)) {
    throw new TypeError(`${what} must be a Uint8Array or another ArrayBufferView`);
  }
  const ab = view.buffer as ArrayBuffer & { detached?: boolean; resizable?: boolean };
  if (ab.detached === true) throw new TypeError(`${what} is detached`);
  if (ab.resizable === true || (ab as unknown as { growable?: boolean }).growable === true) {
    throw new TypeError(`${what} is resizable: the kernel needs memory that cannot move`);
  }
}

/** The address of the first byte of `view` as a number (x86-64 user addresses fit in 2**53). */
export function addressOf(view: BufferSource): number {
  const ab = view.buffer;
  let base = bases.get(ab);
  if (base === undefined) {
    base = baseAddress(view);
    bases.set(ab, base);
  }
  return base + view.byteOffset;
}

/** The address of `view.buffer`'s first byte; 0 for a buffer without bytes (or detached). */
function baseAddress(view: BufferSource): number {
  const c = native();
  if (view.byteLength > 0) return Number(c.memmove(view, view, 0n)) - view.byteOffset;
  // Deno may pass an empty view as NULL: ask with a 1-byte view at the buffer's start.
  if (view.buffer.byteLength === 0) return 0;
  const first = new Uint8Array(view.buffer, 0, 1);
  return Number(c.memmove(first, first, 0n));
}

/**
 * Checks `view` (a live, fixed-size buffer) and returns its address. The first sight of an
 * ArrayBuffer does the full check and caches its address; later calls only look for detachment
 * (a detached buffer's views have byteLength 0), so the hot path is one WeakMap lookup.
 */
export function checkedAddress(view: unknown, what: string = "buffer"): number {
  if (!ArrayBuffer.isView(view)) {
    throw new TypeError(`${what} must be a Uint8Array or another ArrayBufferView`);
  }
  const ab = view.buffer;
  const base = bases.get(ab);
  if (base === undefined) {
    checkBuffer(view, what);
    return addressOf(view);
  }
  if (view.byteLength === 0 && (ab as ArrayBuffer & { detached?: boolean }).detached === true) {
    throw new TypeError(`${what} is detached`);
  }
  return base + view.byteOffset;
}

/** Made at first use: the first `TextEncoder` of a process costs ~50 us. */
let encoder: TextEncoder | undefined;

/** The module's one `TextEncoder` (it keeps no state), made at first use. */
export function utf8Encoder(): TextEncoder {
  return encoder ??= new TextEncoder();
}

/** `path` as a NUL-terminated UTF-8 C string. Throws `TypeError` for non-strings or NUL bytes. */
export function cString(path: string | URL, what: string = "path"): Uint8Array<ArrayBuffer> {
  if (path instanceof URL) {
    if (path.protocol !== "file:") throw new TypeError(`${what} must be a file: URL`);
    path = decodeURIComponent(path.pathname);
  }
  if (typeof path !== "string") throw new TypeError(`${what} must be a string`);
  if (path.includes("\0")) throw new TypeError(`${what} must not contain NUL bytes`);
  const out = new Uint8Array(path.length * 3 + 1);
  const { written } = utf8Encoder().encodeInto(path, out);
  return out.subarray(0, written + 1);
}

/**
 * A zeroed `Uint8Array` of `size` bytes whose first byte sits on an `align` boundary, over a
 * `SharedArrayBuffer`: memory that cannot be transferred or detached, so the kernel may keep
 * using it for as long as the library holds the view.
 */
export function alignedBytes(size: number, align: number = 4096): Uint8Array<SharedArrayBuffer> {
  const raw = new Uint8Array(new SharedArrayBuffer(size + align));
  const addr = addressOf(raw);
  const skip = (align - (addr % align)) % align;
  return raw.subarray(skip, skip + size);
}

/**
 * The address of `view` when its memory cannot be freed while the library holds the view (a
 * `SharedArrayBuffer`, or a buffer lent with `lendToKernel()`), else -1: the caller could
 * transfer it, and the kernel must get a copy instead. Checks like `checkedAddress()`.
 */
export function kernelSafeAddress(view: unknown, what: string = "buffer"): number {
  if (!ArrayBuffer.isView(view)) {
    throw new TypeError(`${what} must be a Uint8Array or another ArrayBufferView`);
  }
  const ab = view.buffer;
  const base = safeBases.get(ab);
  if (base !== undefined) return base + view.byteOffset;
  if (!(ab instanceof SharedArrayBuffer)) {
    checkBuffer(view, what);
    return -1;
  }
  checkBuffer(view, what);
  const addr = addressOf(view);
  safeBases.set(ab, addr - view.byteOffset);
  return addr;
}

/**
 * @internal Marks a plain buffer that library code allocated, and will not hand out while the
 * kernel uses it, as safe to give the kernel without a copy (`kernelSafeAddress()`). Undo with
 * `returnFromKernel()` before the buffer reaches the caller.
 */
export function lendToKernel(view: ArrayBufferView): void {
  const ab = view.buffer;
  safeBases.set(ab, addressOf(view) - view.byteOffset);
}

/** @internal Ends `lendToKernel()`: the buffer goes to the caller, who may transfer it. */
export function returnFromKernel(view: ArrayBufferView): void {
  if (!(view.buffer instanceof SharedArrayBuffer)) safeBases.delete(view.buffer);
}

/** Page size of the machine (4096 on x86-64 Linux). */
export const PAGE_SIZE = 4096;
