/**
 * The engine's op slots: a slab of parallel arrays indexed by user data, its free list, and the
 * settle path that turns one CQE into the op's result.
 *
 * Ops live in parallel arrays, and an op's user data is its slot index, taken from a free list
 * (so never one in use): a completion is an array lookup (no Map, no per-op object besides the
 * promise). Slot numbers stay small, which also keeps the `Ring`'s held-buffer bookkeeping on its
 * array path (user data below 2**16) instead of a `Map`; a generation count in the upper bits
 * of the user data would cost NOP throughput (`bench/README.md`). A generation is not needed for
 * safety: a cancel by user data is only sent for a live op, and the SQ (and the backlog behind
 * it) is FIFO, so any later op that reuses the slot is issued after the cancel has run.
 *
 * `_Engine` extends `_Slots`, so the arrays are fields of the engine object itself: the hot
 * paths read them as cheaply as the engine's own fields (no extra object to go through).
 *
 * @internal
 * @module
 */
import { CqeFlag, Errno, UringError } from "../sys/mod.ts";
import type { Sqe } from "../ring/mod.ts";
import { SqeWord } from "../ring/mod.ts";
import type { Bounce } from "./bounce.ts";
import {
  type ChainEntry,
  type ChainState,
  type Decoder,
  F_ABORTED,
  F_DIRECT,
  F_SIGNAL,
  F_UNREF,
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

const { ETIME, ECANCELED } = Errno;

/** At most this many slots (ops in flight); user data 0 marks internal SQEs. */

/** Ops whose SQE `fd` is the file or socket they act on (their errors name it). */
const FD_OPS: ReadonlySet<string> = new Set([
  "read",
  "write",
  "readv",
  "writev",
  "readFixed",
  "writeFixed",
  "fsync",
  "fdatasync",
  "fallocate",
  "ftruncate",
  "closeFd",
  "send",
  "recv",
  "accept",
  "connect",
  "bind",
  "listen",
  "shutdown",
  "setsockopt",
  "poll",
  "statx",
  "cancelFd",
  "recvSelect",
]);
export const SLOTS = 1048576; // 2**20
/** The slot index in a user data. */
export const SLOT_MASK = SLOTS - 1;
/** User data of internal SQEs (cancels, late closes, wake-up NOPs): their CQEs are ignored. */
export const INTERNAL_UD = 0;

type Settle = (v: unknown) => void;
const noop: Settle = () => {};
let capturedResolve: Settle = noop;
let capturedReject: Settle = noop;
function captureAny(resolve: Settle, reject: Settle): void {
  capturedResolve = resolve;
  capturedReject = reject;
}
/** The one promise executor: stores the settle functions where `_promise()` picks them up. */
const capture = captureAny as <T>(
  resolve: (v: T | PromiseLike<T>) => void,
  reject: (e: unknown) => void,
) => void;

/** Writes user data `ud` (a slot index, < 2**20) into a zeroed SQE. */
export function _writeUd(s: Sqe, ud: number): void {
  s._u32[s._w + SqeWord.USER_DATA] = ud;
}

/** Turns a (possibly half-written) SQE into a NOP with internal user data `ud`. */
export function _nopOut(s: Sqe, ud: number): void {
  const m = s._m;
  m.u32.fill(0, s._w, s._w + m.stride);
  _writeUd(s, ud);
}

/** The abort listener of one op. */
export class _OpAbort {
  slots: _Slots;
  ud: number;
  constructor(slots: _Slots, ud: number) {
    this.slots = slots;
    this.ud = ud;
  }
  handleEvent(): void {
    this.slots.abortUd(this.ud);
  }
}

/**
 * The slab of one engine and its settle path; `_Engine` extends it and supplies the few
 * things settling needs from the rest of the engine (the abstract methods).
 *
 * @internal
 */
export abstract class _Slots {
  /** Slots in the slab (grows by doubling). */
  _cap = 0;
  /** Each slot's op kind (`K_*`); 0: free. */
  _kind: Uint8Array = new Uint8Array(0);
  /** Each slot's `F_*` flags. */
  _fl: Uint8Array = new Uint8Array(0);
  /** Uses of each slot, for checks that must not mistake a new op for an old one (JS only). */
  _gen: Uint32Array = new Uint32Array(0);
  _resolves: Settle[] = [];
  _rejects: Settle[] = [];
  /** Op names, for `UringError`. */
  _names: string[] = [];
  /** Kind-specific data kept until the op settles. */
  _aux: unknown[] = [];
  _hooks: (EventListenerObject | undefined)[] = [];
  _signals: (AbortSignal | undefined)[] = [];
  _free: Int32Array = new Int32Array(0);
  _freeTop = 0;
  /** Slots taken (ops in flight, internal ones with a slot included). */
  _inflight = 0;
  /** Of those, `K_IGNORE` slots (link timeouts), which are not the caller's ops. */
  _ignored = 0;
  /** Each slot's fd as its SQE carried it (ops made by `finish()` and multishot ops only). */
  _fds: Int32Array = new Int32Array(0);
  /** fds whose ops do not keep the process alive (`unrefFd`). */
  _unrefFds: Set<number> = new Set();
  /** `_unrefFds.size`, read on every op. */
  _nUnrefFds = 0;
  /** Ops in flight with `F_UNREF`. */
  _unrefd = 0;

  /** Cancels the live op `ud` (an abort fired). */
  abstract abortUd(ud: number, again?: boolean): void;
  /** Aborts what is left of `chain`. */
  abstract abortChain(chain: ChainState, again?: boolean): void;
  /** Closes an fd (or direct slot) that nobody will see. */
  abstract closeLate(fd: number, direct: boolean): void;
  /** One CQE of a chain's op. */
  abstract _chainCqe(entry: ChainEntry, res: number, name: string): void;
  /** A CQE of the wake-up's own SQEs (user data with slot 0 but not `INTERNAL_UD`). */
  abstract _wakeCqe(): void;

  _grow(): void {
    const old = this._cap;
    const cap = old === 0 ? 128 : old * 2;
    if (cap > SLOTS) {
      throw new RangeError(`more than ${SLOTS - 1} AsyncRing ops in flight`);
    }
    const kind = new Uint8Array(cap);
    kind.set(this._kind);
    const fl = new Uint8Array(cap);
    fl.set(this._fl);
    const gen = new Uint32Array(cap);
    gen.set(this._gen);
    const fds = new Int32Array(cap);
    fds.set(this._fds);
    const free = new Int32Array(cap);
    free.set(this._free.subarray(0, this._freeTop));
    let top = this._freeTop;
    for (let i = cap - 1; i >= old; i--) if (i !== 0) free[top++] = i;
    this._kind = kind;
    this._fl = fl;
    this._gen = gen;
    this._fds = fds;
    this._free = free;
    this._freeTop = top;
    this._cap = cap;
    for (let i = old; i < cap; i++) {
      this._resolves.push(noop);
      this._rejects.push(noop);
      this._names.push("");
      this._aux.push(undefined);
      this._hooks.push(undefined);
      this._signals.push(undefined);
    }
  }

  /** Takes a free slot. */
  _alloc(): number {
    if (this._freeTop === 0) this._grow();
    const idx = this._free[--this._freeTop];
    this._gen[idx]++;
    this._inflight++;
    return idx;
  }

  /**
   * The `UringError` of op `idx`'s failure: for an op on an fd, it names the fd (the slot's fd
   * is still there: a slot is reused only by a later op).
   */
  _error(idx: number, res: number, name: string): UringError {
    const fd = this._fds[idx];
    return new UringError(
      -res,
      name,
      undefined,
      fd >= 0 && FD_OPS.has(name) ? `fd ${fd}` : undefined,
    );
  }

  /**
   * Records op `idx`'s fd; returns `F_UNREF` (and counts the op) when that fd was unref'd, else 0.
   */
  _opFd(idx: number, fd: number): number {
    this._fds[idx] = fd;
    if (this._nUnrefFds === 0 || !this._unrefFds.has(fd)) return 0;
    this._unrefd++;
    return F_UNREF;
  }

  /**
   * Whether the ops on `fd` (in flight now, and started later) keep the process alive. Returns
   * true when an op in flight changed.
   */
  _refFd(fd: number, keep: boolean): boolean {
    const set = this._unrefFds;
    if (keep) {
      if (!set.delete(fd)) return false;
    } else {
      if (set.has(fd)) return false;
      set.add(fd);
    }
    this._nUnrefFds = set.size;
    let changed = false;
    const kind = this._kind, fl = this._fl, fds = this._fds;
    for (let idx = 1; idx < this._cap; idx++) {
      const k = kind[idx];
      if (k === 0 || k === K_LINK || k === K_CTIMER || k === K_IGNORE || fds[idx] !== fd) continue;
      const f = fl[idx];
      if (keep && (f & F_UNREF) !== 0) {
        fl[idx] = f & ~F_UNREF;
        this._unrefd--;
        changed = true;
      } else if (!keep && (f & F_UNREF) === 0) {
        fl[idx] = f | F_UNREF;
        this._unrefd++;
        changed = true;
      }
    }
    return changed;
  }

  /** True when some op in flight keeps the process alive. */
  _keepsAlive(): boolean {
    return this._inflight - this._ignored > this._unrefd;
  }

  /** A new promise whose settle functions slot `idx` keeps. */
  _promise<T>(idx: number): Promise<T> {
    const p = new Promise<T>(capture);
    this._resolves[idx] = capturedResolve;
    this._rejects[idx] = capturedReject;
    return p;
  }

  _release(idx: number): void {
    // The settle functions stay until the slot is reused: dropping them would cost two stores
    // per op and keep nothing alive but two small closures per slot.
    this._kind[idx] = 0;
    this._fl[idx] = 0;
    if (this._aux[idx] !== undefined) this._aux[idx] = undefined;
    this._free[this._freeTop++] = idx;
    this._inflight--;
  }

  /** Listens for `signal` aborting op `idx`. */
  _listen(idx: number, signal: AbortSignal): void {
    const hook = new _OpAbort(this, idx);
    signal.addEventListener("abort", hook);
    this._hooks[idx] = hook;
    this._signals[idx] = signal;
  }

  _unlisten(idx: number): AbortSignal {
    const signal = this._signals[idx]!;
    signal.removeEventListener("abort", this._hooks[idx]!);
    this._hooks[idx] = undefined;
    this._signals[idx] = undefined;
    return signal;
  }

  /** True when `ud` is the user data of an op in its slot (not internal, not a stale slot). */
  _isLive(ud: number): boolean {
    const idx = ud & SLOT_MASK;
    return idx !== 0 && this._kind[idx] !== 0 && idx === ud;
  }

  /**
   * Frees every slot for `close()`: rejects single ops with `err`, and returns the multishot
   * sinks and chains, which the caller ends in their own ways.
   */
  _dropAll(err: Error): { sinks: MultishotSink[]; chains: Set<ChainState> } {
    const sinks: MultishotSink[] = [];
    const chains = new Set<ChainState>();
    for (let idx = 1; idx < this._cap; idx++) {
      const kind = this._kind[idx];
      if (kind === 0) continue;
      const f = this._fl[idx];
      if (f & F_SIGNAL) this._unlisten(idx);
      const aux = this._aux[idx], reject = this._rejects[idx];
      this._release(idx);
      if (kind === K_MULTI) sinks.push(aux as MultishotSink);
      else if (kind === K_LINK) chains.add((aux as ChainEntry).state);
      else if (kind === K_IGNORE) this._ignored--;
      else if (kind !== K_CTIMER) reject(err);
    }
    this._unrefd = 0;
    return { sinks, chains };
  }

  // ---- settling ------------------------------------------------------------------------

  /** One CQE: settles (or advances) the op with user data `ud`. */
  _settle(ud: number, res: number, cflags: number): void {
    const idx = ud & SLOT_MASK;
    if (idx === 0) {
      if (ud !== INTERNAL_UD) this._wakeCqe(); // a wake-up chain failed: it is gone
      return;
    }
    const kind = this._kind[idx];
    if (kind === 0 || idx !== ud) return;
    if (kind === K_IGNORE) {
      this._ignored--;
      this._release(idx);
      return;
    }
    if (kind === K_MULTI) {
      const sink = this._aux[idx] as MultishotSink;
      const final = (cflags & CqeFlag.MORE) === 0;
      if (final) {
        if (this._fl[idx] & F_UNREF) this._unrefd--;
        this._release(idx);
      }
      sink._cqe(res, cflags, final);
      return;
    }
    const f = this._fl[idx];
    const resolve = this._resolves[idx];
    const reject = this._rejects[idx];
    if (f === 0 && kind <= K_FD) {
      if (res >= 0) {
        this._release(idx);
        resolve(kind === K_VOID ? undefined : res);
      } else {
        const name = this._names[idx];
        this._release(idx);
        reject(this._error(idx, res, name));
      }
      return;
    }
    const name = this._names[idx];
    const aux = this._aux[idx];
    const signal = f & F_SIGNAL ? this._unlisten(idx) : undefined;
    if (f & F_UNREF) this._unrefd--;
    this._release(idx);
    if (kind === K_LINK) {
      this._chainCqe(aux as ChainEntry, res, name);
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
        else reject(this._error(idx, res, name));
        return;
      case K_VOID:
        if (res >= 0) resolve(undefined);
        else reject(this._error(idx, res, name));
        return;
      case K_BOUNCE: {
        const err = (aux as Bounce).done(res);
        if (res < 0) reject(this._error(idx, res, name));
        else if (err !== undefined) reject(err);
        else resolve(res);
        return;
      }
      case K_PIPE:
        if (res >= 0) {
          const fds = aux as Int32Array;
          resolve([fds[0], fds[1]]);
        } else reject(this._error(idx, res, name));
        return;
      case K_DEC:
        if (res < 0) {
          reject(this._error(idx, res, name));
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
}
