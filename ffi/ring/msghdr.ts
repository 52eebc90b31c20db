/**
 * `MsgHdr`: a `struct msghdr` for `prepSendmsg`, `prepRecvmsg` and their zero-copy and multishot
 * forms.
 *
 * @module
 */
import { addressOf, checkBuffer } from "../sys/mod.ts";
import type { MsgHdrLike } from "./sqe_args.ts";
import { iovecs } from "./sqe_args.ts";

const TWO32 = 4294967296;

/**
 * What a {@link MsgHdr} points at.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, MsgHdr, type MsgHdrInit, Ring, Sock, sockaddr } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const fd = await io.socket(Sock.AF_INET, Sock.SOCK_DGRAM);
 * await io.bind(fd, { hostname: "127.0.0.1", port: 0 });
 * const to = sockaddr(io.localAddr(fd));
 * const init: MsgHdrInit = { iov: [new TextEncoder().encode("hi")], name: to };
 * using ring = new Ring({ entries: 2 });
 * ring.getSqe()!.prepSendmsg(fd, new MsgHdr(init)); // a datagram to itself
 * ring.submitAndWait(1);
 * assertEquals([ring.waitCqe()!.res, await io.recv(fd, new Uint8Array(8))], [2, 2]);
 * await io.closeFd(fd);
 * ```
 */
export interface MsgHdrInit {
  /** Buffers to send from or receive into, in order (the `iovec` array). */
  iov?: readonly ArrayBufferView[];
  /** A `struct sockaddr` (see `sockaddr()`): the destination for sendmsg, room for the peer's
   * address for recvmsg. */
  name?: ArrayBufferView | null;
  /** Ancillary data (`cmsghdr`s) to send, or room for it on receive. */
  control?: ArrayBufferView | null;
}

/**
 * A 56-byte `struct msghdr` (x86-64/aarch64 layout) that holds a reference to every buffer it
 * points at, so they live as long as the `MsgHdr` does; the preps hold the `MsgHdr` itself until
 * the op's final CQE. After a recvmsg, `nameLength`, `controlLength` and `flags` read what the
 * kernel wrote back.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MsgHdr, sockaddr } from "../../mod.ts";
 * const msg = new MsgHdr({
 *   iov: [new TextEncoder().encode("hi")],
 *   name: sockaddr({ hostname: "127.0.0.1", port: 9 }),
 * });
 * assertEquals([msg.bytes.byteLength, msg.nameLength], [56, 16]);
 * ```
 */
export class MsgHdr implements MsgHdrLike {
  /** The `struct msghdr` bytes handed to the kernel. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** The buffers of the `iovec` array. */
  readonly iov: readonly ArrayBufferView[];
  /** The address buffer, or null. */
  readonly name: ArrayBufferView | null;
  /** The ancillary data buffer, or null. */
  readonly control: ArrayBufferView | null;
  #iovecs: Uint32Array<ArrayBuffer>;
  #view: DataView;

  /**
   * Lays out the `struct msghdr` and its `iovec` array over `init`'s buffers.
   *
   * @param init the buffers to point at; all optional
   * @throws {TypeError} for a detached or resizable buffer
   */
  constructor(init: MsgHdrInit = {}) {
    const iov = [...(init.iov ?? [])];
    const name = init.name ?? null;
    const control = init.control ?? null;
    if (name !== null) checkBuffer(name, "name");
    if (control !== null) checkBuffer(control, "control");
    this.iov = iov;
    this.name = name;
    this.control = control;
    this.#iovecs = iovecs(iov);
    this.bytes = new Uint8Array(56);
    this.#view = new DataView(this.bytes.buffer);
    const v = this.#view;
    const put64 = (at: number, n: number) => {
      v.setUint32(at, n % TWO32, true);
      v.setUint32(at + 4, Math.floor(n / TWO32), true);
    };
    if (name !== null) {
      put64(0, addressOf(name));
      v.setUint32(8, name.byteLength, true);
    }
    if (iov.length > 0) put64(16, addressOf(this.#iovecs));
    put64(24, iov.length);
    if (control !== null) {
      put64(32, addressOf(control));
      put64(40, control.byteLength);
    }
  }

  /** `msg_namelen`: the address length (updated by the kernel on receive). */
  get nameLength(): number {
    return this.#view.getUint32(8, true);
  }

  /** `msg_controllen`: the ancillary data length (updated by the kernel on receive). */
  get controlLength(): number {
    return this.#view.getUint32(40, true);
  }

  /** `msg_flags`: `MSG_*` bits the kernel reports on receive (`MSG_TRUNC`, `MSG_CTRUNC`). */
  get flags(): number {
    return this.#view.getInt32(48, true);
  }
}
