/**
 * What AsyncRing's op methods and the engine agree on: the op kinds (how a CQE becomes the
 * promise's result), the op flags, and the shapes of options, decoders, multishot sinks and
 * chains. `AsyncOpOptions` is public (re-exported by `mod.ts`); the rest is internal.
 *
 * @module
 */
import type { UringError } from "../sys/mod.ts";
import type { Sqe } from "../ring/mod.ts";
import type { _BouncePool, Bounce } from "./bounce.ts";

/** Result is the CQE's `res`. */
export const K_NUM = 1;
/** Result is `undefined`. */
export const K_VOID = 2;
/** Result is a new fd (or a direct slot with `F_DIRECT`); closed if it arrives after an abort. */
export const K_FD = 3;
/** Result is `decode(aux, res)` for `res >= 0`. */
export const K_DEC = 4;
/** Result is `decode(aux, res)` for any `res`; an `Error` returned rejects. */
export const K_RAW = 5;
/** One op of a linked chain; `aux` is a `ChainEntry`. */
export const K_LINK = 6;
/** A multishot op; `aux` is its `MultishotSink`. */
export const K_MULTI = 7;
/** A kernel timer that cancels a chain when it fires; `aux` is the `ChainState`. */
export const K_CTIMER = 8;
/** A pipe: `aux` is the Int32Array of the two fds; both are closed after an abort. */
export const K_PIPE = 9;
/** An internal SQE that holds a buffer (a link timeout): only its slot is freed. */
export const K_IGNORE = 10;
/**
 * Like `K_NUM`, through pool memory in place of caller buffers (`_bounce.ts`): `aux` is the
 * `Bounce` that copies a read's bytes out and gives the chunks back when the CQE arrives.
 */
export const K_BOUNCE = 11;

/** The SQE is still in the JS backlog. */
export const F_STAGED = 1;
/** The op's signal fired. */
export const F_ABORTED = 2;
/** The op has an abort listener. */
export const F_SIGNAL = 4;
/** The fd result is a direct descriptor (a file-table slot). */
export const F_DIRECT = 8;
/** The op does not keep the process alive (its fd was unref'd: `_Slots._refFd`). */
export const F_UNREF = 16;

/**
 * Options every promise op of `AsyncRing` takes.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { AsyncRing, type AsyncOpOptions, UringError } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const [r, w] = await io.pipe();
 * const options: AsyncOpOptions = { timeoutMs: 10 }; // nothing is ever written to the pipe
 * const read = io.read(r, new Uint8Array(8), -1, options);
 * const err = await assertRejects(() => read, UringError);
 * assertEquals(err.code, "ECANCELED");
 * await io.closeFd(r);
 * await io.closeFd(w);
 * ```
 */
export interface AsyncOpOptions {
  /** Aborting cancels the op (`IORING_OP_ASYNC_CANCEL`) and rejects it with `signal.reason`. */
  signal?: AbortSignal;
  /** Cancels the op after this many milliseconds (`IORING_OP_LINK_TIMEOUT`): `ECANCELED`. */
  timeoutMs?: number;
}

/** Decodes a result for `K_DEC` and `K_RAW` ops. */
export type Decoder = (aux: unknown, res: number) => unknown;

/** What a multishot iterator gets from the engine. */
export interface MultishotSink {
  /** One CQE of the op; `final` when it carries no `CqeFlag.MORE` (the slot is free again). */
  _cqe(res: number, flags: number, final: boolean): void;
  /** Prepares the op's SQE (the engine sets the user data). */
  _prep(sqe: Sqe): void;
  /** The ring closed: fail or end the iteration with `err`. */
  _close(err: Error): void;
}

/** One op of a chain, recorded by the link builder. */
export interface ChainOp {
  /** Op name for errors. */
  name: string;
  /** Writes the SQE; returns the `Bounce` when the op goes through pool memory. */
  prep: (sqe: Sqe, pool: _BouncePool) => Bounce | void;
  /** A timer whose -ETIME is a success (its entry is 0). */
  timer?: boolean;
}

/** What a chain op's slot keeps (its `aux`). */
export interface ChainEntry {
  state: ChainState;
  /** The op's place in the chain. */
  i: number;
  /** A timer whose -ETIME is a success. */
  timer: boolean;
  /** The op went through pool memory (`bounce.ts`). */
  bounce: Bounce | undefined;
}

/** Validates `timeoutMs`; returns it. */
export function checkTimeout(ms: unknown): number {
  if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
    throw new RangeError(`timeoutMs must be a finite number >= 0, got ${ms}`);
  }
  return ms;
}

/** The state of one submitted chain. */
export interface ChainState {
  results: (number | UringError)[];
  remaining: number;
  uds: number[];
  resolve: (v: (number | UringError)[]) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  timerUd: number;
  done: boolean;
  hook?: EventListenerObject;
  /** A read's bytes could not be copied to its caller buffer (it was detached in flight). */
  error?: Error;
  /** The timer that sends an aborted chain's cancels again (see `_Engine.abortChain`). */
  recancel?: ReturnType<typeof setTimeout>;
}
