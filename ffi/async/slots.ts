/**
 * Per-`AsyncRing` slots of library memory for the drop-in file functions (`files.ts`).
 *
 * @internal
 * @module
 */
import type { FileRing } from "./_file_ring.ts";
import { addressOf } from "../sys/mod.ts";

/**
 * Fixed-size pieces of memory for ops in flight, handed out and back, in chunks whose address
 * is looked up once (a fresh buffer per op costs an `UnsafePointer.of` and a `WeakMap` entry
 * when it first reaches the kernel, and V8's allocation of a new `ArrayBuffer`). A piece goes
 * back only once its op has settled, which is after its CQE.
 */
export class Slots {
  readonly #chunks: Uint8Array<SharedArrayBuffer>[] = [];
  /** Each chunk's address, looked up once. */
  readonly #addrs: number[] = [];
  readonly #free: number[] = [];
  #used = 0;

  /**
   * Slots of `size` bytes, `perChunk` to a chunk, at most `max` in use.
   *
   * @param size bytes per slot
   * @param perChunk slots per chunk
   * @param max slots in use at most (`take()` returns -1 beyond)
   */
  constructor(readonly size: number, readonly perChunk: number, readonly max: number) {}

  /** A free slot, or -1 when `max` are in use. */
  take(): number {
    if (this.#free.length === 0) {
      if (this.#used >= this.max) return -1;
      const c = this.#chunks.length;
      // over a SharedArrayBuffer: the kernel uses it in place (see `_memory.ts`)
      const chunk = new Uint8Array(new SharedArrayBuffer(this.size * this.perChunk));
      this.#chunks.push(chunk);
      this.#addrs.push(addressOf(chunk));
      for (let i = this.perChunk - 1; i >= 0; i--) this.#free.push(c * this.perChunk + i);
    }
    this.#used++;
    return this.#free.pop()!;
  }

  /** Gives `slot` back, once the op that used it has settled. */
  give(slot: number): void {
    this.#used--;
    this.#free.push(slot);
  }

  /** The chunk that holds `slot`: its bytes are at `offset(slot)` (no view made per call). */
  chunk(slot: number): Uint8Array<SharedArrayBuffer> {
    return this.#chunks[(slot / this.perChunk) | 0];
  }

  /** Where `slot` starts in its `chunk()`. */
  offset(slot: number): number {
    return (slot % this.perChunk) * this.size;
  }

  /** The address of `slot`'s first byte, for an SQE field. */
  address(slot: number): number {
    return this.#addrs[(slot / this.perChunk) | 0] + (slot % this.perChunk) * this.size;
  }

  /** The slot's bytes. */
  bytes(slot: number): Uint8Array {
    const at = (slot % this.perChunk) * this.size;
    return this.#chunks[Math.floor(slot / this.perChunk)].subarray(at, at + this.size);
  }
}

/** The `Slots` of `io` in `map`, made on first use. */
export function slotsOf(
  map: WeakMap<FileRing, Slots>,
  io: FileRing,
  size: number,
  perChunk: number,
  max: number,
): Slots {
  let slots = map.get(io);
  if (slots === undefined) map.set(io, slots = new Slots(size, perChunk, max));
  return slots;
}
