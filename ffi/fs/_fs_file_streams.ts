/**
 * `FsFile.readable` and `FsFile.writable`: streams over a file handle that close the file when
 * they end, as Deno's `readableStreamForRid`/`writableStreamForRid` do.
 *
 * @internal
 * @module
 */
import { lendToKernel, returnFromKernel } from "../sys/mod.ts";
import type { _FdHandle } from "./_fd_handle.ts";

/** Bytes per read of a default reader (Deno's `DEFAULT_CHUNK_SIZE` is 64 KiB). */
export const READ_CHUNK = 64 * 1024;
/** The writable's buffer: smaller writes are gathered up to this size (as Deno's, 64 KiB). */
export const WRITE_BUFFER = 64 * 1024;

/** Deno's message for a stream whose file was closed under it. */
function annotate(e: unknown): unknown {
  if (e instanceof Deno.errors.BadResource && e.message === "Bad resource ID") {
    e.message = "The stream's underlying resource was closed or consumed";
  }
  return e;
}

/**
 * A byte stream reading `h` from its position to the end, then closing it. A BYOB reader's
 * view goes to the kernel through the ring's bounce memory (the stream may detach it); a
 * default reader gets fresh buffers that the kernel fills in place, handed out only after
 * their read completed.
 */
export function readableOf(h: _FdHandle): ReadableStream<Uint8Array<ArrayBuffer>> {
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      try {
        const req = controller.byobRequest;
        if (req !== null && req.view !== null) {
          const v = req.view;
          const n = await h.read(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          if (n === 0) {
            h.close();
            controller.close();
            req.respond(0);
          } else req.respond(n);
          return;
        }
        const buf = new Uint8Array(READ_CHUNK);
        lendToKernel(buf); // nobody else has it until the read has settled
        let n: number;
        try {
          n = await h.read(buf);
        } finally {
          returnFromKernel(buf);
        }
        if (n === 0) {
          h.close();
          controller.close();
        } else controller.enqueue(buf.subarray(0, n));
      } catch (e) {
        // after a cancel the stream is closed already and this does nothing
        controller.error(annotate(e));
        h.close();
      }
    },
    cancel() {
      h.close(); // cancels a read in flight (a pipe or FIFO may never deliver)
    },
  });
}

function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (chunk instanceof ArrayBuffer || chunk instanceof SharedArrayBuffer) {
    return new Uint8Array(chunk);
  }
  throw new TypeError("chunk must be an ArrayBuffer or an ArrayBufferView");
}

function sizeOf(chunk: unknown): number {
  return ArrayBuffer.isView(chunk) || chunk instanceof ArrayBuffer ? chunk.byteLength : 1;
}

/**
 * A stream writing every byte of each chunk to `h` at its position, then closing it on close
 * or abort. Chunks under 64 KiB are gathered in a buffer of library memory the kernel reads in
 * place; larger ones are written as they come. Unlike Deno's, a failed final flush rejects
 * `close()` (Deno ignores it, and the bytes are lost without a word).
 */
export function writableOf(h: _FdHandle): WritableStream<Uint8Array> {
  let buffer: Uint8Array<SharedArrayBuffer> | null = null;
  let used = 0;
  const flush = async () => {
    if (used === 0) return;
    const n = used;
    used = 0;
    await h.writeAll(buffer!.subarray(0, n), true);
  };
  return new WritableStream<Uint8Array>({
    async write(chunk, controller) {
      try {
        const view = bytesOf(chunk);
        if (view.length >= WRITE_BUFFER) {
          await flush();
          await h.writeAll(view);
          return;
        }
        buffer ??= new Uint8Array(new SharedArrayBuffer(WRITE_BUFFER));
        if (used + view.length > WRITE_BUFFER) await flush();
        buffer.set(view, used);
        used += view.length;
      } catch (e) {
        controller.error(annotate(e));
        h.close();
        throw e;
      }
    },
    async close() {
      try {
        await flush();
      } finally {
        h.close();
      }
    },
    abort() {
      used = 0;
      h.close();
    },
  }, { highWaterMark: WRITE_BUFFER, size: sizeOf });
}
