/**
 * The worker-thread waiter: a nonblocking FFI call sleeps in `io_uring_enter(GETEVENTS,
 * min_complete = 1)` on one of Deno's worker threads; when it returns, the engine flushes on the
 * event loop. Nothing to load and no fd of its own, so it is where every ring starts; each wake
 * crosses threads twice (kernel → worker → event loop).
 *
 * A waiter that sleeps when the last op settles is woken by a NOP whose CQE is left unreaped:
 * `io_uring_enter` returns at once while a CQE waits, so the wake-up cannot be lost however late
 * the worker thread enters the kernel.
 *
 * On a `deferTaskrun` ring the waiter sleeps on the notifier's small plain ring instead
 * (`notifier.ts`), and arming first runs the work queued for this thread.
 *
 * @internal
 * @module
 */
import { EnterFlag, Errno, type Native, native, UringError } from "../sys/mod.ts";
import type { Ring } from "../ring/mod.ts";
import { _Notifier } from "./notifier.ts";
import type { _WakeHost, _Waker } from "./_waker.ts";

const { EINTR, ETIME, EBUSY, EAGAIN } = Errno;
/** `IORING_SETUP_DEFER_TASKRUN`. */
const DEFER_TASKRUN = 1 << 13;
/** `IORING_SETUP_TASKRUN_FLAG`: the kernel flags pending completion work in the SQ flags. */
const TASKRUN_FLAG = 1 << 9;

/** @internal */
export class _ThreadWaker implements _Waker {
  readonly kind = "thread";
  /** The waiter sleeps (its FFI call has not returned). */
  armed = false;
  /** Idle wakes so far (the engine moves to an event-loop wake-up after enough of them). */
  wakes = 0;
  #host: _WakeHost;
  #ring: Ring;
  #lib: Native;
  #notifier: _Notifier | undefined;
  #flagged = false;
  #interrupted = false;
  #onBack = (ret: number): void => this.#back(ret);
  #onFailed = (e: unknown): void => {
    this.armed = false;
    this.#host._wakeFailed(e);
  };

  constructor(host: _WakeHost) {
    this.#host = host;
    this.#ring = host.ring;
    this.#lib = native();
    if (this.#ring.setupFlags & DEFER_TASKRUN) {
      this.#notifier = new _Notifier(this.#ring);
      this.#flagged = (this.#ring.setupFlags & TASKRUN_FLAG) !== 0;
    }
  }

  get sleeping(): boolean {
    return this.armed;
  }

  busy(): void {}

  /** A pending FFI call always holds the event loop (the engine moves off the thread). */
  hold(_keep: boolean): void {}

  arm(): boolean {
    let fd = this.#ring.fd;
    const n = this.#notifier;
    if (n !== undefined) {
      // Drain the eventfd, then run the work queued before that: work queued after it finds
      // the list empty and signals the armed read (see notifier.ts).
      n.prime();
      if (this.#flagged) this.#ring.submit(); // enters only when work is flagged
      else this.#ring.getEvents();
      if (this.#ring.cqReady() !== 0) return false;
      fd = n.fd;
    }
    this.armed = true;
    this.#lib.uring_wait(fd, 0, 1, EnterFlag.GETEVENTS).then(this.#onBack, this.#onFailed);
    return true;
  }

  #back(ret: number): void {
    this.armed = false;
    this.wakes++;
    if (!this.#interrupted) {
      if (ret < 0 && ret !== -EINTR && ret !== -ETIME && ret !== -EBUSY && ret !== -EAGAIN) {
        this.#host._wakeFailed(new UringError(-ret, "io_uring_enter"));
        return;
      }
      if (this.#notifier !== undefined) {
        try {
          this.#notifier.drain();
        } catch (e) {
          this.#host._wakeFailed(e);
          return;
        }
      }
    }
    this.#host._woken();
  }

  rest(): void {
    if (!this.armed) return;
    const n = this.#notifier;
    if (n !== undefined) {
      if (n.cqReady() === 0) n.postNop();
    } else if (this.#ring.cqReady() === 0) this.#host._postNop();
  }

  cqe(): void {}

  interrupt(): void {
    this.#interrupted = true;
    // a plain ring's waiter returns for the engine's closing NOP; this one sleeps elsewhere
    if (this.armed) this.#notifier?.postNop();
  }

  close(): void {
    this.#notifier?.close();
  }
}
