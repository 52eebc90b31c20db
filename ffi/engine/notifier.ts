/**
 * The completion waiter's doorbell for `deferTaskrun` rings (`_async_engine.ts`).
 *
 * On a ring set up with `IORING_SETUP_DEFER_TASKRUN`, completion work is queued for the issuer
 * thread and only runs when that thread calls `io_uring_enter(GETEVENTS)`; the same call from
 * the engine's waiter (a Deno FFI worker thread) fails with `EEXIST`. So the waiter sleeps on a
 * second, small plain ring instead: an eventfd is registered on the main ring, and the kernel
 * signals it when it queues deferred work onto an empty work list, and when it posts CQEs
 * (`io_eventfd_signal`). A read of that eventfd armed on this notifier ring completes on the
 * signal, and its CQE wakes the waiter, which hands the work back to the JS thread.
 *
 * What the kernel does here (checked on Linux 6.18 with `Ring`s; the signal and the one-shot
 * poll are pinned by tests/async_defer_taskrun_test.ts):
 * - A poll on the main ring's fd does not fire for deferred work (only for posted CQEs).
 * - A multishot poll on the eventfd is turned one-shot by the kernel (a wake-up from io_uring's
 *   own signal, `EPOLL_URING_WAKE`), and it fires again at once when re-armed while the counter
 *   is not zero. The counter must be read, so the doorbell is a read, which also zeroes it.
 * - The main ring signals for CQEs the JS thread's own enters post too: the counter is almost
 *   always non-zero when the engine decides to sleep. `prime()` therefore first drains it with a
 *   `RWF_NOWAIT` read, then arms the blocking read, both in one `io_uring_enter`.
 *
 * No lost wake-up: deferred work queued before the drain may have signalled already (the kernel
 * signals only when the work list was empty), so after `prime()` the engine runs the main ring's
 * work once more (`getEvents()`) before it sleeps; work queued after that finds the list empty
 * and signals the armed read.
 *
 * @module
 */
import { CqeBatch } from "../ring/mod.ts";
import { alignedBuffer } from "../sys/mod.ts";
import { eventfd } from "../sys/mod.ts";
import { Errno, UringError } from "../sys/mod.ts";
import { Ring } from "../ring/mod.ts";

const { ECANCELED, EAGAIN, EINTR } = Errno;

/** `RWF_NOWAIT`: the draining read fails with `EAGAIN` on a zero counter instead of waiting. */
const RWF_NOWAIT = 8;
/** User data of the notifier's SQEs. */
const UD_DRAIN = 1;
const UD_READ = 2;
const UD_NOP = 3;

/**
 * An eventfd registered on a `deferTaskrun` ring, read by a small plain ring that the engine's
 * waiter can sleep on from another thread.
 *
 * @internal
 */
export class _Notifier {
  /** The plain ring the waiter sleeps on. */
  readonly ring: Ring;
  #main: Ring;
  #efd = -1;
  /** A blocking read of the eventfd is in the kernel (its CQE not reaped yet). */
  #armed = false;
  /** 8-byte landing spots for the two reads; never exposed, and SharedArrayBuffer-backed. */
  #buf = alignedBuffer(16, 8);
  #batch = new CqeBatch(8);
  #closed = false;

  /**
   * Makes the eventfd, registers it on `main` and sets up the notifier ring.
   *
   * @throws {UringError} when the kernel refuses (an eventfd already registered on `main`: EBUSY)
   */
  constructor(main: Ring) {
    this.#main = main;
    this.ring = new Ring({ entries: 4, registerRingFd: false });
    try {
      this.#efd = eventfd();
      main.registerEventfd(this.#efd);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** The notifier ring's fd, for `io_uring_enter(GETEVENTS)` on the waiter's thread. */
  get fd(): number {
    return this.ring.fd;
  }

  /** CQEs ready on the notifier ring (an unreaped one makes the waiter return at once). */
  cqReady(): number {
    return this.ring.cqReady();
  }

  /**
   * Reaps the notifier's CQEs (the waiter returns for them; their content is not needed).
   *
   * @throws {UringError} when the blocking read failed for a reason other than a cancel
   */
  drain(): void {
    const b = this.#batch;
    let n: number;
    do {
      n = this.ring.copyCqes(b, 0);
      for (let i = 0; i < n; i++) {
        if (b.userData(i) !== UD_READ) continue;
        this.#armed = false;
        const res = b.res(i);
        if (res < 0 && res !== -ECANCELED && res !== -EINTR && res !== -EAGAIN) {
          throw new UringError(-res, "read", "the eventfd doorbell of a deferTaskrun AsyncRing");
        }
      }
    } while (n === b.capacity);
  }

  /**
   * Leaves the eventfd counter at zero, a blocking read of it armed and the notifier's CQ empty:
   * the state in which the waiter may sleep. One `io_uring_enter` in the usual case.
   */
  prime(): void {
    for (let round = 0; round < 4; round++) {
      this.drain();
      if (this.#armed) return;
      const r = this.ring;
      const d = r.getSqe()!; // 4 entries, at most 2 in flight: there is room
      d.prepRead(this.#efd, this.#buf.subarray(0, 8), 0);
      d.opFlags = RWF_NOWAIT;
      d.userData = UD_DRAIN;
      const s = r.getSqe()!;
      s.prepRead(this.#efd, this.#buf.subarray(8, 16), 0);
      s.userData = UD_READ;
      r.submit();
      this.#armed = true;
    }
    this.drain(); // a signal raced each round: the read's CQE is reaped, the waiter will see why
  }

  /** Posts a NOP whose CQE makes a sleeping waiter return. */
  postNop(): void {
    const r = this.ring;
    let s = r.getSqe();
    if (s === null) {
      r.submit();
      s = r.getSqe();
      if (s === null) return;
    }
    s.prepNop();
    s.userData = UD_NOP;
    r.submit();
  }

  /**
   * Unregisters the eventfd (unless the main ring is closed already), closes the notifier ring
   * (which cancels the armed read and waits for it) and the eventfd. Idempotent; call it only
   * when no waiter sleeps on the notifier.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#main.closed && this.#efd >= 0) {
      try {
        this.#main.unregisterEventfd();
      } catch { /* not registered: the constructor failed there */ }
    }
    const r = this.ring;
    if (this.#efd >= 0 && !r.closed) {
      try {
        this.drain();
        const s = r.getSqe() ?? (r.submit(), r.getSqe());
        if (s !== null) {
          s.prepClose(this.#efd);
          s.userData = UD_NOP;
          r.submit();
        }
      } catch { /* closed with the process at worst */ }
    }
    r.close(); // cancels the armed read and reaps it; the close above ran inline or is reaped too
  }
}
