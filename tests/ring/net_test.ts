// Sockets through io_uring on loopback: socket/bind/listen/connect/accept, send/recv (sendto,
// sendmsg/recvmsg, zero-copy), shutdown, SCM_RIGHTS, and interop with Deno's own TCP.
import { assert, assertEquals, assertGreaterOrEqual } from "@std/assert";
import { CqeFlag, MsgHdr, Op, parseSockaddr, Ring, Sock, sockaddr } from "../../ffi/mod.ts";
import { runOne } from "../_helpers.ts";
import {
  close,
  connectTcp,
  dec,
  enc,
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

Deno.test("Sqe.prepSocket/prepBind/prepListen() make a listening socket on 127.0.0.1 port 0", () => {
  using ring = new Ring({ entries: 8 });
  assert(ring.supports(Op.BIND) && ring.supports(Op.LISTEN));
  const { fd, port } = listenTcp(ring, "127.0.0.1");
  assertGreaterOrEqual(fd, 0);
  assert(port > 0 && port < 65536, `kernel-chosen port ${port}`);
  assertEquals(localAddr(fd), { hostname: "127.0.0.1", port });
  close(ring, fd);
});

Deno.test("Sqe.prepBind() fails with EADDRINUSE on a port already listened on", () => {
  using ring = new Ring({ entries: 8 });
  const l = listenTcp(ring, "127.0.0.1");
  const fd = socket(ring, Sock.AF_INET);
  const cqe = runOne(
    ring,
    (s) => s.prepBind(fd, sockaddr({ hostname: "127.0.0.1", port: l.port })),
  );
  assertEquals(cqe.res, -98); // EADDRINUSE
  close(ring, fd, l.fd);
});

Deno.test("Sqe.prepAccept() returns a connection fd", () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  assert(a >= 0 && a !== l && a !== c);
  // the accepted socket's local address is the listener's
  assertEquals(localAddr(a).port, localAddr(l).port);
  close(ring, a, c, l);
});

Deno.test("Sqe.prepAccept() with addr/addrLen buffers reports the peer address", () => {
  using ring = new Ring({ entries: 8 });
  const l = listenTcp(ring, "127.0.0.1");
  const c = connectTcp(ring, "127.0.0.1", l.port);
  const addr = new Uint8Array(128);
  const addrLen = new Uint32Array([addr.byteLength]);
  const a = ok(runOne(ring, (s) => s.prepAccept(l.fd, addr, addrLen)), "accept");
  assertEquals(addrLen[0], 16, "sockaddr_in length written back");
  assertEquals(parseSockaddr(addr), localAddr(c));
  close(ring, a, c, l.fd);
});

Deno.test("Sqe.prepConnect() and prepAccept() work on ::1", () => {
  using ring = new Ring({ entries: 8 });
  const l = listenTcp(ring, "::1");
  assertEquals(localAddr(l.fd), { hostname: "::1", port: l.port });
  const c = connectTcp(ring, "::1", l.port);
  const addr = new Uint8Array(128);
  const addrLen = new Uint32Array([addr.byteLength]);
  const a = ok(runOne(ring, (s) => s.prepAccept(l.fd, addr, addrLen)), "accept");
  assertEquals(addrLen[0], 28, "sockaddr_in6 length written back");
  const peer = parseSockaddr(addr);
  assertEquals(peer.hostname, "::1");
  assertEquals(peer.port, localAddr(c).port);
  send(ring, c, "over v6");
  assertEquals(recvText(ring, a), "over v6");
  close(ring, a, c, l.fd);
});

Deno.test("Sqe.prepConnect() fails with ECONNREFUSED when nothing listens", () => {
  using ring = new Ring({ entries: 8 });
  // a port that was just listened on and closed again is free
  const l = listenTcp(ring, "127.0.0.1");
  close(ring, l.fd);
  const fd = socket(ring, Sock.AF_INET);
  const cqe = runOne(
    ring,
    (s) => s.prepConnect(fd, sockaddr({ hostname: "127.0.0.1", port: l.port })),
  );
  assertEquals(cqe.res, -111); // ECONNREFUSED
  close(ring, fd);
});

Deno.test("Sqe.prepSend() and prepRecv() move data both ways", () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  assertEquals(send(ring, c, "ping from client"), 16);
  assertEquals(recvText(ring, a), "ping from client");
  assertEquals(send(ring, a, "pong from server"), 16);
  assertEquals(recvText(ring, c), "pong from server");
  // MSG_PEEK leaves the data queued
  send(ring, c, "peek");
  const buf = new Uint8Array(16);
  assertEquals(ok(runOne(ring, (s) => s.prepRecv(a, buf, Sock.MSG_PEEK)), "peek"), 4);
  assertEquals(recvText(ring, a), "peek");
  close(ring, a, c, l);
});

Deno.test("Sqe.prepRecv() and prepSend() in one submit: recv waits for the send", () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  const buf = new Uint8Array(32);
  const r = ring.getSqe()!;
  r.prepRecv(a, buf);
  r.userData = 1;
  const s = ring.getSqe()!;
  s.prepSend(c, enc.encode("batched"));
  s.userData = 2;
  ring.submitAndWait(2);
  const byUd = new Map(reap(ring, 2).map((x) => [x.userData, x.res]));
  assertEquals(byUd.get(2), 7);
  assertEquals(byUd.get(1), 7);
  assertEquals(dec.decode(buf.subarray(0, 7)), "batched");
  close(ring, a, c, l);
});

Deno.test("Sqe.prepShutdown() SHUT_WR makes the peer's recv return 0", () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  send(ring, c, "last words");
  assertEquals(ok(runOne(ring, (s) => s.prepShutdown(c, Sock.SHUT_WR)), "shutdown"), 0);
  assertEquals(recvText(ring, a), "last words");
  const buf = new Uint8Array(16);
  assertEquals(runOne(ring, (s) => s.prepRecv(a, buf)).res, 0, "EOF");
  // the other direction still works
  send(ring, a, "still open");
  assertEquals(recvText(ring, c), "still open");
  close(ring, a, c, l);
});

Deno.test("Sqe.prepSendto() sends UDP datagrams to an address", () => {
  using ring = new Ring({ entries: 8 });
  const rx = socket(ring, Sock.AF_INET, Sock.SOCK_DGRAM);
  ok(runOne(ring, (s) => s.prepBind(rx, sockaddr({ hostname: "127.0.0.1", port: 0 }))), "bind");
  const to = sockaddr(localAddr(rx));
  const tx = socket(ring, Sock.AF_INET, Sock.SOCK_DGRAM);
  assertEquals(runOne(ring, (s) => s.prepSendto(tx, enc.encode("datagram 1"), 0, to)).res, 10);
  assertEquals(runOne(ring, (s) => s.prepSendto(tx, enc.encode("dg 2"), 0, to)).res, 4);
  // datagram boundaries are kept
  assertEquals(recvText(ring, rx), "datagram 1");
  assertEquals(recvText(ring, rx), "dg 2");
  close(ring, tx, rx);
});

Deno.test("Sqe.prepSendmsg() and prepRecvmsg() carry iovecs and addresses (MsgHdr)", () => {
  using ring = new Ring({ entries: 8 });
  const rx = socket(ring, Sock.AF_INET, Sock.SOCK_DGRAM);
  ok(runOne(ring, (s) => s.prepBind(rx, sockaddr({ hostname: "127.0.0.1", port: 0 }))), "bind");
  const tx = socket(ring, Sock.AF_INET, Sock.SOCK_DGRAM);
  const out = new MsgHdr({
    iov: [enc.encode("scatter "), enc.encode("gather "), enc.encode("message")],
    name: sockaddr(localAddr(rx)),
  });
  assertEquals(ok(runOne(ring, (s) => s.prepSendmsg(tx, out)), "sendmsg"), 22);

  const head = new Uint8Array(8), tail = new Uint8Array(64);
  const from = new Uint8Array(32);
  const msg = new MsgHdr({ iov: [head, tail], name: from });
  assertEquals(msg.nameLength, 32);
  const n = ok(runOne(ring, (s) => s.prepRecvmsg(rx, msg)), "recvmsg");
  assertEquals(n, 22);
  assertEquals(dec.decode(head), "scatter ");
  assertEquals(dec.decode(tail.subarray(0, n - 8)), "gather message");
  assertEquals(msg.nameLength, 16, "kernel wrote back msg_namelen");
  // tx was bound implicitly (to 0.0.0.0 and an ephemeral port) by its first send
  assertEquals(parseSockaddr(from), { hostname: "127.0.0.1", port: localAddr(tx).port });
  assertEquals(msg.flags, 0);

  // a too-small buffer sets MSG_TRUNC (0x20) in msg_flags
  ok(runOne(ring, (s) => s.prepSendmsg(tx, out)), "sendmsg");
  const small = new MsgHdr({ iov: [new Uint8Array(4)] });
  assertEquals(ok(runOne(ring, (s) => s.prepRecvmsg(rx, small)), "recvmsg"), 4);
  assertEquals(small.flags & 0x20, 0x20);
  close(ring, tx, rx);
});

Deno.test("Sqe.prepSendmsg() and prepRecvmsg() work on a TCP connection", () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  const msg = new MsgHdr({ iov: [enc.encode("tcp "), enc.encode("sendmsg")] });
  assertEquals(ok(runOne(ring, (s) => s.prepSendmsg(c, msg)), "sendmsg"), 11);
  const buf = new Uint8Array(32);
  const n = ok(runOne(ring, (s) => s.prepRecvmsg(a, new MsgHdr({ iov: [buf] }))), "recvmsg");
  assertEquals(dec.decode(buf.subarray(0, n)), "tcp sendmsg");
  close(ring, a, c, l);
});

Deno.test({
  name: "Sqe.prepSendZc() posts the result with MORE, then a NOTIF CQE",
  ignore: !kernelHas(Op.SEND_ZC),
}, () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  const data = enc.encode("zero copy payload");
  const sqe = ring.getSqe()!;
  sqe.prepSendZc(c, data);
  sqe.userData = 47;
  ring.submitAndWait(2);
  const [first, second] = reap(ring, 2);
  assertEquals(first.userData, 47);
  assertEquals(first.res, data.byteLength);
  assert(first.flags & CqeFlag.MORE, "first CQE has MORE");
  assertEquals(first.flags & CqeFlag.NOTIF, 0);
  assertEquals(second.userData, 47);
  assert(second.flags & CqeFlag.NOTIF, "second CQE is the notification");
  assertEquals(second.flags & CqeFlag.MORE, 0);
  assertEquals(second.res, 0);
  assertEquals(recvText(ring, a), "zero copy payload");
  close(ring, a, c, l);
});

Deno.test({
  name: "Sqe.prepSendmsgZc() posts the result with MORE, then a NOTIF CQE",
  ignore: !kernelHas(Op.SENDMSG_ZC),
}, () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  const msg = new MsgHdr({ iov: [enc.encode("zc "), enc.encode("sendmsg")] });
  const sqe = ring.getSqe()!;
  sqe.prepSendmsgZc(c, msg);
  sqe.userData = 48;
  ring.submitAndWait(2);
  const [first, second] = reap(ring, 2);
  assertEquals(first.res, 10);
  assert(first.flags & CqeFlag.MORE);
  assert(second.flags & CqeFlag.NOTIF);
  assertEquals(second.flags & CqeFlag.MORE, 0);
  assertEquals([first.userData, second.userData], [48, 48]);
  assertEquals(recvText(ring, a), "zc sendmsg");
  close(ring, a, c, l);
});

Deno.test("Sqe.prepConnect() reaches a Deno.listen() server and talks to it", async () => {
  using ring = new Ring({ entries: 8 });
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const fd = connectTcp(ring, "127.0.0.1", port);
  using conn = await listener.accept();
  assertEquals((conn.remoteAddr as Deno.NetAddr).port, localAddr(fd).port);
  send(ring, fd, "hello from io_uring");
  const buf = new Uint8Array(64);
  let got = "";
  while (got.length < 19) {
    const n = await conn.read(buf);
    assert(n !== null);
    got += dec.decode(buf.subarray(0, n));
  }
  assertEquals(got, "hello from io_uring");
  await conn.write(enc.encode("hello from Deno"));
  assertEquals(recvText(ring, fd), "hello from Deno");
  close(ring, fd);
  assertEquals(await conn.read(buf), null, "Deno sees EOF after the io_uring close");
});

Deno.test("Sqe.prepAccept() takes a Deno.connect() client", async () => {
  using ring = new Ring({ entries: 8 });
  const l = listenTcp(ring, "127.0.0.1");
  // the handshake completes in the kernel's backlog before accept runs
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: l.port });
  const addr = new Uint8Array(32);
  const addrLen = new Uint32Array([32]);
  const a = ok(runOne(ring, (s) => s.prepAccept(l.fd, addr, addrLen)), "accept");
  assertEquals(parseSockaddr(addr).port, (conn.localAddr as Deno.NetAddr).port);
  await conn.write(enc.encode("from Deno.connect"));
  assertEquals(recvText(ring, a), "from Deno.connect");
  send(ring, a, "from io_uring accept");
  const buf = new Uint8Array(64);
  let got = "";
  while (got.length < 20) {
    const n = await conn.read(buf);
    assert(n !== null);
    got += dec.decode(buf.subarray(0, n));
  }
  assertEquals(got, "from io_uring accept");
  close(ring, a, l.fd);
});

function unixAbstract(name: string): Uint8Array {
  const bytes = enc.encode(name);
  const out = new Uint8Array(3 + bytes.length);
  out[0] = Sock.AF_UNIX;
  out.set(bytes, 3);
  return out;
}

Deno.test("Sqe.prepSendmsg() passes an fd with SCM_RIGHTS in MsgHdr control data", () => {
  using ring = new Ring({ entries: 8 });
  const addr = unixAbstract(`deno-uring-${Deno.pid}-${Math.random()}`);
  const l = socket(ring, Sock.AF_UNIX);
  ok(runOne(ring, (s) => s.prepBind(l, addr)), "bind");
  ok(runOne(ring, (s) => s.prepListen(l, 4)), "listen");
  const c = socket(ring, Sock.AF_UNIX);
  ok(runOne(ring, (s) => s.prepConnect(c, addr)), "connect");
  const a = ok(runOne(ring, (s) => s.prepAccept(l)), "accept");
  const pipe = new Int32Array(2);
  assertEquals(runOne(ring, (s) => s.prepPipe(pipe, 0o2000000)).res, 0);
  // struct cmsghdr { u64 len; i32 level; i32 type } + one int: CMSG_LEN(4) = 20, SPACE = 24
  const cmsg = new Uint8Array(24);
  const cv = new DataView(cmsg.buffer);
  cv.setUint32(0, 20, true);
  cv.setInt32(8, Sock.SOL_SOCKET, true);
  cv.setInt32(12, 1, /* SCM_RIGHTS */ true);
  cv.setInt32(16, pipe[1], true);
  const out = new MsgHdr({ iov: [enc.encode("fd")], control: cmsg });
  assertEquals(ok(runOne(ring, (s) => s.prepSendmsg(c, out)), "sendmsg"), 2);

  const data = new Uint8Array(8), control = new Uint8Array(24);
  const msg = new MsgHdr({ iov: [data], control });
  const MSG_CMSG_CLOEXEC = 0x40000000;
  assertEquals(ok(runOne(ring, (s) => s.prepRecvmsg(a, msg, MSG_CMSG_CLOEXEC)), "recvmsg"), 2);
  assertEquals(msg.controlLength, 24, "msg_controllen: CMSG_SPACE(sizeof(int))");
  const rv = new DataView(control.buffer);
  assertEquals([rv.getInt32(8, true), rv.getInt32(12, true)], [Sock.SOL_SOCKET, 1]);
  const got = rv.getInt32(16, true);
  assert(got >= 0 && got !== pipe[1], `received fd ${got}`);
  // the received fd is the pipe's write end
  assertEquals(runOne(ring, (s) => s.prepWrite(got, enc.encode("via SCM_RIGHTS"), -1)).res, 14);
  const buf = new Uint8Array(32);
  const n = runOne(ring, (s) => s.prepRead(pipe[0], buf, -1)).res;
  assertEquals(dec.decode(buf.subarray(0, n)), "via SCM_RIGHTS");
  close(ring, got, pipe[0], pipe[1], a, c, l);
});
