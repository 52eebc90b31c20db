/**
 * What the registration modules need of a ring: its `io_uring_register(2)` call and its
 * lifetime hooks. They take this interface, not `Ring`, so `ring.ts` can build on them without
 * an import circle (the shape of liburing's `do_register()` and tokio-rs/io-uring's
 * `register::execute()`: registration is a function of the ring's handle).
 *
 * @internal
 * @module
 */

/** The part of a `Ring` that registration uses. `Ring` satisfies it. */
export interface RingHandle {
  /** The ring's fd (for `ATTACH_WQ` and `CLONE_BUFFERS`, which name another ring). */
  readonly fd: number;
  /** True once the ring is closed. */
  readonly closed: boolean;
  /** `io_uring_register(fd, opcode, arg, nrArgs)`; throws `UringError` on failure. */
  register(opcode: number, arg: Uint8Array | null, nrArgs: number): number;
  /** Runs `fn` when the ring closes, before its memory goes away. */
  _onClose(fn: () => void): void;
  /** Keeps `ref` until no op in flight can use it. */
  _retire(ref: unknown): void;
}
