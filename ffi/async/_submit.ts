/**
 * How an op reaches the engine, shared by `AsyncRingBase`, `AsyncRing` and the ops the layers
 * above use (`_layer_ops.ts`): the key under which a ring keeps its engine, and the
 * start/prep/finish bracket of the common op shapes, as plain functions of the engine so a hot
 * op pays no closure and no call beyond what it paid as a private method.
 *
 * @internal
 * @module
 */
import { Op } from "../sys/mod.ts";
import type { FdLike } from "../sys/mod.ts";
import {
  type _Engine,
  type AsyncOpOptions,
  type Bounce,
  type Decoder,
  K_BOUNCE,
  K_NUM,
  K_RAW,
  prepOne,
} from "../engine/mod.ts";
import type { Prep } from "./_recipes.ts";
import type { ResultDecoder } from "./options.ts";

/**
 * The key of a ring's engine. Only the async layer's own files import it: it is the narrow door
 * through which `AsyncRing` (a subclass of the class that holds the engine) and the ops for the
 * layers above reach the engine, where a `#private` field would admit only one class.
 */
export const ENGINE: unique symbol = Symbol("AsyncRing.engine");

/**
 * Starts an op whose SQE `prep` fills: the common shape of the ops (the hot ones, `nop`, `read`
 * and `write`, spell it out to save the closure).
 */
export function runOp<T>(
  e: _Engine,
  kind: number,
  name: string,
  options: AsyncOpOptions | undefined,
  prep: Prep,
  aux?: unknown,
): Promise<T> {
  const s = e.start(options);
  if (s === null) return e.early;
  try {
    prep(s, e.pool);
  } catch (err) {
    return e.abandon(s, err);
  }
  return e.finish(s, kind, name, options, aux);
}

/**
 * A read, write, send or recv on one buffer, started and finished without a closure (the hot
 * path of `read` and `write`); `msgFlags` are the send/recv flags.
 */
export function rw(
  e: _Engine,
  op: number,
  name: string,
  fd: FdLike,
  buf: ArrayBufferView,
  offset: number,
  options: AsyncOpOptions | undefined,
  msgFlags: number = 0,
): Promise<number> {
  const s = e.start(options);
  if (s === null) return e.early;
  let b: Bounce | undefined;
  try {
    b = prepOne(s, e.pool, op, fd, buf, offset, op === Op.READ || op === Op.RECV);
    if (msgFlags !== 0) s.opFlags = msgFlags;
  } catch (err) {
    b?.done(0);
    return e.abandon(s, err);
  }
  if (b === undefined) return e.finish(s, K_NUM, name, options);
  return e.finish(s, K_BOUNCE, name, options, b);
}

/** `rw` with a caller decoder, as one `K_RAW` op: one object per op, no closure. */
export function rwWith<C, T>(
  e: _Engine,
  op: number,
  name: string,
  fd: FdLike,
  buf: ArrayBufferView,
  decode: ResultDecoder<C, T>,
  ctx: C,
  msgFlags: number,
): Promise<T> {
  if (typeof decode !== "function") throw new TypeError("decode must be a function");
  const s = e.start(undefined);
  if (s === null) return e.early;
  let b: Bounce | undefined;
  try {
    b = prepOne(s, e.pool, op, fd, buf, 0, op === Op.RECV);
    if (msgFlags !== 0) s.opFlags = msgFlags;
  } catch (err) {
    b?.done(0);
    e.abandon(s, err).catch(ignore); // the caller gets the error synchronously instead
    throw err;
  }
  return e.finish(
    s,
    K_RAW,
    name,
    undefined,
    new WithOp(b, decode as ResultDecoder<unknown, T>, ctx),
  );
}

const ignore = () => {};

/**
 * The `K_RAW` aux of `recvWith`/`sendWith`. The engine calls `aux.decode(aux.data, res)`, and
 * `data` is the op itself, so the bounce, the caller's decoder and its context ride in one
 * object.
 */
class WithOp<T> {
  readonly decode: Decoder = settleWith;
  readonly data: WithOp<T>;
  readonly bounce: Bounce | undefined;
  readonly fn: ResultDecoder<unknown, T>;
  readonly ctx: unknown;
  constructor(bounce: Bounce | undefined, fn: ResultDecoder<unknown, T>, ctx: unknown) {
    this.data = this;
    this.bounce = bounce;
    this.fn = fn;
    this.ctx = ctx;
  }
}

/**
 * Finishes a `WithOp`: the bytes are copied out before the caller's decoder sees `res`, and the
 * decoder runs even when they could not be (a buffer detached in flight): its bookkeeping holds,
 * and the copy's error rejects the promise.
 */
function settleWith(op: unknown, res: number): unknown {
  const w = op as WithOp<unknown>;
  const err = w.bounce === undefined ? undefined : w.bounce.done(res);
  const v = w.fn(w.ctx, res);
  return err ?? v;
}
