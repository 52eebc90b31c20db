/**
 * The machinery under `AsyncRing`: user-data slots, the per-turn flush, the completion waiter,
 * the SQ backlog, cancellation and close. `AsyncRing` (async_ring.ts) is the op surface over it.
 *
 * Hot-path choices (measured, see async_ring.ts): ops live in a slab of parallel arrays, and an
 * op's user data is its slot index, taken from a free list (so never one in use): a completion is
 * an array lookup (no Map, no per-op object besides the promise). Slot numbers stay small, which
 * also keeps the `Ring`'s held-buffer bookkeeping on its array path (user data below 2**16)
 * instead of a `Map`: adding a generation count in the upper bits cost 25% of NOP throughput.
 * A generation is not needed for safety: a cancel by user data is only sent for a live op, and
 * the SQ (and the backlog behind it) is FIFO, so any later op that reuses the slot is issued
 * after the cancel has run. Promise executors are one module-level function; the flush is one
 * `queueMicrotask` per event-loop turn.
 *
 * @module
 */
import { CancelFlag, CqeFlag, SqeFlag } from "../sys/mod.ts";
import { CqeBatch } from "../ring/mod.ts";
import { Errno, UringError } from "../sys/mod.ts";
import type { Ring } from "../ring/mod.ts";
import type { Sqe } from "../ring/mod.ts";
import { SqeWord } from "../ring/mod.ts";
import { _Backlog } from "./backlog.ts";
import { immediate } from "./_immediate.ts";
import type { _WakeHost, _Waker, WakeKind } from "./_waker.ts";
import { _ThreadWaker } from "./_wake_thread.ts";
import { _EventfdWaker } from "./_wake_eventfd.ts";
import { _PollWaker, loadNet } from "./_wake_socket.ts";
import { _BouncePool, type Bounce } from "./bounce.ts";
import {
  type AsyncOpOptions,
  type ChainOp,
  type ChainState,
  type Decoder,
  F_ABORTED,
  F_DIRECT,
  F_SIGNAL,
  F_STAGED,
  K_BOUNCE,
  K_CTIMER,
  K_DEC,
  K_FD,
  K_IGNORE,
  K_LINK,
  K_MULTI,
  K_NUM,
  K_PIPE,
  K_RAW,
  K_VOID,
  type MultishotSink,
} from "./ops.ts";
const { EINTR, EAGAIN, EBUSY, ETIME, ECANCELED } = Errno;

/** At most this many slots (ops in flight); user data 0 marks internal SQEs. */
const SLOTS = 1048576; // 2**20
const SLOT_MASK = SLOTS - 1;
/** User data of internal SQEs (cancels, late closes, wake-up NOPs): their CQEs are ignored. */
const INTERNAL_UD = 0;
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

interface ChainEntry {
  state: ChainState;
  i: number;
  timer: boolean;
  /** The op went through pool memory (`_bounce.ts`). */
  bounce: Bounce | undefined;
}

type Settle = (v: unknown) => void;
const noop: Settle = () => {};
let capturedResolve: Settle = noop;
let capturedReject: Settle = noop;
function captureAny(resolve: Settle, reject: Settle): void {
  capturedResolve = resolve;
  capturedReject = reject;
}
/** The one promise executor: stores the settle functions where `finish()` picks them up. */
const capture = captureAny as <T>(
  resolve: (v: T | PromiseLike<T>) => void,
  reject: (e: unknown) => void,
) => void;

/** An abort listener for one op, or for every op of one chain still in flight. */
class AbortHook {
  engine: _Engine;
  ud: number;
  chain: ChainState | null;
  constructor(engine: _Engine, ud: number, chain: ChainState | null) {
    this.engine = engine;
    this.ud = ud;
    this.chain = chain;
  }
  handleEvent(): void {
    if (this.chain === null) this.engine.abortUd(this.ud);
    else this.engine.abortChain(this.chain);
  }
}

/** Writes user data `ud` (a slot index, < 2**20) into a zeroed SQE. */
function writeUd(s: Sqe, ud: number): void {
  s._u32[s._w + SqeWord.USER_DATA] = ud;
}

/** Turns a (possibly half-written) SQE into a NOP with internal user data `ud`. */
function nopOut(s: Sqe, ud: number): void {
  const m = s._m;
  m.u32.fill(0, s._w, s._w + m.stride);
  writeUd(s, ud);
}

/** Validates `timeoutMs`. */
function checkTimeout(ms: unknown): number {
  if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
    throw new RangeError(`timeoutMs must be a finite number >= 0, got ${ms}`);
  }
  return ms;
}

/**
 * The engine of one `AsyncRing`.
 *
 * @internal
 */
export class _Engine implements _WakeHost {
  readonly ring: Ring;
  /** Memory the kernel uses in place of caller buffers that the caller could free. */
  readonly pool: _BouncePool = new _BouncePool();
  /** The rejected promise for the last `start()` that returned null. */
  early: Promise<never> = Promise.resolve() as unknown as Promise<never>;
  #closed = false;
  #closeDone = false;
  #closeError: Error | undefined;

  // ---- slab ----
  #cap = 0;
  #kind = new Uint8Array(0);
  #fl = new Uint8Array(0);
  /** Uses of each slot, for checks that must not mistake a new op for an old one (JS only). */
  #gen = new Uint32Array(0);
  #resolves: Settle[] = [];
  #rejects: Settle[] = [];
  #names: string[] = [];
  #aux: unknown[] = [];
  #hooks: (AbortHook | undefined)[] = [];
  #signals: (AbortSignal | undefined)[] = [];
  #free = new Int32Array(0);
  #freeTop = 0;
  #inflight = 0;
  #ignored = 0;

  // ---- submission ----
  #flushQueued = false;
  #reaping = false;
  #lastStaged = false;
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
    return idx !== 0 && this.#kind[idx] !== 0 && idx === ud && (this.#fl[idx] & F_ABORTED) !== 0;
  };
  #drainDropped = (s: Sqe): void => {
    const ud = s.userData;
    if (this.#isLive(ud)) this.#cqe(ud, -ECANCELED, 0);
  };
  #drainMoved = (s: Sqe): void => {
    const ud = s.userData;
    if (this.#isLive(ud)) this.#fl[ud & SLOT_MASK] &= ~F_STAGED;
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

  constructor(ring: Ring, wakeup: "socket" | "thread" = "socket") {
    this.ring = ring;
    this.#backlog = new _Backlog((ring.setupFlags & (1 << 10)) !== 0);
    this.#batch = new CqeBatch(Math.min(ring.cqEntries, 1024));
    this.#grow();
    // deferTaskrun (opt-in, `{ singleIssuer: true, deferTaskrun: true }`): completion work runs
    // in this thread's enters and the waiter sleeps on the notifier's eventfd doorbell. Measured
    // against the default ring on the shared 2-core VM (bench/defer_taskrun.ts, `deno task bench:defer`: 64 B
    // loopback echo, C closed-loop client in its own process, server CPU from /proc, medians of
    // 5-7 interleaved 1 s rounds; 9 runs, which vary a lot with the machine's load):
    // 1 connection 0.9-1.9x round trips/s (most runs 1.0-1.3x), 8 connections 1.0-1.5x (CPU per
    // round trip 0.64-1.1x, mostly ~0.75x), 64 connections 0.8-1.05x (mostly 0.96-1.0x, CPU
    // ~1.0x); `await io.nop()` 0.97-1.01x, 4 KiB random reads 0.98-1.02x. So no clear win, and not
    // the default: the kernel work it saves (task-work interrupts of this thread; ~1.5x in a
    // blocking `Ring` loop) is small next to the TCP stack (perf: ~78% of the server's time is in
    // the kernel in both modes) and the waiter's thread hop (40-75 µs per sleep), which it keeps.
    // What it adds: per sleep, one notifier enter (drain the eventfd, arm its read); per wake,
    // one GETEVENTS enter. Without TASKRUN_FLAG it entered on every flush too: 5.5 syscalls per
    // 1-connection round trip against 2.0 on the default ring; 3.0 with it. Tried and left out:
    // (1) submitting the doorbell read from the waiter's own enter (a raw notifier ring), so its
    // completion wakes only the worker thread, not this one: no measurable difference; (2) polling
    // the TASKRUN flag (free, no syscall) for 50-150 µs before sleeping: 1.5-2.8x at 1 connection
    // with ~0.55x CPU per round trip, but 0.76-0.95x at 64, and it holds the event loop meanwhile.
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
    return this.#inflight - this.#ignored;
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
    if (options === undefined) return this.#sqe();
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
    if (n === 1) return this.#sqe();
    if (n > this.ring.sqEntries) {
      this.early = Promise.reject(
        new RangeError(`${n} linked SQEs do not fit a ring of ${this.ring.sqEntries} entries`),
      );
      return null;
    }
    return this.#room(n) ? this.#fromRing() : this.#stage();
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
    const idx = this.#alloc();
    const ud = idx;
    writeUd(sqe, ud);
    this.#kind[idx] = kind;
    this.#names[idx] = name;
    if (aux !== undefined) this.#aux[idx] = aux;
    const p = new Promise<T>(capture);
    this.#resolves[idx] = capturedResolve;
    this.#rejects[idx] = capturedReject;
    if (this.#lastStaged) flags |= F_STAGED;
    if (options !== undefined) flags = this.#withOptions(sqe, idx, options, flags);
    this.#fl[idx] = flags;
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
      const staged = this.#lastStaged;
      const lt = staged ? this.#stage(true) : this.#fromRing();
      lt.prepLinkTimeout(ms);
      // its own slot: the timespec it holds is released with its CQE, not shared with others
      const ltIdx = this.#alloc();
      this.#kind[ltIdx] = K_IGNORE;
      this.#fl[ltIdx] = staged ? F_STAGED : 0;
      this.#ignored++;
      writeUd(lt, ltIdx);
    }
    const signal = options.signal;
    if (signal !== undefined) {
      const hook = new AbortHook(this, idx, null);
      signal.addEventListener("abort", hook);
      this.#hooks[idx] = hook;
      this.#signals[idx] = signal;
      flags |= F_SIGNAL;
    }
    return flags;
  }

  /** Undoes `start()` after a prep threw: the SQE becomes a NOP; returns the rejection. */
  abandon(sqe: Sqe, e: unknown): Promise<never> {
    nopOut(sqe, this.#internalUd());
    this.#schedule();
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
    const n = ops.length;
    if (n === 0) return Promise.resolve([]);
    if (n > this.ring.sqEntries) {
      return Promise.reject(
        new RangeError(`a chain of ${n} ops does not fit a ring of ${this.ring.sqEntries} entries`),
      );
    }
    let signal: AbortSignal | undefined;
    let timeoutMs: number | undefined;
    if (options !== undefined) {
      if (typeof options !== "object" || options === null) {
        return Promise.reject(new TypeError("options must be an object"));
      }
      signal = options.signal;
      if (signal !== undefined && !(signal instanceof AbortSignal)) {
        return Promise.reject(new TypeError("options.signal must be an AbortSignal"));
      }
      if (signal?.aborted) return Promise.reject(signal.reason);
      try {
        if (options.timeoutMs !== undefined) timeoutMs = checkTimeout(options.timeoutMs);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const direct = this.#room(n);
    const sqes: Sqe[] = [];
    const bounces: (Bounce | undefined)[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const s = direct ? this.#fromRing() : this.#stage(i > 0);
        sqes.push(s);
        bounces.push(ops[i].prep(s, this.pool) ?? undefined);
        if (i < n - 1) s.flags |= hard ? SqeFlag.IO_HARDLINK : SqeFlag.IO_LINK;
      }
    } catch (e) {
      for (const s of sqes) nopOut(s, this.#internalUd());
      if (!direct) this.#backlog.unlinkLast(sqes.length);
      this.#schedule();
      return Promise.reject(e);
    }
    if (drain) sqes[0].flags |= SqeFlag.IO_DRAIN;
    const p = new Promise<(number | UringError)[]>(capture);
    const state: ChainState = {
      results: new Array(n).fill(0),
      remaining: n,
      uds: [],
      resolve: capturedResolve,
      reject: capturedReject,
      signal,
      timerUd: -1,
      done: false,
    };
    for (let i = 0; i < n; i++) {
      const idx = this.#alloc();
      const ud = idx;
      writeUd(sqes[i], ud);
      state.uds.push(ud);
      this.#kind[idx] = K_LINK;
      this.#names[idx] = ops[i].name;
      this.#aux[idx] = {
        state,
        i,
        timer: ops[i].timer === true,
        bounce: bounces[i],
      } satisfies ChainEntry;
      this.#fl[idx] = direct ? 0 : F_STAGED;
    }
    if (signal !== undefined) {
      state.hook = new AbortHook(this, state.uds[0], state);
      signal.addEventListener("abort", state.hook);
    }
    if (timeoutMs !== undefined) {
      const s = this.#sqe(); // may flush, and the chain may be done already
      if (state.done) {
        nopOut(s, INTERNAL_UD);
        this.#schedule();
        return p;
      }
      s.prepTimeout(timeoutMs);
      const idx = this.#alloc();
      writeUd(s, idx);
      state.timerUd = idx;
      this.#kind[idx] = K_CTIMER;
      this.#names[idx] = "timeout";
      this.#aux[idx] = state;
      this.#fl[idx] = this.#lastStaged ? F_STAGED : 0;
    }
    this.#schedule();
    return p;
  }

  /** Arms multishot op `sink` (prepared by `sink._prep`); returns its user data. */
  multishot(sink: MultishotSink): number {
    if (this.#closed) throw this.#closedError();
    const s = this.#sqe();
    try {
      sink._prep(s);
    } catch (e) {
      nopOut(s, this.#internalUd());
      throw e;
    }
    const idx = this.#alloc();
    const ud = idx;
    writeUd(s, ud);
    this.#kind[idx] = K_MULTI;
    this.#names[idx] = "multishot";
    this.#aux[idx] = sink;
    this.#fl[idx] = this.#lastStaged ? F_STAGED : 0;
    this.#schedule();
    return ud;
  }

  /** Aborts the live op with user data `ud`: skipped if still in the backlog, else cancelled. */
  abortUd(ud: number, again: boolean = false): void {
    const idx = ud & SLOT_MASK;
    if (this.#closed || idx === 0 || this.#kind[idx] === 0 || idx !== ud) return;
    const f = this.#fl[idx];
    if ((f & F_ABORTED) !== 0 && !again) return;
    this.#fl[idx] = f | F_ABORTED;
    if (f & F_STAGED) return; // dropped by #drain() before it reaches the kernel
    const gen = this.#gen[idx];
    const s = this.#sqe(); // a full SQ is flushed here, and the op may complete meanwhile
    if (this.#kind[idx] === 0 || this.#gen[idx] !== gen) {
      nopOut(s, INTERNAL_UD); // gone, maybe reused already: cancel nothing
    } else {
      s.prepCancel(ud, 0);
      writeUd(s, INTERNAL_UD);
    }
    this.#schedule();
  }

  /**
   * Aborts the ops of `chain` still in flight (their slots may since serve other ops). The
   * kernel cancels only ops that have started: a linked op still waiting for the one before it
   * is not found (`ENOENT`), and in a hard-linked chain it starts once that one is cancelled, so
   * a read of an idle pipe there would wait forever. So the cancels are sent again every 10 ms
   * until the chain is done.
   */
  abortChain(chain: ChainState, again: boolean = false): void {
    for (const ud of chain.uds) {
      if (this.#kind[ud] === K_LINK && (this.#aux[ud] as ChainEntry).state === chain) {
        this.abortUd(ud, again);
      }
    }
    if (!chain.done && chain.recancel === undefined && !this.#closed) {
      chain.recancel = setTimeout(() => {
        chain.recancel = undefined;
        if (!chain.done && !this.#closed) this.abortChain(chain, true);
      }, 10);
    }
  }

  /** Closes an fd (or a direct slot) that nobody will see, without a promise. */
  closeLate(fd: number, direct: boolean): void {
    if (this.ring.closed) return;
    this.#lateCloses.push(direct ? -fd - 1 : fd);
    this.#prepClose(fd, direct);
    this.#schedule();
  }

  #prepClose(fd: number, direct: boolean): void {
    const s = this.#sqe();
    if (direct) s.prepCloseDirect(fd);
    else s.prepClose(fd);
    writeUd(s, this.#internalUd());
  }

  /** Ensures a flush is queued for this event-loop turn. */
  #schedule(): void {
    if (!this.#flushQueued && !this.#closed) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushFn);
    }
  }

  // ---- slab ----------------------------------------------------------------------------

  #grow(): void {
    const old = this.#cap;
    const cap = old === 0 ? 1024 : old * 2;
    if (cap > SLOTS) {
      throw new RangeError(`more than ${SLOTS - 1} AsyncRing ops in flight`);
    }
    const kind = new Uint8Array(cap);
    kind.set(this.#kind);
    const fl = new Uint8Array(cap);
    fl.set(this.#fl);
    const gen = new Uint32Array(cap);
    gen.set(this.#gen);
    const free = new Int32Array(cap);
    free.set(this.#free.subarray(0, this.#freeTop));
    let top = this.#freeTop;
    for (let i = cap - 1; i >= old; i--) if (i !== 0) free[top++] = i;
    this.#kind = kind;
    this.#fl = fl;
    this.#gen = gen;
    this.#free = free;
    this.#freeTop = top;
    this.#cap = cap;
    for (let i = old; i < cap; i++) {
      this.#resolves.push(noop);
      this.#rejects.push(noop);
      this.#names.push("");
      this.#aux.push(undefined);
      this.#hooks.push(undefined);
      this.#signals.push(undefined);
    }
  }

  #alloc(): number {
    if (this.#freeTop === 0) this.#grow();
    const idx = this.#free[--this.#freeTop];
    this.#gen[idx]++;
    this.#inflight++;
    return idx;
  }

  #release(idx: number): void {
    // The settle functions stay until the slot is reused: dropping them would cost two stores
    // per op and keep nothing alive but two small closures per slot.
    this.#kind[idx] = 0;
    this.#fl[idx] = 0;
    if (this.#aux[idx] !== undefined) this.#aux[idx] = undefined;
    this.#free[this.#freeTop++] = idx;
    this.#inflight--;
  }

  #unlisten(idx: number): AbortSignal {
    const signal = this.#signals[idx]!;
    signal.removeEventListener("abort", this.#hooks[idx]!);
    this.#hooks[idx] = undefined;
    this.#signals[idx] = undefined;
    return signal;
  }

  #internalUd(): number {
    return INTERNAL_UD;
  }

  // ---- completions ---------------------------------------------------------------------

  #cqe(ud: number, res: number, cflags: number): void {
    const idx = ud & SLOT_MASK;
    if (idx === 0) {
      if (ud !== INTERNAL_UD) this.#waker.cqe(); // a wake-up chain failed: it is gone
      return;
    }
    const kind = this.#kind[idx];
    if (kind === 0 || idx !== ud) return;
    if (kind === K_IGNORE) {
      this.#ignored--;
      this.#release(idx);
      return;
    }
    if (kind === K_MULTI) {
      const sink = this.#aux[idx] as MultishotSink;
      const final = (cflags & CqeFlag.MORE) === 0;
      if (final) this.#release(idx);
      sink._cqe(res, cflags, final);
      return;
    }
    const f = this.#fl[idx];
    const resolve = this.#resolves[idx];
    const reject = this.#rejects[idx];
    if (f === 0 && kind <= K_FD) {
      if (res >= 0) {
        this.#release(idx);
        resolve(kind === K_VOID ? undefined : res);
      } else {
        const name = this.#names[idx];
        this.#release(idx);
        reject(new UringError(-res, name));
      }
      return;
    }
    const name = this.#names[idx];
    const aux = this.#aux[idx];
    const signal = f & F_SIGNAL ? this.#unlisten(idx) : undefined;
    this.#release(idx);
    if (kind === K_LINK) {
      this.#chainCqe(aux as ChainEntry, res, name);
      return;
    }
    if (kind === K_CTIMER) {
      const state = aux as ChainState;
      if (!state.done && res === -ETIME) this.abortChain(state);
      return;
    }
    if (f & F_ABORTED) {
      if (kind === K_BOUNCE) (aux as Bounce).done(-ECANCELED);
      if (res >= 0) {
        if (kind === K_FD) this.closeLate(res, (f & F_DIRECT) !== 0);
        else if (kind === K_PIPE) {
          const fds = aux as Int32Array;
          this.closeLate(fds[0], (f & F_DIRECT) !== 0);
          this.closeLate(fds[1], (f & F_DIRECT) !== 0);
        }
      }
      reject(signal !== undefined ? signal.reason : new UringError(ECANCELED, name));
      return;
    }
    switch (kind) {
      case K_NUM:
      case K_FD:
        if (res >= 0) resolve(res);
        else reject(new UringError(-res, name));
        return;
      case K_VOID:
        if (res >= 0) resolve(undefined);
        else reject(new UringError(-res, name));
        return;
      case K_BOUNCE: {
        const err = (aux as Bounce).done(res);
        if (res < 0) reject(new UringError(-res, name));
        else if (err !== undefined) reject(err);
        else resolve(res);
        return;
      }
      case K_PIPE:
        if (res >= 0) {
          const fds = aux as Int32Array;
          resolve([fds[0], fds[1]]);
        } else reject(new UringError(-res, name));
        return;
      case K_DEC:
        if (res < 0) {
          reject(new UringError(-res, name));
          return;
        }
        try {
          const { decode, data } = aux as { decode: Decoder; data: unknown };
          resolve(decode(data, res));
        } catch (e) {
          reject(e);
        }
        return;
      case K_RAW: {
        const { decode, data } = aux as { decode: Decoder; data: unknown };
        let v: unknown;
        try {
          v = decode(data, res);
        } catch (e) {
          reject(e);
          return;
        }
        if (v instanceof Error) reject(v);
        else resolve(v);
        return;
      }
    }
  }

  #chainCqe(entry: ChainEntry, res: number, name: string): void {
    const state = entry.state;
    if (entry.bounce !== undefined) state.error ??= entry.bounce.done(res);
    state.results[entry.i] = res >= 0 || (entry.timer && res === -ETIME)
      ? (res < 0 ? 0 : res)
      : new UringError(-res, name);
    if (--state.remaining !== 0) return;
    state.done = true;
    if (state.recancel !== undefined) clearTimeout(state.recancel);
    const sig = state.signal;
    if (sig !== undefined && state.hook !== undefined) sig.removeEventListener("abort", state.hook);
    if (state.timerUd >= 0) {
      const tidx = state.timerUd & SLOT_MASK;
      if (this.#kind[tidx] === K_CTIMER && this.#aux[tidx] === state && !this.#closed) {
        const f = this.#fl[tidx];
        if (f & F_STAGED) this.#fl[tidx] = f | F_ABORTED;
        else {
          const s = this.#sqe();
          s.prepTimeoutRemove(state.timerUd);
          writeUd(s, this.#internalUd());
          this.#schedule();
        }
      }
    }
    if (sig !== undefined && sig.aborted) state.reject(sig.reason);
    else if (state.error !== undefined) state.reject(state.error);
    else state.resolve(state.results);
  }

  // ---- SQEs: the ring first, then the backlog --------------------------------------------

  /** One SQE: from the SQ, after a synchronous flush when it is full, else from the backlog. */
  #sqe(): Sqe {
    if (this.#backlog.empty) {
      const s = this.ring.getSqe();
      if (s !== null) {
        this.#lastStaged = false;
        return s;
      }
      if (!this.#reaping) {
        this.#pump();
        if (this.#backlog.empty) {
          const s2 = this.ring.getSqe();
          if (s2 !== null) {
            this.#lastStaged = false;
            return s2;
          }
        }
      }
    }
    return this.#stage();
  }

  /** True when `n` consecutive SQEs fit the SQ now (after a synchronous flush if needed). */
  #room(n: number): boolean {
    if (!this.#backlog.empty) return false;
    if (this.ring.sqSpaceLeft() >= n) return true;
    if (this.#reaping) return false;
    this.#pump();
    return this.#backlog.empty && this.ring.sqSpaceLeft() >= n;
  }

  #fromRing(): Sqe {
    this.#lastStaged = false;
    return this.ring.getSqe()!;
  }

  /** A zeroed SQE in JS memory, appended to the backlog (`linked`: see `_Backlog.stage`). */
  #stage(linked: boolean = false): Sqe {
    this.#lastStaged = true;
    return this.#backlog.stage(linked);
  }

  /** Moves backlog groups into the SQ while they fit; drops groups of aborted ops. */
  #drain(): void {
    this.#backlog.drainInto(this.ring, this.#drainAborted, this.#drainDropped, this.#drainMoved);
  }

  /** True when `ud` is the user data of an op in its slot (not internal, not a stale slot). */
  #isLive(ud: number): boolean {
    const idx = ud & SLOT_MASK;
    return idx !== 0 && this.#kind[idx] !== 0 && idx === ud;
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
        for (let j = 0; j < n * 4; j += 4) this.#cqe(u[j + 1] * TWO32 + u[j], r[j + 2], u[j + 3]);
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
    if (this.#inflight > 0) {
      if (!this.#waker.armed) this.#arm();
    } else this.#waker.rest();
  }

  /** Posts an internal NOP on the ring (its CQE makes a sleeping `GETEVENTS` return). */
  _postNop(): void {
    const s = this.ring.getSqe() ?? (this.#submit(), this.ring.getSqe());
    if (s === null) return;
    s.prepNop();
    writeUd(s, this.#internalUd());
    this.#submit();
  }

  #arm(): void {
    let w = this.#waker;
    if (this.#upgrade !== null && !w.sleeping) w = this.#tryUpgrade(w as _ThreadWaker);
    try {
      if (!w.arm()) this.#schedule(); // CQEs came meanwhile: flush instead of sleeping
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

  /** Moves to the event-loop wake-up once the ring has woken often enough and `node:net` is in. */
  #tryUpgrade(w: _ThreadWaker): _Waker {
    if (w.wakes < this.#upgradeAfter) return w;
    const net = loadNet(); // starts loading it; undefined until it is in
    if (net === undefined) return w;
    const next = this.#upgrade === "eventfd"
      ? _EventfdWaker.create(this) ?? _PollWaker.create(this)
      : _PollWaker.create(this);
    this.#upgrade = null;
    if (next === null) return w; // out of fds, say: the thread it stays
    w.close();
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
    const sinks: MultishotSink[] = [];
    const chains = new Set<ChainState>();
    for (let idx = 1; idx < this.#cap; idx++) {
      const kind = this.#kind[idx];
      if (kind === 0) continue;
      const f = this.#fl[idx];
      if (f & F_SIGNAL) this.#unlisten(idx);
      const aux = this.#aux[idx], reject = this.#rejects[idx];
      this.#release(idx);
      if (kind === K_MULTI) sinks.push(aux as MultishotSink);
      else if (kind === K_LINK) chains.add((aux as ChainEntry).state);
      else if (kind === K_IGNORE) this.#ignored--;
      else if (kind !== K_CTIMER) reject(err);
    }
    for (const c of chains) {
      if (c.recancel !== undefined) clearTimeout(c.recancel);
      if (c.signal !== undefined && c.hook !== undefined) {
        c.signal.removeEventListener("abort", c.hook);
      }
      c.done = true;
      c.reject(err);
    }
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
        writeUd(s, 0);
      }
      const nop = this.#deferred ? null : this.ring.getSqe();
      if (nop !== null) {
        nop.prepNop();
        writeUd(nop, 0);
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
    try {
      this.#waker.close(); // first: a poll of the wake-up's own ring holds this ring's file
    } catch { /* closed with the process at worst */ }
    try {
      this.ring.close();
    } catch { /* already closed */ }
    this.#idle?.resolve();
    this.#idle = undefined;
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
