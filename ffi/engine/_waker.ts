/**
 * How a completion wakes JavaScript while Deno's event loop is idle with ops in flight: one small
 * interface over the strategies, so the engine's flush, reap and close paths call it and not the
 * strategies themselves.
 *
 * - `_wake_thread.ts`: a nonblocking FFI call sleeps in `io_uring_enter(GETEVENTS)` on a Deno
 *   worker thread (two thread hops per wake; nothing to load, no fd). `deferTaskrun` rings
 *   sleep on an eventfd read on a small second ring (`notifier.ts`).
 * - `_wake_eventfd.ts`: an eventfd registered on the ring, read by a linked read → send chain on
 *   the ring itself that rings a socket pair Deno's event loop watches; the eventfd's signals
 *   are held back while JavaScript reaps (`IORING_CQ_EVENTFD_DISABLED`).
 * - `_wake_socket.ts`: a one-shot poll on the ring's fd, on a small second ring, linked to a
 *   send to the same kind of socket pair.
 *
 * @internal
 * @module
 */
import type { Ring } from "../ring/mod.ts";

/** The names of the strategies. */
export type WakeKind = "thread" | "eventfd" | "socket";

/** What a waker needs of the engine. */
export interface _WakeHost {
  readonly ring: Ring;
  /** A completion may be ready: flush (called as an event-loop task of its own). */
  _woken(): void;
  /** The strategy failed in a way the engine cannot recover from. */
  _wakeFailed(e: unknown): void;
  /** Submits what the engine prepared; false when the kernel refused for now. */
  _submit(): boolean;
  /** Posts an internal NOP on the ring and submits it. */
  _postNop(): void;
}

/** One wake-up strategy of an engine. */
export interface _Waker {
  readonly kind: WakeKind;
  /** A wake-up is armed for the ops in flight. */
  readonly armed: boolean;
  /** A worker thread sleeps in the kernel for it: the ring must stay open until it is back. */
  readonly sleeping: boolean;
  /** The engine is about to submit and reap (on every flush: must be cheap). */
  busy(): void;
  /**
   * Ops are in flight and the engine goes idle: arm the wake-up. Returns false when CQEs are
   * ready already (the engine flushes instead). Throws when the strategy broke; the engine then
   * closes it and falls back to the worker thread.
   */
  arm(): boolean;
  /**
   * Whether the wake-up, while armed, keeps the process alive (false: every op in flight was
   * unref'd). The worker thread cannot let go; the engine moves off it instead.
   */
  hold(keep: boolean): void;
  /** Nothing is in flight: keep the process alive no longer (a sleeping waiter is made to return). */
  rest(): void;
  /** A CQE of the strategy's own SQEs on the engine's ring (only failures post one). */
  cqe(): void;
  /** The engine closed with the waiter asleep: make it return. */
  interrupt(): void;
  /** Releases the strategy's fds and rings; called before the engine's ring is closed. */
  close(): void;
}
