/**
 * `alignedBuffer()`: buffers that start on a page (or other) boundary.
 *
 * @module
 */
import { alignedBytes } from "./_memory.ts";

/**
 * A zeroed `Uint8Array` of `size` bytes whose first byte sits on an `align` boundary (a page by
 * default), over a `SharedArrayBuffer`.
 *
 * This is the buffer to hand the kernel: a `SharedArrayBuffer` cannot be transferred or detached,
 * so memory the kernel may still write can never be freed behind its back. `AsyncRing` uses such
 * buffers in place (zero-copy) and copies plain `ArrayBuffer`-backed ones through memory of its
 * own; `Ring` users get the same safety only with buffers like this one (see `Ring`).
 *
 * Reads with `OpenFlag.DIRECT` need such buffers (the kernel answers `EINVAL` otherwise), and
 * page-cache reads into page-aligned buffers copy faster than into ones that straddle two
 * pages: the C programs this module is compared with use `aligned_alloc(4096, ...)` for that
 * reason. Subarrays at multiples of `align` stay aligned, so one call can serve many buffers.
 *
 * @param size bytes, 0 .. 2**31
 * @param align a power of two, 1 .. 2**21; default 4096
 * @throws {RangeError} for a size or alignment out of range
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { alignedBuffer, AsyncRing } from "../../mod.ts";
 * const pages = alignedBuffer(4 * 4096); // four page-aligned 4 KiB buffers
 * const bufs = [0, 1, 2, 3].map((i) => pages.subarray(i * 4096, (i + 1) * 4096));
 * await using io = new AsyncRing();
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array(8192).fill(7));
 * const fd = await io.open(path);
 * const n = await Promise.all(bufs.map((b, i) => io.read(fd, b, (i % 2) * 4096)));
 * assertEquals(n, [4096, 4096, 4096, 4096]);
 * assertEquals(bufs[3][4095], 7);
 * await io.closeFd(fd);
 * await Deno.remove(path);
 * ```
 */
export function alignedBuffer(size: number, align: number = 4096): Uint8Array<SharedArrayBuffer> {
  if (!Number.isInteger(size) || size < 0 || size > 2 ** 31) {
    throw new RangeError(`size must be an integer in 0..2**31, got ${size}`);
  }
  if (!Number.isInteger(align) || align < 1 || align > 1 << 21 || (align & (align - 1)) !== 0) {
    throw new RangeError(`align must be a power of two in 1..2**21, got ${align}`);
  }
  return alignedBytes(size, align);
}
