/**
 * The wake-ups through Deno's own event loop, and the first of them: a poll on the ring's fd.
 *
 * Deno sleeps in `epoll_wait` on its one event-loop thread and only watches fds of its own
 * resources. `node:net` wraps a socket fd in one (`new net.Socket({ fd })`: Deno's own epoll
 * registration, `--allow-ffi` is enough; an eventfd or an io_uring fd is refused as "UNKNOWN").
 * So both event-loop strategies end in `_SocketBell`: a `socketpair(AF_UNIX)` whose one end Deno
 * reads, and whose other end the kernel writes a byte to from an io_uring send, so the wake-up
 * stays on the event-loop thread. `node:net` is loaded with a dynamic import when a ring has
 * proved long-lived (see `engine.ts`): loading it costs ~20 ms.
 *
 * `_PollWaker` holds a one-shot `POLL_ADD(POLLIN)` on the main ring's fd on a small second ring,
 * hard-linked to the 1-byte send. A ring's fd polls readable while its CQ holds CQEs. The poll is
 * level-checked when armed, so a CQE posted between the engine's last reap and the arm fires it
 * at once: no wake-up is lost. Per idle wake: the second ring's `io_uring_enter` to re-arm, and
 * Deno's reads of the byte. `_wake_eventfd.ts` saves the re-arm.
 *
 * Not for `deferTaskrun` rings: their completion work is queued without posting CQEs, so the
 * poll would not fire (`notifier.ts`); they keep the worker-thread waiter.
 *
 * @internal
 * @module
 */
import type { Socket } from "node:net";
import { alignedBuffer, type Libc, libc as openLibc, SqeFlag } from "../sys/mod.ts";
import { Ring } from "../ring/mod.ts";
import type { _WakeHost, _Waker } from "./_waker.ts";

const POLLIN = 1;
const UD_POLL = 1;
const UD_SEND = 2;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
/** A send to a closed peer fails with EPIPE instead of raising SIGPIPE. */
export const MSG_NOSIGNAL = 0x4000;

let libc: Libc | undefined;

type Net = typeof import("node:net");
let net: Net | undefined;
let netLoading: Promise<void> | undefined;
let netFailed = false;

/**
 * `node:net` once loaded; the first call starts loading it and returns undefined. Undefined for
 * good when it cannot be loaded (the engine then stays on the worker thread).
 *
 * @internal
 */
export function loadNet(): Net | undefined {
  if (net === undefined && netLoading === undefined && !netFailed) {
    netLoading = import("node:net").then((m) => {
      net = m;
    }, () => {
      netFailed = true;
    });
  }
  return net;
}

/**
 * Resolves once `node:net` is loaded (true) or known not to load (false); starts loading it.
 *
 * @internal
 */
export async function netLoaded(): Promise<boolean> {
  loadNet();
  await netLoading;
  return net !== undefined;
}

/** The libc functions the bells use (socketpair, close), opened once. */
export function libcOf(): Libc {
  return libc ??= openLibc();
}

/**
 * A socket pair: Deno's event loop reads one end; `wfd`, the other end, is for the kernel to
 * send a byte to.
 *
 * @internal
 */
export class _SocketBell {
  /** The end the kernel writes to. */
  readonly wfd: number;
  #sock: Socket;
  #refd = false;
  #closed = false;

  /**
   * Makes the pair and Deno's socket over it, or returns null when they cannot be made (out of
   * fds, `node:net` not loaded).
   *
   * @param onRing called on the event loop when bytes arrived
   * @param onError called (once) if the socket fails
   */
  static create(onRing: () => void, onError: () => void): _SocketBell | null {
    if (net === undefined) return null;
    let fds: Int32Array | undefined;
    try {
      const c = libcOf();
      fds = new Int32Array([-1, -1]);
      if (c.socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) !== 0) {
        return null;
      }
      const sock = new net.Socket({ fd: fds[0], readable: true, writable: false });
      return new _SocketBell(sock, fds[1], onRing, onError);
    } catch {
      if (fds !== undefined && libc !== undefined) {
        for (const fd of fds) if (fd >= 0) libc.close(fd);
      }
      return null;
    }
  }

  private constructor(sock: Socket, wfd: number, onRing: () => void, onError: () => void) {
    this.#sock = sock;
    this.wfd = wfd;
    sock.unref();
    sock.on("data", onRing);
    // Cannot happen while this object owns both ends; if it does, the waker reports it.
    sock.on("error", () => {
      this.close();
      onError();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The socket keeps the event loop alive. */
  ref(): void {
    if (!this.#refd) {
      this.#refd = true;
      this.#sock.ref();
    }
  }

  /** The socket no longer keeps the event loop alive. */
  unref(): void {
    if (this.#refd) {
      this.#refd = false;
      this.#sock.unref();
    }
  }

  /** `ref()` when `keep`, else `unref()`. */
  keepAlive(keep: boolean): void {
    if (keep) this.ref();
    else this.unref();
  }

  /** Closes Deno's socket and the peer fd (call it after the ring that sends here closed). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sock.destroy();
    libc?.close(this.wfd);
  }
}

/**
 * A poll on a ring's fd, on a small second ring, that rings a socket Deno's event loop reads.
 *
 * @internal
 */
export class _PollWaker implements _Waker {
  readonly kind = "socket";
  /** The bell is armed for ops in flight: its `data` callback flushes. */
  armed = false;
  readonly sleeping = false;
  #host: _WakeHost;
  #ring: Ring;
  #bell: _SocketBell;
  /** The poll → send chain is in the kernel (its send's CQE not reaped yet). */
  #chain = false;
  #broken = false;
  #closed = false;
  /** The armed bell keeps the process alive. */
  #hold = true;
  /** The byte sent; SharedArrayBuffer-backed, never exposed. */
  #byte = alignedBuffer(1);

  /** Makes the bell and the small ring, or returns null when one of them cannot be made. */
  static create(host: _WakeHost): _PollWaker | null {
    let ring: Ring | undefined;
    let w: _PollWaker | undefined;
    const bell = _SocketBell.create(() => w!.#rang(), () => w!.#failed());
    if (bell === null) return null;
    try {
      ring = new Ring({ entries: 2 });
    } catch {
      bell.close();
      return null;
    }
    return w = new _PollWaker(host, ring, bell);
  }

  private constructor(host: _WakeHost, ring: Ring, bell: _SocketBell) {
    this.#host = host;
    this.#ring = ring;
    this.#bell = bell;
  }

  #rang(): void {
    if (!this.armed || this.#closed) return;
    this.armed = false;
    this.#host._woken();
  }

  /** The socket failed: wake the engine, whose next arm then throws and falls back. */
  #failed(): void {
    this.#broken = true;
    this.#rang();
  }

  busy(): void {}

  /** One `io_uring_enter` when the last chain has fired; none while it is still armed. */
  arm(): boolean {
    if (this.#broken || this.#closed) throw new Error("the wake-up socket is closed");
    const r = this.#ring;
    if (this.#chain && r.cqReady() !== 0) {
      const v = r.peekCqes(0), n = v.length;
      for (let i = 0; i < n; i++) if (v.userData(i) === UD_SEND) this.#chain = false;
      r.cqAdvance(n);
    }
    if (!this.#chain) {
      const p = r.getSqe()!; // 2 entries, and nothing in flight: there is room
      p.prepPollAdd(this.#host.ring.fd, POLLIN);
      p.flags = SqeFlag.IO_HARDLINK; // the send goes even if the poll fails: a wake, not a hang
      p.userData = UD_POLL;
      const s = r.getSqe()!;
      s.prepSend(this.#bell.wfd, this.#byte, MSG_NOSIGNAL);
      s.userData = UD_SEND;
      r.submit();
      this.#chain = true;
    }
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

  /** Lets the process exit while nothing is in flight (an armed poll stays, harmlessly). */
  rest(): void {
    this.armed = false;
    this.#bell.unref();
  }

  cqe(): void {}

  interrupt(): void {}

  /** Closes the small ring (which cancels and reaps the chain), then the bell. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.armed = false;
    try {
      this.#ring.close();
    } catch { /* closed already */ }
    this.#bell.close();
  }
}
