/**
 * A file range as a `ReadableStream`, read through an `AsyncRing`: the streamed body of the
 * responses `serveFile()`/`serveDir()` make.
 *
 * @internal
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { denoFsError, lendToKernel, returnFromKernel, UringError } from "../sys/mod.ts";

/** Largest read: the chunk size of Deno's own `FsFile.readable`. */
const CHUNK = 64 * 1024;
/** From this size on, a chunk is read in place rather than through the ring's copy. */
const LEND_FROM = 16 * 1024;

/**
 * `length` bytes of `path` from `offset`, as a stream of chunks of at most 64 KiB.
 *
 * The file is opened at the first read, not before (`highWaterMark: 0`): a server that sends the
 * range itself (`fileBodyOf()`) cancels the body unread, and then no descriptor was ever opened.
 * It is closed after the last byte and on `cancel()` (after a read in flight has settled, so
 * the kernel never writes into a buffer that was handed out). A file that ends before
 * `offset + length` errors the stream with `Deno.errors.UnexpectedEof`; one that grew is read
 * only to the range's end, so the body matches the `Content-Length` sent.
 */
export function fileStream(
  io: AsyncRing,
  path: string,
  offset: number,
  length: number,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  let fd = -1;
  let pos = offset;
  let left = length;
  let cancelled = false;
  let reading = false;
  const closeFile = () => {
    if (fd < 0) return;
    const f = fd;
    fd = -1;
    io.closeFd(f).catch(() => {});
  };
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      if (left === 0) {
        closeFile();
        controller.close();
        return;
      }
      reading = true;
      let chunk: Uint8Array<ArrayBuffer>;
      try {
        if (fd < 0) {
          try {
            fd = await io.open(path);
          } catch (e) {
            throw e instanceof UringError ? denoFsError(e.errno, "open", path) : e;
          }
          if (cancelled) return;
        }
        const size = Math.min(left, CHUNK);
        const buf = new Uint8Array(size);
        // A fresh buffer nobody else sees until its read settled (see readInto in files.ts).
        if (size >= LEND_FROM) lendToKernel(buf);
        let n: number;
        try {
          n = await io.read(fd, buf, pos);
        } catch (e) {
          throw e instanceof UringError ? denoFsError(e.errno, "read", path) : e;
        } finally {
          if (size >= LEND_FROM) returnFromKernel(buf);
        }
        if (cancelled) return;
        if (n === 0) {
          throw new Deno.errors.UnexpectedEof(
            `${path} ended at byte ${pos}, before the ${offset + length} its response promised`,
          );
        }
        pos += n;
        left -= n;
        chunk = n === size ? buf : buf.subarray(0, n);
      } catch (e) {
        closeFile();
        throw e;
      } finally {
        reading = false;
        if (cancelled) closeFile();
      }
      controller.enqueue(chunk);
      if (left === 0) {
        closeFile();
        controller.close();
      }
    },
    cancel() {
      cancelled = true;
      if (!reading) closeFile();
    },
  }, { highWaterMark: 0 });
}
