/**
 * Linked chains on the engine: submitting `IOSQE_IO_LINK` chains (one slot per op, a shared
 * `ChainState`), a chain's CQEs, its whole-chain timer, and aborting what is left of a chain
 * (with the cancels sent again until it is done).
 *
 * The functions work on a `_ChainHost`, the part of the engine they need, so this file does
 * not import the engine.
 *
 * @internal
 * @module
 */
import { Errno, SqeFlag, UringError } from "../sys/mod.ts";
import type { Ring, Sqe } from "../ring/mod.ts";
import type { _BouncePool, Bounce } from "./bounce.ts";
import {
  type AsyncOpOptions,
  type ChainEntry,
  type ChainOp,
  type ChainState,
  checkTimeout,
  F_ABORTED,
  F_STAGED,
  K_CTIMER,
  K_LINK,
} from "./ops.ts";
import { _nopOut, type _Slots, _writeUd, INTERNAL_UD, SLOT_MASK } from "./_slots.ts";

const { ETIME } = Errno;

/** What the chain functions need of the engine besides its slots. */
export interface _ChainHost extends _Slots {
  readonly ring: Ring;
  readonly pool: _BouncePool;
  readonly closed: boolean;
  /** The last SQE handed out is in the backlog, not the SQ. */
  readonly _lastStaged: boolean;
  /** One SQE: from the SQ (after a synchronous flush when full), else from the backlog. */
  _sqe(): Sqe;
  /** True when `n` consecutive SQEs fit the SQ now. */
  _room(n: number): boolean;
  /** An SQE from the SQ, where `_room()` said there is one. */
  _fromRing(): Sqe;
  /** A zeroed SQE in the backlog. */
  _stage(linked?: boolean): Sqe;
  /** Takes the last `n` staged SQEs out of their link group (after a failed prep). */
  _unlinkLast(n: number): void;
  /** Ensures a flush is queued for this event-loop turn. */
  _schedule(): void;
}

/** The abort listener of a chain: aborts every op of it still in flight. */
class ChainAbort {
  host: _ChainHost;
  chain: ChainState;
  constructor(host: _ChainHost, chain: ChainState) {
    this.host = host;
    this.chain = chain;
  }
  handleEvent(): void {
    this.host.abortChain(this.chain);
  }
}

/**
 * Submits `ops` as one `IOSQE_IO_LINK` chain (`IO_HARDLINK` with `hard`), the first with
 * `IO_DRAIN` when `drain`; resolves to one entry per op.
 *
 * @internal
 */
export function _submitChain(
  host: _ChainHost,
  ops: ChainOp[],
  options: AsyncOpOptions | undefined,
  hard: boolean,
  drain: boolean,
): Promise<(number | UringError)[]> {
  const n = ops.length;
  if (n === 0) return Promise.resolve([]);
  if (n > host.ring.sqEntries) {
    return Promise.reject(
      new RangeError(`a chain of ${n} ops does not fit a ring of ${host.ring.sqEntries} entries`),
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
  const direct = host._room(n);
  const sqes: Sqe[] = [];
  const bounces: (Bounce | undefined)[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = direct ? host._fromRing() : host._stage(i > 0);
      sqes.push(s);
      bounces.push(ops[i].prep(s, host.pool) ?? undefined);
      if (i < n - 1) s.flags |= hard ? SqeFlag.IO_HARDLINK : SqeFlag.IO_LINK;
    }
  } catch (e) {
    for (const s of sqes) _nopOut(s, INTERNAL_UD);
    if (!direct) host._unlinkLast(sqes.length);
    host._schedule();
    return Promise.reject(e);
  }
  if (drain) sqes[0].flags |= SqeFlag.IO_DRAIN;
  const { promise, resolve, reject } = Promise.withResolvers<(number | UringError)[]>();
  const state: ChainState = {
    results: new Array(n).fill(0),
    remaining: n,
    uds: [],
    resolve,
    reject,
    signal,
    timerUd: -1,
    done: false,
  };
  for (let i = 0; i < n; i++) {
    const idx = host._alloc();
    _writeUd(sqes[i], idx);
    state.uds.push(idx);
    host._kind[idx] = K_LINK;
    host._names[idx] = ops[i].name;
    host._aux[idx] = {
      state,
      i,
      timer: ops[i].timer === true,
      bounce: bounces[i],
    } satisfies ChainEntry;
    host._fl[idx] = direct ? 0 : F_STAGED;
  }
  if (signal !== undefined) {
    state.hook = new ChainAbort(host, state);
    signal.addEventListener("abort", state.hook);
  }
  if (timeoutMs !== undefined) {
    const s = host._sqe(); // may flush, and the chain may be done already
    if (state.done) {
      _nopOut(s, INTERNAL_UD);
      host._schedule();
      return promise;
    }
    s.prepTimeout(timeoutMs);
    const idx = host._alloc();
    _writeUd(s, idx);
    state.timerUd = idx;
    host._kind[idx] = K_CTIMER;
    host._names[idx] = "timeout";
    host._aux[idx] = state;
    host._fl[idx] = host._lastStaged ? F_STAGED : 0;
  }
  host._schedule();
  return promise;
}

/**
 * Aborts the ops of `chain` still in flight (their slots may since serve other ops). The
 * kernel cancels only ops that have started: a linked op still waiting for the one before it
 * is not found (`ENOENT`), and in a hard-linked chain it starts once that one is cancelled, so
 * a read of an idle pipe there would wait forever. So the cancels are sent again every 10 ms
 * until the chain is done.
 *
 * @internal
 */
export function _abortChain(host: _ChainHost, chain: ChainState, again: boolean): void {
  for (const ud of chain.uds) {
    if (host._kind[ud] === K_LINK && (host._aux[ud] as ChainEntry).state === chain) {
      host.abortUd(ud, again);
    }
  }
  if (!chain.done && chain.recancel === undefined && !host.closed) {
    chain.recancel = setTimeout(() => {
      chain.recancel = undefined;
      if (!chain.done && !host.closed) host.abortChain(chain, true);
    }, 10);
  }
}

/**
 * One CQE of a chain's op (its slot is free already): records the result, and settles the
 * chain with its last one (removing the chain's timer if it has not fired).
 *
 * @internal
 */
export function _chainCqe(host: _ChainHost, entry: ChainEntry, res: number, name: string): void {
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
    if (host._kind[tidx] === K_CTIMER && host._aux[tidx] === state && !host.closed) {
      const f = host._fl[tidx];
      if (f & F_STAGED) host._fl[tidx] = f | F_ABORTED;
      else {
        const s = host._sqe();
        s.prepTimeoutRemove(state.timerUd);
        _writeUd(s, INTERNAL_UD);
        host._schedule();
      }
    }
  }
  if (sig !== undefined && sig.aborted) state.reject(sig.reason);
  else if (state.error !== undefined) state.reject(state.error);
  else state.resolve(state.results);
}

/**
 * Ends chains whose slots `close()` freed: each rejects with `err`.
 *
 * @internal
 */
export function _endChains(chains: Iterable<ChainState>, err: Error): void {
  for (const c of chains) {
    if (c.recancel !== undefined) clearTimeout(c.recancel);
    if (c.signal !== undefined && c.hook !== undefined) {
      c.signal.removeEventListener("abort", c.hook);
    }
    c.done = true;
    c.reject(err);
  }
}
