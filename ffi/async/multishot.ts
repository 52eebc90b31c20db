/**
 * Multishot ops as async iterators: one SQE, many CQEs, queued in JS when the consumer is slow.
 *
 * @module
 */
import { CqeFlag } from "../sys/mod.ts";
import { Errno, UringError } from "../sys/mod.ts";
import type { _Engine } from "../engine/mod.ts";
import type { MultishotSink } from "../engine/mod.ts";
import type { BufferRingLike } from "./options.ts";
import type { Sqe } from "../ring/mod.ts";
const { ENOBUFS } = Errno;

/** Yields accepted connection fds. */
export const MS_ACCEPT = 0;
/** Yields views into a buffer ring (recv); 0 bytes ends the iteration. */
export const MS_RECV = 1;
/** Yields poll masks. */
export const MS_POLL = 2;
/** Yields views into a buffer ring (read); 0 bytes ends the iteration. */
export const MS_READ = 3;

const RUNNING = 0;
/** EOF or an error arrived: the queue is delivered, then the iteration ends. */
const ENDING = 1;
/** Stopped by the consumer; the final CQE of the cancelled SQE is still to come. */
const STOPPING = 2;
const FINISHED = 3;

interface Waiter {
  resolve: (r: IteratorResult<never>) => void;
  reject: (e: unknown) => void;
}

/**
 * The async iterator of a multishot op (`acceptMultishot`, `recvMultishot`, `pollMultishot`,
 * `readMultishot`). The SQE is armed on the first `next()` and re-armed when the kernel ends it
 * without an error; `break`, `return()` or the signal cancel it. Completions that arrive while
 * the consumer is busy are queued in JS, none is dropped. An iterator that was started and is
 * neither finished nor stopped keeps its SQE armed, and so the process alive, like a listening
 * `Deno.Listener`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { AsyncRing, PollEvent } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const [r, w] = await io.pipe();
 * const polls = io.pollMultishot(r, PollEvent.IN);
 * const first = polls.next();
 * await io.write(w, new Uint8Array([1]));
 * assert(((await first).value! & PollEvent.IN) !== 0);
 * await polls.return(); // cancels the SQE
 * await io.closeFd(r);
 * await io.closeFd(w);
 * ```
 */
export class MultishotIterator<T> implements AsyncIterableIterator<T> {
  #engine: _Engine;
  #mode: number;
  #name: string;
  #prepFn: (sqe: Sqe) => void;
  #group: BufferRingLike | null;
  #direct: boolean;
  #signal: AbortSignal | undefined;
  #hook: (() => void) | undefined;
  #ud = -1;
  #started = false;
  #state = RUNNING;
  #error: unknown = undefined;
  #hasError = false;
  #qRes: number[] = [];
  #qFlags: number[] = [];
  #qHead = 0;
  #waiters: Waiter[] = [];
  #out: number[] = [];
  #starved = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sink: MultishotSink;

  /** @internal Made by `AsyncRing`'s multishot methods. */
  constructor(
    engine: _Engine,
    mode: number,
    name: string,
    prep: (sqe: Sqe) => void,
    group: BufferRingLike | null,
    signal: AbortSignal | undefined,
    direct: boolean = false,
  ) {
    this.#engine = engine;
    this.#mode = mode;
    this.#name = name;
    this.#prepFn = prep;
    this.#group = group;
    this.#direct = direct;
    this.#sink = {
      _cqe: (res, flags, final) => this.#cqe(res, flags, final),
      _prep: (sqe) => this.#prepFn(sqe),
      _close: (err) => this.#closed(err),
    };
    if (signal !== undefined) {
      if (!(signal instanceof AbortSignal)) {
        throw new TypeError("options.signal must be an AbortSignal");
      }
      if (signal.aborted) {
        this.#fail(signal.reason);
        this.#state = ENDING;
      } else {
        this.#signal = signal;
        this.#hook = () => this.#stop(true);
        signal.addEventListener("abort", this.#hook, { once: true });
      }
    }
  }

  /** Returns itself. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * The next value: a completion already queued, or the next one to arrive. For buffer-ring
   * iterators, the buffer of the previous value goes back to the kernel first.
   */
  next(): Promise<IteratorResult<T>> {
    this.#recycleOut();
    if (this.#state === RUNNING) {
      if (!this.#started) {
        this.#started = true;
        this.#arm();
      } else if (this.#starved && this.#ud === -1 && this.#qHead === this.#qRes.length) {
        // re-armed once the consumer caught up, so the kernel gets all buffers back at once
        this.#starved = false;
        this.#arm();
      }
    }
    if (this.#qHead < this.#qRes.length) return Promise.resolve(this.#deliver());
    if (this.#state === RUNNING) {
      const { promise, resolve, reject } = Promise.withResolvers<IteratorResult<T>>();
      this.#waiters.push({ resolve, reject });
      return promise;
    }
    return this.#end();
  }

  /** Stops the iteration: cancels the SQE (its last CQEs are dropped) and ends. */
  return(): Promise<IteratorResult<T>> {
    this.#stop(false);
    return Promise.resolve({ done: true, value: undefined });
  }

  /** Same as `return()`. */
  throw(e?: unknown): Promise<IteratorResult<T>> {
    this.#stop(false);
    return Promise.reject(e);
  }

  // ---- internals -----------------------------------------------------------------------

  #arm(): void {
    try {
      this.#ud = this.#engine.multishot(this.#sink);
    } catch (e) {
      this.#fail(e);
      this.#state = ENDING;
      this.#wake();
    }
  }

  #fail(e: unknown): void {
    if (!this.#hasError) {
      this.#hasError = true;
      this.#error = e;
    }
  }

  #end(): Promise<IteratorResult<T>> {
    if (this.#state === ENDING) this.#finish();
    if (this.#hasError) {
      const e = this.#error;
      this.#hasError = false;
      this.#error = undefined;
      return Promise.reject(e);
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  #finish(): void {
    this.#state = this.#ud === -1 ? FINISHED : STOPPING;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#hook !== undefined) this.#signal!.removeEventListener("abort", this.#hook);
    this.#hook = undefined;
  }

  #isBuffered(): boolean {
    return this.#mode === MS_RECV || this.#mode === MS_READ;
  }

  #deliver(): IteratorResult<T> {
    const h = this.#qHead++;
    const res = this.#qRes[h], flags = this.#qFlags[h];
    if (this.#qHead === this.#qRes.length) {
      this.#qRes.length = 0;
      this.#qFlags.length = 0;
      this.#qHead = 0;
    } else if (this.#qHead > 1024 && this.#qHead * 2 > this.#qRes.length) {
      this.#qRes.splice(0, this.#qHead);
      this.#qFlags.splice(0, this.#qHead);
      this.#qHead = 0;
    }
    if (this.#isBuffered()) {
      const bid = flags >>> 16;
      this.#out.push(bid);
      return { done: false, value: this.#group!.get(bid, res) as T };
    }
    return { done: false, value: res as T };
  }

  #recycleOut(): void {
    const out = this.#out;
    if (out.length === 0) return;
    for (const bid of out) this.#recycle(bid);
    out.length = 0;
  }

  #recycle(bid: number): void {
    try {
      this.#group!.recycle(bid);
    } catch { /* the buffer ring is closed */ }
  }

  /** Drops a completion nobody will see: recycles its buffer or closes its fd. */
  #discard(res: number, flags: number): void {
    if (flags & CqeFlag.BUFFER) this.#recycle(flags >>> 16);
    else if (this.#mode === MS_ACCEPT && res >= 0) this.#engine.closeLate(res, this.#direct);
  }

  #cqe(res: number, flags: number, final: boolean): void {
    const armedUd = this.#ud;
    if (final) this.#ud = -1;
    if (this.#state !== RUNNING) {
      this.#discard(res, flags);
      if (final && this.#state === STOPPING) this.#state = FINISHED;
      return;
    }
    const buffered = this.#isBuffered();
    if (res > 0 || (res === 0 && !buffered)) {
      if (buffered && !(flags & CqeFlag.BUFFER)) return;
      this.#qRes.push(res);
      this.#qFlags.push(flags);
    } else if (res === -ENOBUFS && buffered) {
      if (final) {
        if (this.#out.length > 0 || this.#qHead < this.#qRes.length) this.#starved = true;
        else {
          this.#timer = setTimeout(() => {
            this.#timer = undefined;
            if (this.#state === RUNNING && this.#ud === -1) this.#arm();
          }, 1);
        }
      }
      return;
    } else {
      // EOF (0 bytes) or an error: deliver what is queued, then end
      this.#discard(res, flags);
      if (res < 0) this.#fail(new UringError(-res, this.#name));
      this.#state = ENDING;
      if (!final) this.#engine.abortUd(armedUd);
      this.#wake();
      return;
    }
    if (final) this.#arm();
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    while (w.length > 0) {
      if (this.#qHead < this.#qRes.length) {
        w.shift()!.resolve(this.#deliver() as IteratorResult<never>);
      } else if (this.#state === RUNNING) {
        return;
      } else {
        const waiter = w.shift()!;
        this.#end().then(waiter.resolve as (r: IteratorResult<T>) => void, waiter.reject);
      }
    }
  }

  /** Stops by `return()` (aborted false) or by the signal (rejects waiters with its reason). */
  #stop(aborted: boolean): void {
    if (this.#state === FINISHED) return;
    const reason = aborted ? this.#signal!.reason : undefined;
    this.#dropQueued();
    const ud = this.#ud;
    this.#finish();
    this.#hasError = false;
    if (ud !== -1) this.#engine.abortUd(ud);
    const w = this.#waiters.splice(0);
    for (const waiter of w) {
      if (aborted) waiter.reject(reason);
      else waiter.resolve({ done: true, value: undefined as never });
    }
    if (aborted && w.length === 0) this.#fail(reason);
  }

  /** Gives back the chunk out with the consumer and everything still queued. */
  #dropQueued(): void {
    this.#recycleOut();
    for (let i = this.#qHead; i < this.#qRes.length; i++) {
      this.#discard(this.#qRes[i], this.#qFlags[i]);
    }
    this.#qRes.length = 0;
    this.#qFlags.length = 0;
    this.#qHead = 0;
  }

  #closed(err: Error): void {
    this.#ud = -1;
    this.#dropQueued();
    this.#finish();
    const w = this.#waiters.splice(0);
    for (const waiter of w) waiter.reject(err);
  }
}
