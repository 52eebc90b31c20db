/**
 * `Sqe`: one submission queue entry, written in place in the ring's shared SQE memory.
 *
 * Every liburing `io_uring_prep_X(sqe, ...)` is `sqe.prepX(...)` here. All of them are a few lines
 * over one common writer, {@link Sqe.prepRw}, the way liburing's `io_uring_prep_rw` works.
 *
 * @module
 */
import {
  AcceptFlag,
  CancelFlag,
  FILE_INDEX_ALLOC,
  Op,
  PollFlag,
  RecvSendFlag,
  SqeFlag,
  TimeoutFlag,
} from "./constants.ts";
import { addressOf, checkBuffer } from "./_memory.ts";
import type { FdLike } from "./fixed.ts";
import {
  type _SqMemory,
  checkU32,
  type FutexWait,
  isView,
  type MsgHdrLike,
  ProvidedRegion,
  SqeWord,
  type Timespec,
  timespec,
} from "./_sqe_base.ts";
import { _FileSqe } from "./_sqe_file.ts";

const TWO32 = 4294967296; // local, as in _sqe_base.ts: V8 folds it only in its own module

export {
  _SqMemory,
  AT_FDCWD,
  type FixedBufferSource,
  type FutexWait,
  iovecs,
  type MsgHdrLike,
  type OpenHow,
  ProvidedRegion,
  SqeWord,
  type Timespec,
  timespec,
} from "./_sqe_base.ts";

/**
 * One submission queue entry in the ring's shared memory. Get one from `Ring.getSqe()`; it is
 * zeroed when handed out and valid until the next `submit*` call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Ring, SqeFlag } from "../mod.ts";
 * using ring = new Ring({ entries: 8 });
 * const sqe = ring.getSqe()!;
 * sqe.prepNop();
 * sqe.userData = 2 ** 53 - 1;
 * sqe.flags |= SqeFlag.ASYNC;
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.userData === 2 ** 53 - 1);
 * ```
 */
export class Sqe extends _FileSqe {
  /** @internal Made by `Ring` only, one per SQ slot. */
  constructor(memory: _SqMemory, slot: number) {
    super(memory, slot);
  }

  // ---- polling, epoll --------------------------------------------------------------------

  /** Like `io_uring_prep_poll_add(3)`: `res` is the ready `PollEvent` mask. Linux 5.1. */
  prepPollAdd(fd: FdLike, pollMask: number): void {
    this.prepRw(Op.POLL_ADD, fd, null, 0, 0);
    this.opFlags = pollMask;
  }

  /** Like `io_uring_prep_poll_multishot(3)`: a CQE each time `fd` becomes ready. Linux 5.13. */
  prepPollMultishot(fd: FdLike, pollMask: number): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    this.prepPollAdd(fd, pollMask);
    this._m.u32[this._w + SqeWord.LEN] = PollFlag.ADD_MULTI;
  }

  /** Like `io_uring_prep_poll_remove(3)`: cancel the poll whose user data is `userData`. 5.1. */
  prepPollRemove(userData: number): void {
    this.prepRw(Op.POLL_REMOVE, -1, null, 0, 0);
    this._set64(SqeWord.ADDR, userData);
  }

  /**
   * Like `io_uring_prep_poll_update(3)`: change the events and/or user data of an armed poll
   * (`PollFlag.UPDATE_EVENTS`, `PollFlag.UPDATE_USER_DATA`). Linux 5.13.
   */
  prepPollUpdate(oldUserData: number, newUserData: number, pollMask: number, flags: number): void {
    this.prepRw(Op.POLL_REMOVE, -1, null, flags, newUserData);
    this._set64(SqeWord.ADDR, oldUserData);
    this.opFlags = pollMask;
  }

  /**
   * Like `io_uring_prep_epoll_ctl(3)`: `op` is `EPOLL_CTL_ADD` (1), `DEL` (2) or `MOD` (3), with
   * `events` and 64-bit `data` as in `struct epoll_event`. Linux 5.6.
   */
  prepEpollCtl(epfd: FdLike, fd: number, op: number, events = 0, data = 0): void {
    const ev = new Uint8Array(12);
    const v = new DataView(ev.buffer);
    v.setUint32(0, events, true);
    v.setUint32(4, data % TWO32, true);
    v.setUint32(8, data / TWO32, true);
    this.prepRw(Op.EPOLL_CTL, epfd, ev, op, fd);
  }

  /**
   * Like `io_uring_prep_epoll_wait(3)`: waits for events on `epfd`; `events` receives up to
   * `maxEvents` packed 12-byte `struct epoll_event`s, `res` is their count. Linux 6.15.
   */
  prepEpollWait(epfd: FdLike, events: ArrayBufferView, maxEvents: number, flags = 0): void {
    isView(events, "events");
    if (events.byteLength < maxEvents * 12) {
      throw new RangeError(`events must hold ${maxEvents} epoll_event structs (12 bytes each)`);
    }
    this.prepRw(Op.EPOLL_WAIT, epfd, events, maxEvents, 0);
    this.opFlags = flags;
  }

  // ---- timeouts and cancellation -----------------------------------------------------------

  /**
   * Like `io_uring_prep_timeout(3)`: completes with `-ETIME` after `ts`, or with 0 once `count`
   * other CQEs were posted. Linux 5.4.
   *
   * @param ts milliseconds, or `{ sec, nsec }`
   * @param count CQEs that end the timeout early; 0 for a pure timer
   * @param flags `TimeoutFlag` bits
   */
  prepTimeout(ts: Timespec, count = 0, flags = 0): void {
    if (flags & TimeoutFlag.MULTISHOT) this._m.tracking = true;
    this.prepRw(Op.TIMEOUT, -1, timespec(ts), 1, count);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_timeout_remove(3)`: cancel the timeout with `userData`. Linux 5.5. */
  prepTimeoutRemove(userData: number, flags = 0): void {
    this.prepRw(Op.TIMEOUT_REMOVE, -1, null, 0, 0);
    this._set64(SqeWord.ADDR, userData);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_timeout_update(3)`: re-arm the timeout with `userData`. Linux 5.11. */
  prepTimeoutUpdate(ts: Timespec, userData: number, flags = 0): void {
    this.prepRw(Op.TIMEOUT_REMOVE, -1, null, 0, 0);
    this._addrAt(SqeWord.OFF, timespec(ts));
    this._set64(SqeWord.ADDR, userData);
    this.opFlags = flags | TimeoutFlag.UPDATE;
  }

  /**
   * Like `io_uring_prep_link_timeout(3)`: cancels the SQE linked before this one (which must
   * carry `SqeFlag.IO_LINK`) if it has not completed after `ts`. Linux 5.5.
   */
  prepLinkTimeout(ts: Timespec, flags = 0): void {
    this.prepRw(Op.LINK_TIMEOUT, -1, timespec(ts), 1, 0);
    this.opFlags = flags;
  }

  /**
   * Like `io_uring_prep_cancel64(3)`: cancel the request whose user data is `userData`.
   * `CancelFlag.ALL` cancels every match, `CancelFlag.ANY` every request. Linux 5.5 (flags 5.19).
   */
  prepCancel(userData: number, flags = 0): void {
    this.prepRw(Op.ASYNC_CANCEL, -1, null, 0, 0);
    this._set64(SqeWord.ADDR, userData);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_cancel_fd(3)`: cancel requests on `fd`. Linux 5.19. */
  prepCancelFd(fd: FdLike, flags = 0): void {
    this.prepRw(Op.ASYNC_CANCEL, fd, null, 0, 0);
    let f = flags | CancelFlag.FD;
    if (this.flags & SqeFlag.FIXED_FILE) {
      this.flags &= ~SqeFlag.FIXED_FILE;
      f |= CancelFlag.FD_FIXED;
    }
    this.opFlags = f;
  }

  // ---- sockets ---------------------------------------------------------------------------

  /**
   * Like `io_uring_prep_socket(3)`: `res` is the new socket fd. Linux 5.19.
   *
   * @param domain `AF_INET` (2), `AF_INET6` (10), `AF_UNIX` (1)
   * @param type `SOCK_STREAM` (1), `SOCK_DGRAM` (2), optionally with `SOCK_CLOEXEC`/`SOCK_NONBLOCK`
   */
  prepSocket(domain: number, type: number, protocol = 0, flags = 0): void {
    this.prepRw(Op.SOCKET, domain, null, protocol, type);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_socket_direct(3)`: the socket goes into slot `fileIndex`. 5.19. */
  prepSocketDirect(
    domain: number,
    type: number,
    protocol: number,
    flags: number,
    fileIndex: number,
  ) {
    this.prepSocket(domain, type, protocol, flags);
    this._target(fileIndex);
  }

  /** Like `io_uring_prep_socket_direct_alloc(3)`: the kernel picks the slot (`res`). 5.19. */
  prepSocketDirectAlloc(domain: number, type: number, protocol = 0, flags = 0): void {
    this.prepSocketDirect(domain, type, protocol, flags, FILE_INDEX_ALLOC);
  }

  /** Like `io_uring_prep_bind(3)`: `addr` is a `struct sockaddr` (see `sockaddr()`). Linux 6.11. */
  prepBind(fd: FdLike, addr: ArrayBufferView): void {
    isView(addr, "addr");
    this.prepRw(Op.BIND, fd, addr, 0, addr.byteLength);
  }

  /** Like `io_uring_prep_listen(3)`. Linux 6.11. */
  prepListen(fd: FdLike, backlog: number): void {
    this.prepRw(Op.LISTEN, fd, null, backlog, 0);
  }

  /** Like `io_uring_prep_connect(3)`: `addr` is a `struct sockaddr`. Linux 5.5. */
  prepConnect(fd: FdLike, addr: ArrayBufferView): void {
    isView(addr, "addr");
    this.prepRw(Op.CONNECT, fd, addr, 0, addr.byteLength);
  }

  /**
   * Like `io_uring_prep_accept(3)`: `res` is the connection fd. `addr` (a sockaddr buffer) and
   * `addrLen` (its length in element 0, updated by the kernel) may both be null. Linux 5.5.
   */
  prepAccept(
    fd: FdLike,
    addr: ArrayBufferView | null = null,
    addrLen: Uint32Array | null = null,
    flags = 0,
  ): void {
    if (addr !== null) isView(addr, "addr");
    this.prepRw(Op.ACCEPT, fd, addr, 0, 0);
    if (addrLen !== null) this._addrAt(SqeWord.OFF, addrLen);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_accept_direct(3)`: the connection goes into slot `fileIndex`. 5.15. */
  prepAcceptDirect(
    fd: FdLike,
    addr: ArrayBufferView | null,
    addrLen: Uint32Array | null,
    flags: number,
    fileIndex: number,
  ): void {
    this.prepAccept(fd, addr, addrLen, flags);
    this._target(fileIndex);
  }

  /** Like `io_uring_prep_multishot_accept(3)`: one CQE per connection. Linux 5.19. */
  prepMultishotAccept(
    fd: FdLike,
    addr: ArrayBufferView | null = null,
    addrLen: Uint32Array | null = null,
    flags = 0,
  ): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    this.prepAccept(fd, addr, addrLen, flags);
    this.ioprio = this.ioprio | AcceptFlag.MULTISHOT;
  }

  /**
   * Like `io_uring_prep_multishot_accept_direct(3)`: each connection goes into a free slot of the
   * file table, `res` is the slot. Linux 5.19.
   */
  prepMultishotAcceptDirect(
    fd: FdLike,
    addr: ArrayBufferView | null = null,
    addrLen: Uint32Array | null = null,
    flags = 0,
  ): void {
    this.prepMultishotAccept(fd, addr, addrLen, flags);
    this._target(FILE_INDEX_ALLOC);
  }

  /** Like `io_uring_prep_send(3)`: `res` is the bytes sent. Linux 5.6. */
  prepSend(fd: FdLike, buf: ArrayBufferView, flags = 0): void {
    isView(buf);
    this.prepRw(Op.SEND, fd, buf, buf.byteLength, 0);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_sendto(3)`: send to `addr` (a `struct sockaddr`). Linux 6.0. */
  prepSendto(fd: FdLike, buf: ArrayBufferView, flags: number, addr: ArrayBufferView): void {
    isView(addr, "addr");
    this.prepSend(fd, buf, flags);
    this._addrAt(SqeWord.OFF, addr);
    const w = this._w + SqeWord.FILE_INDEX, u = this._m.u32;
    u[w] = (u[w] & 0xffff0000) | (addr.byteLength & 0xffff);
  }

  /**
   * Like `io_uring_prep_send_bundle(3)`: send as many buffers of group `bufGroup` as are queued
   * (`RecvSendFlag.BUNDLE`). Linux 6.10.
   */
  prepSendBundle(fd: FdLike, len: number, flags: number, bufGroup: number): void {
    this.prepRw(Op.SEND, fd, null, len, 0);
    this.opFlags = flags;
    this.ioprio = this.ioprio | RecvSendFlag.BUNDLE;
    this.bufGroup = bufGroup;
    this.flags |= SqeFlag.BUFFER_SELECT;
  }

  /**
   * Like `io_uring_prep_send_zc(3)`: zero-copy send. Two CQEs: the result with `CqeFlag.MORE`,
   * then a `CqeFlag.NOTIF` one when `buf` may be reused; the buffer is held until then. 6.0.
   */
  prepSendZc(fd: FdLike, buf: ArrayBufferView, flags = 0, zcFlags = 0): void {
    isView(buf);
    this.prepRw(Op.SEND_ZC, fd, buf, buf.byteLength, 0);
    this.opFlags = flags;
    this.ioprio = zcFlags;
  }

  /** Like `io_uring_prep_recv(3)`: `res` is the bytes received, 0 at EOF. Linux 5.6. */
  prepRecv(fd: FdLike, buf: ArrayBufferView, flags = 0): void {
    isView(buf);
    this.prepRw(Op.RECV, fd, buf, buf.byteLength, 0);
    this.opFlags = flags;
  }

  /**
   * Like `io_uring_prep_recv_multishot(3)` with buffer selection: one CQE per receive, each into
   * a buffer of group `bufGroup` (`CqeFlag.BUFFER`, id in `flags >>> 16`). Linux 6.0.
   */
  prepRecvMultishot(fd: FdLike, bufGroup: number, flags = 0): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    this.prepRw(Op.RECV, fd, null, 0, 0);
    this.opFlags = flags;
    this.ioprio = this.ioprio | RecvSendFlag.RECV_MULTISHOT;
    this.bufGroup = bufGroup;
    this.flags |= SqeFlag.BUFFER_SELECT;
  }

  /**
   * Zero-copy multishot receive (`IORING_OP_RECV_ZC`, as liburing's zcrx test prepares it): data
   * lands in the memory of interface queue `ifqIndex`. Needs `IORING_REGISTER_ZCRX_IFQ` and a NIC
   * with header split and a dedicated rx queue; without them the CQE is `-EINVAL`. Linux 6.15.
   *
   * @param len bytes to receive in all, 0 for no limit
   * @param flags extra `RecvSendFlag` bits for `ioprio` (`POLL_FIRST`); multishot is always set
   */
  prepRecvZc(fd: FdLike, len: number, ifqIndex: number, flags = 0): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    checkU32(ifqIndex, "ifqIndex");
    this.prepRw(Op.RECV_ZC, fd, null, len, 0);
    this.ioprio = this.ioprio | flags | RecvSendFlag.RECV_MULTISHOT;
    this.fileIndex = ifqIndex; // zcrx_ifq_idx shares the file_index word
  }

  /** Like `io_uring_prep_sendmsg(3)`: `msg` from `MsgHdr`. Linux 5.3. */
  prepSendmsg(fd: FdLike, msg: MsgHdrLike, flags = 0): void {
    this.prepRw(Op.SENDMSG, fd, msg.bytes, 1, 0);
    this._hold(msg);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_sendmsg_zc(3)`. Linux 6.1. */
  prepSendmsgZc(fd: FdLike, msg: MsgHdrLike, flags = 0): void {
    this.prepSendmsg(fd, msg, flags);
    this.opcode = Op.SENDMSG_ZC;
  }

  /** Like `io_uring_prep_recvmsg(3)`: `msg` from `MsgHdr`. Linux 5.3. */
  prepRecvmsg(fd: FdLike, msg: MsgHdrLike, flags = 0): void {
    this.prepRw(Op.RECVMSG, fd, msg.bytes, 1, 0);
    this._hold(msg);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_recvmsg_multishot(3)`: with buffer group `bufGroup`. Linux 6.0. */
  prepRecvmsgMultishot(fd: FdLike, msg: MsgHdrLike, flags: number, bufGroup: number): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    this.prepRecvmsg(fd, msg, flags);
    this.ioprio = this.ioprio | RecvSendFlag.RECV_MULTISHOT;
    this.bufGroup = bufGroup;
    this.flags |= SqeFlag.BUFFER_SELECT;
  }

  /** Like `io_uring_prep_shutdown(3)`: `how` is `SHUT_RD` (0), `SHUT_WR` (1) or both (2). 5.11. */
  prepShutdown(fd: FdLike, how: number): void {
    this.prepRw(Op.SHUTDOWN, fd, null, how, 0);
  }

  /**
   * Like `io_uring_prep_cmd_sock(3)`: a socket command (`SocketCmd`), such as `SIOCINQ` (bytes
   * queued for reading, in `res`) or get/setsockopt with `optval`. Linux 6.7.
   */
  prepCmdSock(
    cmdOp: number,
    fd: FdLike,
    level = 0,
    optname = 0,
    optval: ArrayBufferView | null = null,
  ): void {
    this.prepRw(Op.URING_CMD, fd, null, 0, 0);
    const u = this._m.u32, w = this._w;
    u[w + SqeWord.OFF] = cmdOp;
    u[w + SqeWord.ADDR] = level;
    u[w + SqeWord.ADDR + 1] = optname;
    if (optval !== null) {
      this._addrAt(SqeWord.ADDR3, optval);
      u[w + SqeWord.FILE_INDEX] = optval.byteLength;
    }
  }

  /**
   * A raw `IORING_OP_URING_CMD` (`io_uring_prep_uring_cmd`): `cmdOp` and up to 16 bytes of
   * command payload (80 with `sqe128`), as the driver behind `fd` defines them. Linux 5.19.
   */
  prepUringCmd(fd: FdLike, cmdOp: number, cmd?: Uint8Array): void {
    this.prepRw(Op.URING_CMD, fd, null, 0, 0);
    this._m.u32[this._w + SqeWord.OFF] = cmdOp;
    if (cmd !== undefined) {
      const room = this._m.stride * 4 - 48;
      if (cmd.byteLength > room) throw new RangeError(`cmd holds at most ${room} bytes here`);
      this._m.u8.set(cmd, this._w * 4 + 48);
    }
  }

  // ---- buffers, files, rings -------------------------------------------------------------

  /**
   * Like `io_uring_prep_provide_buffers(3)`: hands `nr` buffers of `len` bytes each, carved from
   * `region`, to group `bufGroup` with ids from `bid`. The ring holds `region` until it closes,
   * since the kernel may write into it at any later time. Linux 5.7.
   */
  prepProvideBuffers(
    region: ArrayBufferView,
    len: number,
    nr: number,
    bufGroup: number,
    bid: number,
  ): void {
    if (len * nr > region.byteLength) {
      throw new RangeError(`region of ${region.byteLength} bytes is smaller than ${nr} x ${len}`);
    }
    isView(region, "region");
    this.prepRw(Op.PROVIDE_BUFFERS, nr, region, len, bid);
    this.bufGroup = bufGroup;
    this._hold(new ProvidedRegion(region));
  }

  /** Like `io_uring_prep_remove_buffers(3)`: take `nr` buffers back from group `bufGroup`. 5.7. */
  prepRemoveBuffers(nr: number, bufGroup: number): void {
    this.prepRw(Op.REMOVE_BUFFERS, nr, null, 0, 0);
    this.bufGroup = bufGroup;
  }

  /**
   * Like `io_uring_prep_files_update(3)`: sets registered files from `offset` to `fds`
   * (-1 empties a slot); with `offset` `FILE_INDEX_ALLOC` the kernel picks slots and writes them
   * back into `fds`. Linux 5.6.
   */
  prepFilesUpdate(fds: Int32Array, offset: number): void {
    if (!(fds instanceof Int32Array)) throw new TypeError("fds must be an Int32Array");
    this.prepRw(Op.FILES_UPDATE, -1, fds, fds.length, offset >>> 0);
  }

  /**
   * Like `io_uring_prep_fixed_fd_install(3)`: turns direct descriptor `fixedIndex` into a real
   * fd (`res`), close-on-exec unless `FIXED_FD_NO_CLOEXEC`. Linux 6.8.
   */
  prepFixedFdInstall(fixedIndex: number, flags = 0): void {
    this.prepRw(Op.FIXED_FD_INSTALL, fixedIndex, null, 0, 0);
    this.flags |= SqeFlag.FIXED_FILE;
    this.opFlags = flags;
  }

  /**
   * Like `io_uring_prep_msg_ring(3)`: posts a CQE on the ring `fd` with `res` = `len` and user
   * data `data`. Linux 5.18.
   */
  prepMsgRing(fd: FdLike, len: number, data: number, flags = 0): void {
    this.prepRw(Op.MSG_RING, fd, null, len, data);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_msg_ring_cqe_flags(3)`: also sets the target CQE's flags. Linux 6.3. */
  prepMsgRingCqeFlags(fd: FdLike, len: number, data: number, flags: number, cqeFlags: number) {
    this.prepMsgRing(fd, len, data, flags | 2 /* IORING_MSG_RING_FLAGS_PASS */);
    this.fileIndex = cqeFlags;
  }

  /**
   * Like `io_uring_prep_msg_ring_fd(3)`: installs this ring's fixed file `sourceIndex` into slot
   * `targetIndex` (or `FILE_INDEX_ALLOC`) of ring `fd`'s table, posting a CQE with `data` there.
   * Linux 6.0.
   */
  prepMsgRingFd(fd: FdLike, sourceIndex: number, targetIndex: number, data: number, flags = 0) {
    this.prepRw(Op.MSG_RING, fd, 1, /* IORING_MSG_SEND_FD */ 0, data);
    this._set64(SqeWord.ADDR3, sourceIndex);
    this._target(targetIndex);
    this.opFlags = flags;
  }

  // ---- processes and futexes -------------------------------------------------------------

  /**
   * Like `io_uring_prep_waitid(3)`: waits for a child like waitid(2); `infop` (128 bytes,
   * `siginfo_t`) may be null. Linux 6.7.
   *
   * @param idtype `P_ALL` (0), `P_PID` (1), `P_PGID` (2), `P_PIDFD` (3)
   * @param options `WEXITED` (4) and friends
   */
  prepWaitid(
    idtype: number,
    id: number,
    infop: ArrayBufferView | null,
    options: number,
    flags = 0,
  ): void {
    this.prepRw(Op.WAITID, id, null, idtype, 0);
    this.opFlags = flags;
    this.fileIndex = options;
    if (infop !== null) {
      if (infop.byteLength < 128) throw new RangeError("infop must be at least 128 bytes");
      this._addrAt(SqeWord.OFF, infop);
    }
  }

  /**
   * Like `io_uring_prep_futex_wait(3)`: sleeps while the futex word (element 0 of `futex`) holds
   * `val`. Linux 6.7.
   *
   * @param futexFlags `FUTEX2_*` (`Futex2.SIZE_U32 | Futex2.PRIVATE` for a process-private u32)
   */
  prepFutexWait(
    futex: Int32Array | Uint32Array,
    val: number,
    mask: number,
    futexFlags: number,
    flags = 0,
  ): void {
    isView(futex, "futex");
    this.prepRw(Op.FUTEX_WAIT, futexFlags, futex, 0, val);
    this._set64(SqeWord.ADDR3, mask);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_futex_wake(3)`: wakes up to `val` waiters; `res` is how many. 6.7. */
  prepFutexWake(
    futex: Int32Array | Uint32Array,
    val: number,
    mask: number,
    futexFlags: number,
    flags = 0,
  ): void {
    isView(futex, "futex");
    this.prepRw(Op.FUTEX_WAKE, futexFlags, futex, 0, val);
    this._set64(SqeWord.ADDR3, mask);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_futex_waitv(3)`: `res` is the index of the futex that woke. 6.7. */
  prepFutexWaitv(futexes: readonly FutexWait[], flags = 0): void {
    const v = new Uint32Array(futexes.length * 6); // struct futex_waitv: u64 val, u64 uaddr, u32 flags, u32 pad
    for (let i = 0; i < futexes.length; i++) {
      const f = futexes[i];
      checkBuffer(f.futex, `futexes[${i}].futex`);
      const a = addressOf(f.futex);
      v[i * 6] = f.val >>> 0;
      v[i * 6 + 2] = a % TWO32;
      v[i * 6 + 3] = a / TWO32;
      v[i * 6 + 4] = f.flags ?? 0x82;
    }
    this.prepRw(Op.FUTEX_WAITV, 0, v, futexes.length, 0);
    this._hold(futexes.map((f) => f.futex));
    this.opFlags = flags;
  }
}
