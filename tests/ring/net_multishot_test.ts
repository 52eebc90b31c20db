// Sockets through io_uring on loopback, the multishot and registered side: multishot accept and
// recv with provided buffers, recvmsg multishot, direct (file-table) sockets, and uring_cmd.
import { assert, assertEquals, assertGreater, assertGreaterOrEqual, assertLess } from "@std/assert";
import {
  CqeFlag,
  fixed,
  MsgHdr,
  Op,
  parseSockaddr,
  RegisterOp,
  Ring,
  Sock,
  sockaddr,
  SocketCmd,
} from "../../ffi/mod.ts";
import { runOne } from "../_helpers.ts";
import {
  close,
  connectTcp,
  dec,
  ECANCELED,
  EINVAL,
  enc,
  EOPNOTSUPP,
  kernelHas,
  listenTcp,
  localAddr,
  ok,
  reap,
  recvText,
  send,
  socket,
  tcpPair,
} from "../_net.ts";

Deno.test("Sqe.prepMultishotAccept() posts one CQE per connection with MORE set", () => {
  using ring = new Ring({ entries: 16 });
  using peer = new Ring({ entries: 8 }); // the clients' ring: its CQEs stay apart
  const l = listenTcp(ring, "127.0.0.1");
  const sqe = ring.getSqe()!;
  sqe.prepMultishotAccept(l.fd);
  sqe.userData = 99;
  ring.submit();
  const clients = [0, 1, 2].map(() => connectTcp(peer, "127.0.0.1", l.port));
  const cqes = reap(ring, 3);
  const conns: number[] = [];
  for (const cqe of cqes) {
    assertEquals(cqe.userData, 99);
    assertGreaterOrEqual(cqe.res, 0, `accept: ${cqe.res}`);
    assert(cqe.flags & CqeFlag.MORE, "multishot accept goes on");
    conns.push(cqe.res);
  }
  assertEquals(new Set(conns).size, 3);
  // each accepted fd is a live connection to one of the clients
  for (let i = 0; i < 3; i++) send(peer, clients[i], `client ${i}`);
  const got = conns.map((fd) => recvText(ring, fd)).sort();
  assertEquals(got, ["client 0", "client 1", "client 2"]);
  // cancel ends it: a final CQE without MORE
  const cancel = runOne(ring, (s) => s.prepCancel(99), 100);
  const rest = cancel.userData === 100 ? reap(ring, 1) : [cancel, ...reap(ring, 1)];
  const end = rest.find((x) => x.userData === 99)!;
  assertEquals(end.res, -ECANCELED);
  assertEquals(end.flags & CqeFlag.MORE, 0);
  close(peer, ...clients);
  close(ring, ...conns, l.fd);
});

Deno.test("Sqe.prepRecvMultishot() fills provided buffers (CqeFlag.BUFFER, bid = flags >>> 16)", () => {
  using ring = new Ring({ entries: 16 });
  using peer = new Ring({ entries: 4 }); // sends from c: their CQEs stay off this ring
  const [l, c, a] = tcpPair(ring);
  const SIZE = 64, COUNT = 4, GROUP = 3;
  const region = new Uint8Array(SIZE * COUNT);
  assertEquals(
    runOne(ring, (s) => s.prepProvideBuffers(region, SIZE, COUNT, GROUP, 0)).res,
    0,
  );
  const sqe = ring.getSqe()!;
  sqe.prepRecvMultishot(a, GROUP);
  sqe.userData = 27;
  ring.submit();
  const seen: string[] = [];
  const bids = new Set<number>();
  for (const text of ["first", "second", "third"]) {
    send(peer, c, text);
    const [cqe] = reap(ring, 1);
    assertEquals(cqe.userData, 27);
    assertEquals(cqe.res, text.length);
    assert(cqe.flags & CqeFlag.BUFFER, "a provided buffer was used");
    assert(cqe.flags & CqeFlag.MORE, "multishot goes on");
    const bid = cqe.flags >>> 16;
    assertLess(bid, COUNT);
    bids.add(bid);
    seen.push(dec.decode(region.subarray(bid * SIZE, bid * SIZE + cqe.res)));
  }
  assertEquals(seen, ["first", "second", "third"]);
  assertEquals(bids.size, 3, "each receive took a new buffer");
  // EOF ends the multishot recv: res 0, no MORE
  ok(runOne(peer, (s) => s.prepShutdown(c, Sock.SHUT_WR)), "shutdown");
  const [eof] = reap(ring, 1);
  assertEquals(eof.userData, 27);
  assertEquals(eof.res, 0);
  assertEquals(eof.flags & CqeFlag.MORE, 0);
  // one buffer is left in the group; remove it
  assertEquals(runOne(ring, (s) => s.prepRemoveBuffers(COUNT, GROUP)).res, 1);
  close(ring, a, c, l);
});

Deno.test("Sqe.prepRecvMultishot() ends with ENOBUFS when the group runs dry", () => {
  using ring = new Ring({ entries: 16 });
  using peer = new Ring({ entries: 4 }); // sends from c: their CQEs stay off this ring
  const [l, c, a] = tcpPair(ring);
  const region = new Uint8Array(32);
  ok(runOne(ring, (s) => s.prepProvideBuffers(region, 32, 1, 5, 7)), "provide");
  const sqe = ring.getSqe()!;
  sqe.prepRecvMultishot(a, 5);
  sqe.userData = 30;
  ring.submit();
  send(peer, c, "one");
  const [first] = reap(ring, 1);
  assertEquals(first.res, 3);
  assertEquals(first.flags >>> 16, 7, "the only buffer, id 7");
  send(peer, c, "two");
  const [second] = reap(ring, 1);
  assertEquals(second.res, -105); // ENOBUFS
  assertEquals(second.flags & CqeFlag.MORE, 0);
  close(ring, a, c, l);
});

Deno.test({
  name: "Sqe.prepCmdSock(SIOCINQ) returns the bytes queued for reading",
  ignore: !kernelHas(Op.URING_CMD),
}, () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  assertEquals(runOne(ring, (s) => s.prepCmdSock(SocketCmd.SIOCINQ, a)).res, 0);
  send(ring, c, "12345");
  // wait until the data is there
  assert(runOne(ring, (s) => s.prepPollAdd(a, 1)).res & 1);
  assertEquals(runOne(ring, (s) => s.prepCmdSock(SocketCmd.SIOCINQ, a)).res, 5);
  send(ring, c, "678");
  assert(runOne(ring, (s) => s.prepPollAdd(a, 1)).res & 1);
  assertEquals(runOne(ring, (s) => s.prepCmdSock(SocketCmd.SIOCINQ, a)).res, 8);
  // SIOCOUTQ on the sender: nothing unacknowledged on loopback once delivered
  const outq = runOne(ring, (s) => s.prepCmdSock(SocketCmd.SIOCOUTQ, c)).res;
  assert(outq >= 0 && outq <= 8, `SIOCOUTQ ${outq}`);
  close(ring, a, c, l);
});

Deno.test({
  name: "Sqe.prepUringCmd() with the raw SIOCINQ op number reads the queue size",
  ignore: !kernelHas(Op.URING_CMD),
}, () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  send(ring, c, "abcdefg");
  assert(runOne(ring, (s) => s.prepPollAdd(a, 1)).res & 1);
  assertEquals(runOne(ring, (s) => s.prepUringCmd(a, 0 /* SOCKET_URING_OP_SIOCINQ */)).res, 7);
  // an op number sockets do not know
  assertEquals(runOne(ring, (s) => s.prepUringCmd(a, 0x7777)).res, -EOPNOTSUPP);
  close(ring, a, c, l);
});

Deno.test({
  name: "Sqe.prepCmdSock(GETSOCKOPT/SETSOCKOPT) reads and sets SO_RCVBUF",
  ignore: !kernelHas(Op.URING_CMD),
}, () => {
  using ring = new Ring({ entries: 8 });
  const fd = socket(ring, Sock.AF_INET);
  const val = new Int32Array(1);
  const get = () =>
    runOne(
      ring,
      (s) => s.prepCmdSock(SocketCmd.GETSOCKOPT, fd, Sock.SOL_SOCKET, Sock.SO_RCVBUF, val),
    );
  assertEquals(get().res, 4, "getsockopt returns optlen");
  assertGreater(val[0], 0);
  const want = new Int32Array([65536]);
  const set = runOne(
    ring,
    (s) => s.prepCmdSock(SocketCmd.SETSOCKOPT, fd, Sock.SOL_SOCKET, Sock.SO_RCVBUF, want),
  );
  assertEquals(set.res, 0);
  val[0] = 0;
  assertEquals(get().res, 4);
  assertEquals(val[0], 131072, "the kernel doubles SO_RCVBUF");
  // getsockopt over uring_cmd only knows SOL_SOCKET
  const tcp = runOne(
    ring,
    (s) => s.prepCmdSock(SocketCmd.GETSOCKOPT, fd, Sock.IPPROTO_TCP, Sock.TCP_NODELAY, val),
  );
  assertEquals(tcp.res, -EOPNOTSUPP);
  close(ring, fd);
});

Deno.test({
  name: "Sqe.prepRecvZc() fails cleanly with an error CQE on a plain TCP socket",
  ignore: !kernelHas(Op.RECV_ZC),
}, () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  // no IORING_REGISTER_ZCRX_IFQ and no NIC queue: the kernel refuses the request
  const cqe = runOne(ring, (s) => s.prepRecvZc(a, 0, 0));
  assertEquals(cqe.res, -EINVAL);
  assertEquals(cqe.flags & CqeFlag.MORE, 0);
  // the socket is unharmed
  send(ring, c, "still fine");
  assertEquals(recvText(ring, a), "still fine");
  close(ring, a, c, l);
});

Deno.test("Sqe.prepRecvmsgMultishot() writes io_uring_recvmsg_out, name and payload per datagram", () => {
  using ring = new Ring({ entries: 8 });
  using peer = new Ring({ entries: 4 });
  const rx = socket(ring, Sock.AF_INET, Sock.SOCK_DGRAM);
  ok(runOne(ring, (s) => s.prepBind(rx, sockaddr({ hostname: "127.0.0.1", port: 0 }))), "bind");
  const to = sockaddr(localAddr(rx));
  const tx = socket(peer, Sock.AF_INET, Sock.SOCK_DGRAM);
  const SIZE = 128, GROUP = 11;
  const region = new Uint8Array(SIZE * 4);
  ok(runOne(ring, (s) => s.prepProvideBuffers(region, SIZE, 4, GROUP, 0)), "provide");
  // the msghdr only sizes the parts: 16 bytes of name, no control, no iovecs
  const msg = new MsgHdr({ name: new Uint8Array(16) });
  const sqe = ring.getSqe()!;
  sqe.prepRecvmsgMultishot(rx, msg, 0, GROUP);
  sqe.userData = 10;
  ring.submit();
  for (const text of ["first datagram", "second"]) {
    assertEquals(runOne(peer, (s) => s.prepSendto(tx, enc.encode(text), 0, to)).res, text.length);
    const [cqe] = reap(ring, 1);
    assertEquals(cqe.userData, 10);
    assert(cqe.flags & CqeFlag.BUFFER);
    assert(cqe.flags & CqeFlag.MORE);
    const bid = cqe.flags >>> 16;
    const buf = region.subarray(bid * SIZE, (bid + 1) * SIZE);
    const out = new DataView(buf.buffer, buf.byteOffset, 16); // struct io_uring_recvmsg_out
    assertEquals(out.getUint32(0, true), 16, "namelen");
    assertEquals(out.getUint32(4, true), 0, "controllen");
    assertEquals(out.getUint32(8, true), text.length, "payloadlen");
    assertEquals(cqe.res, 16 + 16 + text.length, "res counts header, name and payload");
    assertEquals(parseSockaddr(buf.subarray(16, 32)), {
      hostname: "127.0.0.1",
      port: localAddr(tx).port,
    });
    assertEquals(dec.decode(buf.subarray(32, 32 + text.length)), text);
  }
  const cancel = runOne(ring, (s) => s.prepCancel(10), 11);
  const rest = cancel.userData === 11 ? reap(ring, 1) : [cancel];
  assertEquals(rest.find((x) => x.userData === 10)!.res, -ECANCELED);
  close(peer, tx);
  close(ring, rx);
});

/** Registers a file table of `fds` (-1: empty slot) with raw `IORING_REGISTER_FILES`. */
function registerFiles(ring: Ring, fds: number[]): void {
  const table = Int32Array.from(fds);
  assertEquals(ring.register(RegisterOp.FILES, new Uint8Array(table.buffer), fds.length), 0);
}

Deno.test("Sqe.prepSocketDirect() and prepSocketDirectAlloc() make sockets in the file table", () => {
  using ring = new Ring({ entries: 8 });
  registerFiles(ring, [-1, -1, -1, -1]);
  const l = listenTcp(ring, "127.0.0.1");
  const slot = runOne(ring, (s) => s.prepSocketDirectAlloc(Sock.AF_INET, Sock.SOCK_STREAM)).res;
  assert(slot >= 0 && slot < 4, `allocated slot ${slot}`);
  const given = slot === 3 ? 2 : 3;
  assertEquals(
    runOne(ring, (s) => s.prepSocketDirect(Sock.AF_INET, Sock.SOCK_STREAM, 0, 0, given)).res,
    0,
  );
  // both connect through their slots; the listener sees two connections
  const to = sockaddr({ hostname: "127.0.0.1", port: l.port });
  for (const [i, fd] of [slot, given].entries()) {
    assertEquals(runOne(ring, (s) => s.prepConnect(fixed(fd), to)).res, 0);
    const a = ok(runOne(ring, (s) => s.prepAccept(l.fd)), "accept");
    assertEquals(runOne(ring, (s) => s.prepSend(fixed(fd), enc.encode(`direct ${i}`))).res, 8);
    assertEquals(recvText(ring, a), `direct ${i}`);
    close(ring, a);
  }
  // a direct descriptor cannot be close-on-exec
  assertEquals(
    runOne(
      ring,
      (s) => s.prepSocketDirect(Sock.AF_INET, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC, 0, 0, 0),
    ).res,
    -EINVAL,
  );
  close(ring, l.fd);
});

Deno.test("Sqe.prepAcceptDirect() and prepMultishotAcceptDirect() accept into the file table", () => {
  using ring = new Ring({ entries: 8 });
  using peer = new Ring({ entries: 4 });
  registerFiles(ring, [-1, -1, -1, -1, -1, -1]);
  const l = listenTcp(ring, "127.0.0.1");
  const c0 = connectTcp(peer, "127.0.0.1", l.port);
  assertEquals(runOne(ring, (s) => s.prepAcceptDirect(l.fd, null, null, 0, 4)).res, 0);
  send(peer, c0, "to slot 4");
  const buf = new Uint8Array(32);
  assertEquals(runOne(ring, (s) => s.prepRecv(fixed(4), buf)).res, 9);
  assertEquals(dec.decode(buf.subarray(0, 9)), "to slot 4");

  const sqe = ring.getSqe()!;
  sqe.prepMultishotAcceptDirect(l.fd);
  sqe.userData = 13;
  ring.submit();
  const clients = [connectTcp(peer, "127.0.0.1", l.port), connectTcp(peer, "127.0.0.1", l.port)];
  const slots = reap(ring, 2).map((cqe) => {
    assertEquals(cqe.userData, 13);
    assert(cqe.flags & CqeFlag.MORE);
    return cqe.res;
  });
  assertEquals(new Set(slots).size, 2);
  for (const s of slots) assert(s >= 0 && s < 6 && s !== 4, `slot ${s}`);
  for (const [i, s] of slots.entries()) {
    assertEquals(runOne(ring, (q) => q.prepSend(fixed(s), enc.encode(`slot ${i}`)), 14).res, 6);
  }
  const got = clients.map((c) => recvText(peer, c)).sort();
  assertEquals(got, ["slot 0", "slot 1"]);
  const cancel = runOne(ring, (s) => s.prepCancel(13), 15);
  if (cancel.userData === 15) reap(ring, 1);
  close(peer, c0, ...clients);
  close(ring, l.fd);
});

/** An abstract AF_UNIX address (`struct sockaddr_un` with a leading NUL in the path). */
