/**
 * The idle wake-up with no ring or enter of its own: an eventfd registered on the ring, read by
 * a chain on the ring itself, `READ(eventfd) → SEND(1 byte)` to a `_SocketBell` that Deno's event
 * loop watches.
 *
 * - While JavaScript submits and reaps, the eventfd's signals are held back
 *   (`IORING_CQ_EVENTFD_DISABLED`, a word in the CQ ring: no system call). When the engine goes
 *   idle with ops in flight it turns them on, then looks at the CQ once more: a CQE posted
 *   before the signals were on is seen there (turning them on is a full barrier, and the kernel
 *   has one between posting a CQE and looking at the flag), one posted after it signals.
 * - The signal completes the chain's read (an eventfd read consumes the counter) and the linked
 *   send rings the bell; both carry `CQE_SKIP_SUCCESS`, so they post no CQE, which would signal
 *   again. The read is hard-linked: a failed read still sends, a wake rather than a hang.
 * - The chain is prepared into the SQ by the first flush after it fired, so it goes to the
 *   kernel with that flush's own `io_uring_enter`: an idle wake costs Deno's `epoll_wait`, its
 *   read of the byte, and the flush's enter.
 *
 * The ring's eventfd slot is taken (`io.ring.registerEventfd()` then fails with EBUSY). Not for
 * `deferTaskrun` rings: the chain's read would only complete in this thread's own enters.
 *
 * @internal
 * @module
 */
import { eventfd, Op, SqeFlag } from "../sys/mod.ts";
import type { Ring } from "../ring/mod.ts";
import { _SocketBell, libcOf, MSG_NOSIGNAL } from "./_wake_socket.ts";
import type { _WakeHost, _Waker } from "./_waker.ts";

/**
 * The read's 8-byte landing spot and the byte sent, shared by every ring and never freed: the
 * SQEs carry raw addresses, so no buffer is held per op (a successful `CQE_SKIP_SUCCESS` op
 * would hold its buffer until the ring closes).
 */
const SCRATCH = new Uint8Array(new SharedArrayBuffer(16));
let scratchAddr = 0;
/**
 * The scratch memory's address. SCRATCH must be used inside a function: a module-level constant
 * used only by the module's top-level code may live on its stack, and be collected after it.
 */
function scratch(): number {
  return scratchAddr ||= Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(SCRATCH)));
}
/** User data of the chain's SQEs: slot 0 of the engine (ignored) with a bit above the slots. */
export const UD_WAKE = 2 ** 21;

/** @internal */
export class _EventfdWaker implements _Waker {
  readonly kind = "eventfd";
  /** Armed for ops in flight: the bell's `data` callback flushes. */
  armed = false;
  readonly sleeping = false;
  #host: _WakeHost;
  #ring: Ring;
  #efd: number;
  #bell: _SocketBell;
  /** The chain is in the SQ or the kernel, and has not rung. */
  #chain = false;
  /** The eventfd's signals are on (the flag is clear). */
  #on = false;
  #broken = false;
  #closed = false;
  /** The armed bell keeps the process alive. */
  #hold = true;

  /** Makes the eventfd and the bell and registers the eventfd, or returns null. */
  static create(host: _WakeHost): _EventfdWaker | null {
    let w: _EventfdWaker | undefined = undefined;
    const bell = _SocketBell.create(() => w!.#rang(), () => w!.#failed());
    if (bell === null) return null;
    let efd = -1;
    try {
      efd = eventfd(); // blocking: a read of a zero counter waits (io_uring polls it)
      host.ring.cqEventfdToggle(false);
      host.ring.registerEventfd(efd);
    } catch {
      if (efd >= 0) libcOf().close(efd);
      bell.close();
      return null;
    }
    return w = new _EventfdWaker(host, efd, bell);
  }

  private constructor(host: _WakeHost, efd: number, bell: _SocketBell) {
    this.#host = host;
    this.#ring = host.ring;
    this.#efd = efd;
    this.#bell = bell;
  }

  #rang(): void {
    this.#chain = false;
    if (!this.armed || this.#closed) return;
    this.armed = false;
    this.#host._woken();
  }

  #failed(): void {
    this.#broken = true;
    this.#rang();
  }

  /** Signals off while JavaScript reaps; the engine arms again when it goes idle. */
  busy(): void {
    if (this.#on) {
      this.#on = false;
      this.armed = false;
      this.#ring.cqEventfdToggle(false);
    }
    if (!this.#chain) this.#prep();
  }

  /** The chain into the SQ, when two entries are free (else at the next flush or arm). */
  #prep(): boolean {
    const r = this.#ring;
    if (r.sqSpaceLeft() < 2 || this.#closed) return false;
    const a = scratch();
    const rd = r.getSqe()!;
    rd.prepRw(Op.READ, this.#efd, a, 8, 0);
    rd.flags = SqeFlag.IO_HARDLINK | SqeFlag.CQE_SKIP_SUCCESS;
    rd.userData = UD_WAKE;
    const s = r.getSqe()!;
    s.prepRw(Op.SEND, this.#bell.wfd, a + 8, 1, 0);
    s.opFlags = MSG_NOSIGNAL;
    s.flags = SqeFlag.CQE_SKIP_SUCCESS;
    s.userData = UD_WAKE;
    this.#chain = true;
    return true;
  }

  arm(): boolean {
    if (this.#broken || this.#closed) throw new Error("the wake-up socket is closed");
    if (!this.#chain) {
      if (!this.#prep() || !this.#host._submit()) throw new Error("no room for the wake-up");
    }
    this.#on = true;
    this.#ring.cqEventfdToggle(true);
    if (this.#ring.cqReady() !== 0) return false;
    this.armed = true;
    this.#bell.keepAlive(this.#hold);
    return true;
  }

  /** Whether the armed bell keeps the process alive. */
  hold(keep: boolean): void {
    this.#hold = keep;
    if (!this.armed) return;
    this.#bell.keepAlive(keep);
  }

  /** Nothing in flight: the chain may stay armed (signals are off), the socket lets go. */
  rest(): void {
    this.armed = false;
    this.#bell.unref();
  }

  /** A chain CQE: only a failed read or send posts one; the chain is gone. */
  cqe(): void {
    this.#chain = false;
  }

  interrupt(): void {}

  /** Closes the bell and the eventfd (the ring keeps its own reference until it closes). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.armed = false;
    this.#bell.close();
    libcOf().close(this.#efd);
  }
}
