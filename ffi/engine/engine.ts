/**
 * The machinery under `AsyncRing`: the op life cycle (start, finish, abort), the per-turn flush,
 * submit and reap, the SQ backlog, the wake-up, and close. The op slots and the settle path are
 * in `_slots.ts` (`_Engine` extends `_Slots`), linked chains in `_chains.ts`, the wake-up
 * strategies behind `_waker.ts`. `AsyncRing` (`../async/async_ring.ts`) is the op surface over it.
 *
 * Promise executors are one module-level function; the flush is one `queueMicrotask` per
 * event-loop turn.
 *
 * @module
 */
import { CancelFlag, SqeFlag } from "../sys/mod.ts";
import { CqeBatch } from "../ring/mod.ts";
import { Errno, UringError } from "../sys/mod.ts";
import type { Ring } from "../ring/mod.ts";
import type { Sqe } from "../ring/mod.ts";
import { _Backlog } from "./backlog.ts";
import { immediate } from "./_immediate.ts";
import type { _WakeHost, _Waker, WakeKind } from "./_waker.ts";
import { _ThreadWaker } from "./_wake_thread.ts";
import { _EventfdWaker } from "./_wake_eventfd.ts";
import { _PollWaker, loadNet, netLoaded } from "./_wake_socket.ts";
import { _BouncePool } from "./bounce.ts";
import {
  type AsyncOpOptions,
  type ChainEntry,
  type ChainOp,
  type ChainState,
  checkTimeout,
  F_ABORTED,
  F_SIGNAL,
  F_STAGED,
  K_IGNORE,
  K_MULTI,
  type MultishotSink,
} from "./ops.ts";
import { _nopOut, _Slots, _writeUd, INTERNAL_UD, SLOT_MASK } from "./_slots.ts";
import { _abortChain, _chainCqe, type _ChainHost, _endChains, _submitChain } from "./_chains.ts";
const { EINTR, EAGAIN, EBUSY, ECANCELED } = Errno;

const TWO32 = 4294967296;
/** Flushes plus CQEs (about 0.5-1 ms of work) after which the engine yields to the event loop. */
const YIELD_BUDGET = 2048;
/** `IORING_SETUP_DEFER_TASKRUN`. */
const DEFER_TASKRUN = 1 << 13;

/**
 * Which event-loop wake-up a ring moves to once it has proved long-lived, and after how many
 * idle wakes through the worker thread. Every ring starts on the thread: it needs nothing loaded,
 * and a program that reads a few files and exits never pays for `node:net` (~20 ms to load). An
 * idle wake through the thread costs ~13-20 µs more than through the event loop, so the move
 * pays for the load after about a thousand of them.
 * Tests and benches set these to pin a strategy.
 *
 * @internal
 */
export const _wakeSettings: { strategy: Exclude<WakeKind, "thread">; upgradeAfter: number } = {
  strategy: "eventfd",
  upgradeAfter: 1024,
};
/** `IORING_SETUP_TASKRUN_FLAG`: the kernel flags pending completion work in the SQ flags. */
const TASKRUN_FLAG = 1 << 9;

/**
 * Engines not closed yet. When the process exits, each with an op still in the kernel is closed
 * first: the op (a receive an unref'd server left waiting, the wake-up's eventfd read) could
 * otherwise complete into memory V8 frees while it shuts down. A quiet one is left to the kernel,
 * which frees its ring with the process (closing it would cost a script that read a few files
 * ~1 ms more at exit).
 */
const live = new Set<_Engine>();
let unloadHooked = false;

/**
 * Listens for the process's exit, once, when an engine first leaves an op in the kernel: until
 * then every engine is quiet, and a script whose ops all completed inline pays neither for the
 * listener nor for running it at exit.
 */
function hookUnload(): void {
  if (unloadHooked || typeof globalThis.addEventListener !== "function") return;
  unloadHooked = true;
  globalThis.addEventListener("unload", () => {
    for (const engine of [...live]) if (!engine._quiet()) engine.close();
  });
}

/**
 * The engine of one `AsyncRing`.
 *
 * @internal
 */
export class _Engine extends _Slots implements _WakeHost, _ChainHost {
  readonly ring: Ring;
  /** Memory the kernel uses in place of caller buffers that the caller could free. */
  readonly pool: _BouncePool = new _BouncePool();
  /** The rejected promise for the last `start()` that returned null. */
  early: Promise<never> = Promise.resolve() as unknown as Promise<never>;
  #closed = false;
  #closeDone = false;
  #closeError: Error | undefined;

  // ---- submission ----
  #flushQueued = false;
  #reaping = false;
  /** The last SQE handed out is in the backlog, not the SQ. */
  _lastStaged = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #flushFn = (): void => this.#flush();
  /** Flushes and CQEs left before the engine lets the event loop have a turn (see #flush). */
  #budget = YIELD_BUDGET;
  #yielding = false;
  #afterYield = (): void => {
    this.#yielding = false;
    this.#budget = YIELD_BUDGET;
    this.#flush();
  };
  #batch: CqeBatch;

  // ---- backlog: SQEs prepared into JS memory while the SQ is full, in order ----
  #backlog: _Backlog;
  #drainAborted = (first: Sqe): boolean => {
    const ud = first.userData, idx = ud & SLOT_MASK;
    return idx !== 0 && this._kind[idx] !== 0 && idx === ud && (this._fl[idx] & F_ABORTED) !== 0;
  };
  #drainDropped = (s: Sqe): void => {
    const ud = s.userData;
    if (this._isLive(ud)) this._settle(ud, -ECANCELED, 0);
  };
  #drainMoved = (s: Sqe): void => {
    const ud = s.userData;
    if (this._isLive(ud)) this._fl[ud & SLOT_MASK] &= ~F_STAGED;
  };

  /** fds (`-slot - 1` for direct ones) of `closeLate` calls not submitted yet. */
  #lateCloses: number[] = [];

  // ---- wake-up ----
  /** How completions wake JS while the event loop is idle (`_waker.ts`). */
  #waker: _Waker;
  /** The event-loop wake-up to move to once the ring is long-lived; null: stay. */
  #upgrade: Exclude<WakeKind, "thread"> | null = null;
  /** Idle wakes through the thread before the move (`_wakeSettings`, when the ring was made). */
  #upgradeAfter = 0;
  /** A `deferTaskrun` ring: completion work runs in this thread's enters. */
  #deferred: boolean;
  /** The deferTaskrun ring has `TASKRUN_FLAG`: `Ring.submit()` runs pending work when flagged. */
  #flagged = false;
  #idle: PromiseWithResolvers<void> | undefined;
  /** What the wake-up was last told about keeping the process alive (`#hold`). */
  #held = true;
  /** Waiting for `node:net`, to move off the worker thread (`#awaitNet`). */
  #netWait = false;

  constructor(ring: Ring, wakeup: "socket" | "thread" = "socket") {
    super();
    this.ring = ring;
    live.add(this);
    this.#backlog = new _Backlog((ring.setupFlags & (1 << 10)) !== 0);
    this.#batch = new CqeBatch(Math.min(ring.cqEntries, 1024));
    this._grow();
    // deferTaskrun (opt-in): completion work runs in this thread's enters and the waiter sleeps
    // on the notifier's eventfd doorbell (`notifier.ts`); what it was measured to save and cost,
    // and why it is not the default, is in bench/README.md.
    this.#deferred = (ring.setupFlags & DEFER_TASKRUN) !== 0;
    this.#flagged = this.#deferred && (ring.setupFlags & TASKRUN_FLAG) !== 0;
    this.#waker = new _ThreadWaker(this);
    if (!this.#deferred && wakeup === "socket") {
      this.#upgrade = _wakeSettings.strategy;
      this.#upgradeAfter = _wakeSettings.upgradeAfter;
    }
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Ops started and not settled (including multishot ops armed in the kernel). */
  get inflight(): number {
    return this._inflight - this._ignored;
  }

  /** True while the completion waiter sleeps on a worker thread. */
  get waiting(): boolean {
    return this.#waker.sleeping;
  }

  /** The wake-up strategy in use now. */
  get wakeKind(): WakeKind {
    return this.#waker.kind;
  }

  // ---- op life cycle -------------------------------------------------------------------

  /**
   * Returns the SQE for a new op, or null with `early` set to its rejection (ring closed, signal
   * already aborted, bad timeoutMs). With `timeoutMs`, room for the link timeout is ensured too.
   */
  start(options: AsyncOpOptions | undefined): Sqe | null {
    if (this.#closed) {
      this.early = Promise.reject(this.#closedError());
      return null;
    }
    if (options === undefined) return this._sqe();
    return this.#startWith(options, 1);
  }

  #startWith(options: AsyncOpOptions, n: number): Sqe | null {
    if (typeof options !== "object" || options === null) {
      this.early = Promise.reject(new TypeError("options must be an object"));
      return null;
    }
    const signal = options.signal;
    if (signal !== undefined) {
      if (!(signal instanceof AbortSignal)) {
        this.early = Promise.reject(new TypeError("options.signal must be an AbortSignal"));
        return null;
      }
      if (signal.aborted) {
        this.early = Promise.reject(signal.reason);
        return null;
      }
    }
    if (options.timeoutMs !== undefined) {
      try {
        checkTimeout(options.timeoutMs);
      } catch (e) {
        this.early = Promise.reject(e);
        return null;
      }
      n++;
    }
    if (n === 1) return this._sqe();
    if (n > this.ring.sqEntries) {
      this.early = Promise.reject(
        new RangeError(`${n} linked SQEs do not fit a ring of ${this.ring.sqEntries} entries`),
      );
      return null;
    }
    return this._room(n) ? this._fromRing() : this._stage();
  }

  /**
   * Registers the op whose SQE `sqe` was just prepared and returns its promise.
   *
   * @param kind one of the `K_*` kinds
   * @param name the op's name, for `UringError`
   * @param aux kind-specific data kept until the op settles
   * @param flags extra `F_*` bits
   */
  finish<T>(
    sqe: Sqe,
    kind: number,
    name: string,
    options: AsyncOpOptions | undefined,
    aux?: unknown,
    flags: number = 0,
  ): Promise<T> {
    const idx = this._alloc();
    const ud = idx;
    _writeUd(sqe, ud);
    this._kind[idx] = kind;
    this._names[idx] = name;
    if (aux !== undefined) this._aux[idx] = aux;
    const p = this._promise<T>(idx);
    flags |= this._opFd(idx, sqe.fd);
    if (this._lastStaged) flags |= F_STAGED;
    if (options !== undefined) flags = this.#withOptions(sqe, idx, options, flags);
    this._fl[idx] = flags;
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushFn);
    }
    return p;
  }

  /** The `timeoutMs` and `signal` part of `finish()`, out of line; returns the op's flags. */
  #withOptions(sqe: Sqe, idx: number, options: AsyncOpOptions, flags: number): number {
    const ms = options.timeoutMs;
    if (ms !== undefined) {
      sqe.flags |= SqeFlag.IO_LINK;
      const staged = this._lastStaged;
      const lt = staged ? this._stage(true) : this._fromRing();
      lt.prepLinkTimeout(ms);
      // its own slot: the timespec it holds is released with its CQE, not shared with others
      const ltIdx = this._alloc();
      this._kind[ltIdx] = K_IGNORE;
      this._fl[ltIdx] = staged ? F_STAGED : 0;
      this._ignored++;
      _writeUd(lt, ltIdx);
    }
    const signal = options.signal;
    if (signal !== undefined) {
      this._listen(idx, signal);
      flags |= F_SIGNAL;
    }
    return flags;
  }

  /** Undoes `start()` after a prep threw: the SQE becomes a NOP; returns the rejection. */
  abandon(sqe: Sqe, e: unknown): Promise<never> {
    _nopOut(sqe, INTERNAL_UD);
    this._schedule();
    return Promise.reject(e);
  }

  /**
   * Submits `ops` as one `IOSQE_IO_LINK` chain (`IO_HARDLINK` with `hard`), the first with
   * `IO_DRAIN` when `drain`; resolves to one entry per op.
   */
  link(
    ops: ChainOp[],
    options: AsyncOpOptions | undefined,
    hard: boolean,
    drain: boolean,
  ): Promise<(number | UringError)[]> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return _submitChain(this, ops, options, hard, drain);
  }

  /** Arms multishot op `sink` (prepared by `sink._prep`); returns its user data. */
  multishot(sink: MultishotSink): number {
    if (this.#closed) throw this.#closedError();
    const s = this._sqe();
    try {
      sink._prep(s);
    } catch (e) {
      _nopOut(s, INTERNAL_UD);
      throw e;
    }
    const idx = this._alloc();
    const ud = idx;
    _writeUd(s, ud);
    this._kind[idx] = K_MULTI;
    this._names[idx] = "multishot";
    this._aux[idx] = sink;
    this._fl[idx] = (this._lastStaged ? F_STAGED : 0) | this._opFd(idx, s.fd);
    this._schedule();
    return ud;
  }

  /** Aborts the live op with user data `ud`: skipped if still in the backlog, else cancelled. */
  abortUd(ud: number, again: boolean = false): void {
    const idx = ud & SLOT_MASK;
    if (this.#closed || idx === 0 || this._kind[idx] === 0 || idx !== ud) return;
    const f = this._fl[idx];
    if ((f & F_ABORTED) !== 0 && !again) return;
    this._fl[idx] = f | F_ABORTED;
    if (f & F_STAGED) return; // dropped by #drain() before it reaches the kernel
    const gen = this._gen[idx];
    const s = this._sqe(); // a full SQ is flushed here, and the op may complete meanwhile
    if (this._kind[idx] === 0 || this._gen[idx] !== gen) {
      _nopOut(s, INTERNAL_UD); // gone, maybe reused already: cancel nothing
    } else {
      s.prepCancel(ud, 0);
      _writeUd(s, INTERNAL_UD);
    }
    this._schedule();
  }

  /** Aborts the ops of `chain` still in flight, again every 10 ms until it is done (`_chains.ts`). */
  abortChain(chain: ChainState, again: boolean = false): void {
    _abortChain(this, chain, again);
  }

  /** One CQE of a chain's op (`_chains.ts`). */
  _chainCqe(entry: ChainEntry, res: number, name: string): void {
    _chainCqe(this, entry, res, name);
  }

  /** A failed wake-up chain posted a CQE: it is gone. */
  _wakeCqe(): void {
    this.#waker.cqe();
  }

  /** Takes the last `n` staged SQEs out of their link group (after a failed prep). */
  _unlinkLast(n: number): void {
    this.#backlog.unlinkLast(n);
  }

  /** Closes an fd (or a direct slot) that nobody will see, without a promise. */
  closeLate(fd: number, direct: boolean): void {
    if (this.ring.closed) return;
    this.#lateCloses.push(direct ? -fd - 1 : fd);
    this.#prepClose(fd, direct);
    this._schedule();
  }

  #prepClose(fd: number, direct: boolean): void {
    const s = this._sqe();
    if (direct) s.prepCloseDirect(fd);
    else s.prepClose(fd);
    _writeUd(s, INTERNAL_UD);
  }

  /** Ensures a flush is queued for this event-loop turn. */
  _schedule(): void {
    if (!this.#flushQueued && !this.#closed) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushFn);
    }
  }

  // ---- SQEs: the ring first, then the backlog --------------------------------------------

  /** One SQE: from the SQ, after a synchronous flush when it is full, else from the backlog. */
  _sqe(): Sqe {
    if (this.#backlog.empty) {
      const s = this.ring.getSqe();
      if (s !== null) {
        this._lastStaged = false;
        return s;
      }
      if (!this.#reaping) {
        this.#pump();
        if (this.#backlog.empty) {
          const s2 = this.ring.getSqe();
          if (s2 !== null) {
            this._lastStaged = false;
            return s2;
          }
        }
      }
    }
    return this._stage();
  }

  /** True when `n` consecutive SQEs fit the SQ now (after a synchronous flush if needed). */
  _room(n: number): boolean {
    if (!this.#backlog.empty) return false;
    if (this.ring.sqSpaceLeft() >= n) return true;
    if (this.#reaping) return false;
    this.#pump();
    return this.#backlog.empty && this.ring.sqSpaceLeft() >= n;
  }

  _fromRing(): Sqe {
    this._lastStaged = false;
    return this.ring.getSqe()!;
  }

  /** A zeroed SQE in JS memory, appended to the backlog (`linked`: see `_Backlog.stage`). */
  _stage(linked: boolean = false): Sqe {
    this._lastStaged = true;
    return this.#backlog.stage(linked);
  }

  /** Moves backlog groups into the SQ while they fit; drops groups of aborted ops. */
  #drain(): void {
    this.#backlog.drainInto(this.ring, this.#drainAborted, this.#drainDropped, this.#drainMoved);
  }

  // ---- flush, reap, wait -----------------------------------------------------------------

  #flush(): void {
    if (this.#budget <= 0) {
      // Ops that complete inside the submit call settle in microtasks, so a loop of them
      // (`while (!stop) await io.nop()`) would never let timers or I/O callbacks run. After
      // YIELD_BUDGET flushes and CQEs without a turn of the event loop, the next flush waits
      // for one (setImmediate, looked up at the first yield: `_immediate.ts`). Measured
      // cost on `await io.nop()` round trips: within noise (one yield per ~1 ms of work).
      if (!this.#yielding) {
        this.#yielding = true;
        immediate(this.#afterYield);
      }
      return; // #flushQueued stays set: finish() queues nothing until the flush has run
    }
    this.#budget--;
    this.#flushQueued = false;
    if (this.#closed) return;
    this.#pump();
    this.#afterPump();
  }

  /** Backlog into the SQ, submit, reap: until nothing is left to submit (a few rounds). */
  #pump(): void {
    this.#waker.busy();
    for (let round = 0; round < 8; round++) {
      if (!this.#backlog.empty) this.#drain();
      if (!this.#submit()) return;
      this.#reap();
      if (this.#closed) return;
      if (this.#backlog.empty && this.ring.sqReady() === 0) return;
    }
  }

  /** Submits; false when the kernel refused for now (retried by a timer). */
  _submit(): boolean {
    return this.#submit();
  }

  #submit(): boolean {
    try {
      if (!this.#deferred) this.ring.submit();
      else this.#submitDeferred();
      if (this.#lateCloses.length !== 0) this.#lateCloses.length = 0;
      return true;
    } catch (e) {
      const errno = e instanceof UringError ? e.errno : 0;
      if (errno === EAGAIN || errno === EBUSY || errno === EINTR) {
        this.#reap();
        this.#retryLater();
        return false;
      }
      this.#fail(e);
      return false;
    }
  }

  /**
   * `#submit` on a `deferTaskrun` ring: the enter also runs the completion work queued for this
   * thread (`GETEVENTS`), so ops that finished meanwhile are reaped by this flush. With
   * `TASKRUN_FLAG` (AsyncRing sets it), `Ring.submit()` does that only when the kernel flags
   * work, and makes no syscall for an empty SQ and no work; without it, every flush enters.
   */
  #submitDeferred(): void {
    if (this.#flagged) this.ring.submit();
    else if (this.ring.sqReady() !== 0) this.ring.submitAndWait(0);
    else this.ring.getEvents();
  }

  #reap(): void {
    if (this.#reaping) return;
    this.#reaping = true;
    const b = this.#batch;
    // On a deferTaskrun ring, copyCqes() of an empty CQ enters the kernel to run deferred work;
    // #submitDeferred just did that, so an empty CQ is left alone.
    const deferred = this.#deferred;
    try {
      let n: number;
      do {
        if (deferred && this.ring.cqReady() === 0) break;
        n = this.ring.copyCqes(b, 0);
        this.#budget -= n;
        const u = b._u32, r = b._i32;
        for (let j = 0; j < n * 4; j += 4) {
          this._settle(u[j + 1] * TWO32 + u[j], r[j + 2], u[j + 3]);
        }
      } while (n === b.capacity && !this.#closed);
    } finally {
      this.#reaping = false;
    }
  }

  #retryLater(): void {
    if (this.#retry === undefined && !this.#closed) {
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        this.#flush();
      }, 1);
    }
  }

  /**
   * Decides about the wake-up after a pump: ops in flight → make sure one is armed; none → let
   * the process exit (a sleeping worker-thread waiter is made to return).
   */
  #afterPump(): void {
    if (this.#closed) return;
    if (!this.#backlog.empty || this.ring.sqReady() !== 0) this.#retryLater();
    if (this._inflight > 0) {
      const keep = this._unrefd === 0 || this._keepsAlive();
      if (keep !== this.#held) this.#hold(keep);
      if (!this.#waker.armed) this.#arm();
    } else this.#waker.rest();
  }

  /**
   * Whether the wake-up keeps the process alive. The worker-thread waiter always does (a
   * pending FFI call holds Deno's event loop), so a ring that may move to the event-loop
   * wake-up moves now, whatever its idle wakes: the sleeping waiter is woken, and the next arm
   * makes the move. Rings that stay on the thread (`wakeup: "thread"`, `deferTaskrun`) keep
   * the process alive while anything is in flight.
   */
  #hold(keep: boolean): void {
    this.#held = keep;
    const w = this.#waker;
    w.hold(keep);
    if (keep || w.kind !== "thread" || this.#upgrade === null) return;
    if (loadNet() === undefined) this.#awaitNet();
    else if (w.sleeping) w.rest(); // returns; #arm then moves
  }

  /** Once `node:net` is in, makes a waiter that must let the process go return. */
  #awaitNet(): void {
    if (this.#netWait) return;
    this.#netWait = true;
    netLoaded().then(() => {
      this.#netWait = false;
      const w = this.#waker;
      if (!this.#closed && !this.#held && w.kind === "thread" && w.sleeping) w.rest();
    });
  }

  /** Whether the ops on `fd` keep the process alive (`AsyncRing.refFd()`/`unrefFd()`). */
  refFd(fd: number, keep: boolean): void {
    if (this.#closed) return;
    if (this._refFd(fd, keep)) this._schedule(); // the flush decides about the wake-up
  }

  /** Posts an internal NOP on the ring (its CQE makes a sleeping `GETEVENTS` return). */
  _postNop(): void {
    const s = this.ring.getSqe() ?? (this.#submit(), this.ring.getSqe());
    if (s === null) return;
    s.prepNop();
    _writeUd(s, INTERNAL_UD);
    this.#submit();
  }

  #arm(): void {
    hookUnload();
    let w = this.#waker;
    if (this.#upgrade !== null && !w.sleeping) w = this.#tryUpgrade(w as _ThreadWaker, !this.#held);
    try {
      if (!w.arm()) this._schedule(); // CQEs came meanwhile: flush instead of sleeping
      return;
    } catch (e) {
      if (w.kind === "thread") {
        this.#fail(e);
        return;
      }
    }
    // The event-loop wake-up broke (its socket failed, no room): back to the worker thread.
    w.close();
    this.#upgrade = null;
    this.#waker = new _ThreadWaker(this);
    this.#arm();
  }

  /**
   * Moves to the event-loop wake-up once the ring has woken often enough (or at once with
   * `now`: the thread would keep the process alive) and `node:net` is in.
   */
  #tryUpgrade(w: _ThreadWaker, now: boolean): _Waker {
    if (!now && w.wakes < this.#upgradeAfter) return w;
    const net = loadNet(); // starts loading it; undefined until it is in
    if (net === undefined) {
      if (now) this.#awaitNet();
      return w;
    }
    const next = this.#upgrade === "eventfd"
      ? _EventfdWaker.create(this) ?? _PollWaker.create(this)
      : _PollWaker.create(this);
    this.#upgrade = null;
    if (next === null) return w; // out of fds, say: the thread it stays
    w.close();
    next.hold(this.#held);
    this.#waker = next;
    return next;
  }

  /** A wake-up came: flush (or finish a close that waited for the worker thread). */
  _woken(): void {
    if (this.#closed) {
      this.#finishClose();
      return;
    }
    this.#budget = YIELD_BUDGET; // the event loop ran: this callback is a task of its own
    this.#pump();
    this.#afterPump();
  }

  _wakeFailed(e: unknown): void {
    if (this.#closed) this.#finishClose();
    else this.#fail(e);
  }

  // ---- close ---------------------------------------------------------------------------

  #closedError(): Error {
    return this.#closeError ?? new Error("AsyncRing is closed");
  }

  /** A fatal ring error: every pending op rejects with it, then the ring closes. */
  #fail(e: unknown): void {
    this.#closeError = e instanceof Error ? e : new Error(String(e));
    this.close();
  }

  /**
   * Rejects every pending op, drops the backlog, cancels what is in the kernel and closes the
   * ring, at once or (when the waiter sleeps) as soon as the waiter is back.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
    const err = this.#closedError();
    const { sinks, chains } = this._dropAll(err);
    _endChains(chains, err);
    for (const s of sinks) {
      try {
        s._close(err);
      } catch { /* the iterator ends anyway */ }
    }
    this.#backlog.clear();
    if (this.ring.closed) {
      this.#finishClose();
      return;
    }
    // SQEs of this turn are not submitted: their ops were rejected above, and an open or a pipe
    // run now would make an fd nobody closes. Then cancel everything in the kernel and leave a
    // CQE unreaped, so that a waiter that has not entered io_uring_enter yet returns at once
    // instead of sleeping on a closed ring.
    try {
      if (this.ring.discardSqes() !== 0) {
        for (const fd of this.#lateCloses.splice(0)) {
          if (fd < 0) this.#prepClose(-fd - 1, true);
          else this.#prepClose(fd, false);
        }
      }
      let s = this.ring.getSqe();
      if (s === null) {
        this.ring.submit();
        s = this.ring.getSqe();
      }
      if (s !== null) {
        s.prepCancel(0, CancelFlag.ANY | CancelFlag.ALL);
        _writeUd(s, 0);
      }
      const nop = this.#deferred ? null : this.ring.getSqe();
      if (nop !== null) {
        nop.prepNop();
        _writeUd(nop, 0);
      }
      this.ring.submit();
    } catch { /* Ring.close() cancels and reaps on its own */ }
    if (this.#waker.sleeping) {
      try {
        this.#waker.interrupt();
      } catch { /* the waiter then returns when its ring closes */ }
    } else this.#finishClose();
  }

  #finishClose(): void {
    if (this.#closeDone) return;
    this.#closeDone = true;
    live.delete(this);
    try {
      this.#waker.close(); // first: a poll of the wake-up's own ring holds this ring's file
    } catch { /* closed with the process at worst */ }
    try {
      this.ring.close();
    } catch { /* already closed */ }
    this.#idle?.resolve();
    this.#idle = undefined;
  }

  /**
   * Nothing of this engine is in the kernel: no op in flight, and the wake-up is the worker
   * thread, which keeps no op in the ring and is not asleep in it.
   */
  _quiet(): boolean {
    return this._inflight === 0 && this.#waker.kind === "thread" && !this.#waker.sleeping;
  }

  /** Resolves once the waiter is back and the ring is closed (after `close()`). */
  idle(): Promise<void> {
    if (!this.#waker.sleeping && this.ring.closed) return Promise.resolve();
    if (!this.#waker.sleeping) {
      this.#finishClose();
      return Promise.resolve();
    }
    this.#idle ??= Promise.withResolvers<void>();
    return this.#idle.promise;
  }
}
