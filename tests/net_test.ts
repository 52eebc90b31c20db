// Sockets through io_uring on loopback: socket/bind/listen/connect/accept, send/recv in every
// form the kernel has (sendto, sendmsg/recvmsg, zero-copy, multishot), shutdown, uring_cmd, and
// interop with Deno's own TCP.
import assert from "node:assert/strict";
import {
  type Cqe,
  CqeBatch,
  CqeFlag,
  fixed,
  MsgHdr,
  Op,
  parseSockaddr,
  RegisterOp,
  Ring,
  Sock,
  sockaddr,
  type SocketAddress,
  SocketCmd,
} from "../mod.ts";
import { native } from "../ffi/loader.ts";
import { runOne } from "./_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const ECANCELED = 125;
const EINVAL = 22;
const EOPNOTSUPP = 95;

const probed = new Ring({ entries: 1 });
const supported = new Set(Object.values(Op).filter((op) => probed.supports(op)));
probed.close();
/** Whether the running kernel has opcode `op`; tests that need it are ignored otherwise. */
function kernelHas(op: number): boolean {
  return supported.has(op as Op);
}

/** Asserts a CQE succeeded and returns its result. */
function ok(cqe: Cqe, what: string): number {
  assert.ok(cqe.res >= 0, `${what} failed with ${cqe.res}`);
  return cqe.res;
}

function localAddr(fd: number): SocketAddress {
  const buf = new Uint8Array(128);
  const len = native().uring_getsockname(fd, buf, buf.byteLength);
  assert.ok(len > 0, `getsockname: ${len}`);
  return parseSockaddr(buf.subarray(0, len));
}

function socket(ring: Ring, domain: number, type: number = Sock.SOCK_STREAM): number {
  return ok(runOne(ring, (s) => s.prepSocket(domain, type | Sock.SOCK_CLOEXEC)), "socket");
}

/** A listening TCP socket made with SOCKET, BIND and LISTEN ops; the port is the kernel's. */
function listenTcp(ring: Ring, hostname: string): { fd: number; port: number } {
  const fd = socket(ring, hostname.includes(":") ? Sock.AF_INET6 : Sock.AF_INET);
  ok(runOne(ring, (s) => s.prepBind(fd, sockaddr({ hostname, port: 0 }))), "bind");
  ok(runOne(ring, (s) => s.prepListen(fd, 16)), "listen");
  return { fd, port: localAddr(fd).port };
}

function connectTcp(ring: Ring, hostname: string, port: number): number {
  const fd = socket(ring, hostname.includes(":") ? Sock.AF_INET6 : Sock.AF_INET);
  ok(runOne(ring, (s) => s.prepConnect(fd, sockaddr({ hostname, port }))), "connect");
  return fd;
}

function close(ring: Ring, ...fds: number[]): void {
  for (const fd of fds) ok(runOne(ring, (s) => s.prepClose(fd)), "close");
}

/** A connected pair over 127.0.0.1: [listen fd, client fd, server-side connection fd]. */
function tcpPair(ring: Ring): [number, number, number] {
  const l = listenTcp(ring, "127.0.0.1");
  const c = connectTcp(ring, "127.0.0.1", l.port);
  const a = ok(runOne(ring, (s) => s.prepAccept(l.fd)), "accept");
  return [l.fd, c, a];
}

function send(ring: Ring, fd: number, text: string): number {
  return ok(runOne(ring, (s) => s.prepSend(fd, enc.encode(text))), "send");
}

function recvText(ring: Ring, fd: number, size = 256): string {
  const buf = new Uint8Array(size);
  const n = ok(runOne(ring, (s) => s.prepRecv(fd, buf)), "recv");
  return dec.decode(buf.subarray(0, n));
}

/** Takes `n` CQEs, blocking until they are there. */
function reap(ring: Ring, n: number): Cqe[] {
  const out: Cqe[] = [];
  const batch = new CqeBatch(n);
  while (out.length < n) {
    ring.copyCqes(batch, 1);
    for (const c of batch) {
      out.push({ userData: c.userData, res: c.res, flags: c.flags });
      if (out.length === n) break;
    }
  }
  return out;
}

Deno.test("Sqe.prepSocket/prepBind/prepListen() make a listening socket on 127.0.0.1 port 0", () => {
  using ring = new Ring({ entries: 8 });
  assert.ok(ring.supports(Op.BIND) && ring.supports(Op.LISTEN));
  const { fd, port } = listenTcp(ring, "127.0.0.1");
  assert.ok(fd >= 0);
  assert.ok(port > 0 && port < 65536, `kernel-chosen port ${port}`);
  assert.deepEqual(localAddr(fd), { hostname: "127.0.0.1", port });
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
  assert.equal(cqe.res, -98); // EADDRINUSE
  close(ring, fd, l.fd);
});

Deno.test("Sqe.prepAccept() returns a connection fd", () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  assert.ok(a >= 0 && a !== l && a !== c);
  // the accepted socket's local address is the listener's
  assert.equal(localAddr(a).port, localAddr(l).port);
  close(ring, a, c, l);
});

Deno.test("Sqe.prepAccept() with addr/addrLen buffers reports the peer address", () => {
  using ring = new Ring({ entries: 8 });
  const l = listenTcp(ring, "127.0.0.1");
  const c = connectTcp(ring, "127.0.0.1", l.port);
  const addr = new Uint8Array(128);
  const addrLen = new Uint32Array([addr.byteLength]);
  const a = ok(runOne(ring, (s) => s.prepAccept(l.fd, addr, addrLen)), "accept");
  assert.equal(addrLen[0], 16, "sockaddr_in length written back");
  assert.deepEqual(parseSockaddr(addr), localAddr(c));
  close(ring, a, c, l.fd);
});

Deno.test("Sqe.prepConnect() and prepAccept() work on ::1", () => {
  using ring = new Ring({ entries: 8 });
  const l = listenTcp(ring, "::1");
  assert.deepEqual(localAddr(l.fd), { hostname: "::1", port: l.port });
  const c = connectTcp(ring, "::1", l.port);
  const addr = new Uint8Array(128);
  const addrLen = new Uint32Array([addr.byteLength]);
  const a = ok(runOne(ring, (s) => s.prepAccept(l.fd, addr, addrLen)), "accept");
  assert.equal(addrLen[0], 28, "sockaddr_in6 length written back");
  const peer = parseSockaddr(addr);
  assert.equal(peer.hostname, "::1");
  assert.equal(peer.port, localAddr(c).port);
  send(ring, c, "over v6");
  assert.equal(recvText(ring, a), "over v6");
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
  assert.equal(cqe.res, -111); // ECONNREFUSED
  close(ring, fd);
});

Deno.test("Sqe.prepSend() and prepRecv() move data both ways", () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  assert.equal(send(ring, c, "ping from client"), 16);
  assert.equal(recvText(ring, a), "ping from client");
  assert.equal(send(ring, a, "pong from server"), 16);
  assert.equal(recvText(ring, c), "pong from server");
  // MSG_PEEK leaves the data queued
  send(ring, c, "peek");
  const buf = new Uint8Array(16);
  assert.equal(ok(runOne(ring, (s) => s.prepRecv(a, buf, Sock.MSG_PEEK)), "peek"), 4);
  assert.equal(recvText(ring, a), "peek");
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
  assert.equal(byUd.get(2), 7);
  assert.equal(byUd.get(1), 7);
  assert.equal(dec.decode(buf.subarray(0, 7)), "batched");
  close(ring, a, c, l);
});

Deno.test("Sqe.prepShutdown() SHUT_WR makes the peer's recv return 0", () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  send(ring, c, "last words");
  assert.equal(ok(runOne(ring, (s) => s.prepShutdown(c, Sock.SHUT_WR)), "shutdown"), 0);
  assert.equal(recvText(ring, a), "last words");
  const buf = new Uint8Array(16);
  assert.equal(runOne(ring, (s) => s.prepRecv(a, buf)).res, 0, "EOF");
  // the other direction still works
  send(ring, a, "still open");
  assert.equal(recvText(ring, c), "still open");
  close(ring, a, c, l);
});

Deno.test("Sqe.prepSendto() sends UDP datagrams to an address", () => {
  using ring = new Ring({ entries: 8 });
  const rx = socket(ring, Sock.AF_INET, Sock.SOCK_DGRAM);
  ok(runOne(ring, (s) => s.prepBind(rx, sockaddr({ hostname: "127.0.0.1", port: 0 }))), "bind");
  const to = sockaddr(localAddr(rx));
  const tx = socket(ring, Sock.AF_INET, Sock.SOCK_DGRAM);
  assert.equal(runOne(ring, (s) => s.prepSendto(tx, enc.encode("datagram 1"), 0, to)).res, 10);
  assert.equal(runOne(ring, (s) => s.prepSendto(tx, enc.encode("dg 2"), 0, to)).res, 4);
  // datagram boundaries are kept
  assert.equal(recvText(ring, rx), "datagram 1");
  assert.equal(recvText(ring, rx), "dg 2");
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
  assert.equal(ok(runOne(ring, (s) => s.prepSendmsg(tx, out)), "sendmsg"), 22);

  const head = new Uint8Array(8), tail = new Uint8Array(64);
  const from = new Uint8Array(32);
  const msg = new MsgHdr({ iov: [head, tail], name: from });
  assert.equal(msg.nameLength, 32);
  const n = ok(runOne(ring, (s) => s.prepRecvmsg(rx, msg)), "recvmsg");
  assert.equal(n, 22);
  assert.equal(dec.decode(head), "scatter ");
  assert.equal(dec.decode(tail.subarray(0, n - 8)), "gather message");
  assert.equal(msg.nameLength, 16, "kernel wrote back msg_namelen");
  // tx was bound implicitly (to 0.0.0.0 and an ephemeral port) by its first send
  assert.deepEqual(parseSockaddr(from), { hostname: "127.0.0.1", port: localAddr(tx).port });
  assert.equal(msg.flags, 0);

  // a too-small buffer sets MSG_TRUNC (0x20) in msg_flags
  ok(runOne(ring, (s) => s.prepSendmsg(tx, out)), "sendmsg");
  const small = new MsgHdr({ iov: [new Uint8Array(4)] });
  assert.equal(ok(runOne(ring, (s) => s.prepRecvmsg(rx, small)), "recvmsg"), 4);
  assert.equal(small.flags & 0x20, 0x20);
  close(ring, tx, rx);
});

Deno.test("Sqe.prepSendmsg() and prepRecvmsg() work on a TCP connection", () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  const msg = new MsgHdr({ iov: [enc.encode("tcp "), enc.encode("sendmsg")] });
  assert.equal(ok(runOne(ring, (s) => s.prepSendmsg(c, msg)), "sendmsg"), 11);
  const buf = new Uint8Array(32);
  const n = ok(runOne(ring, (s) => s.prepRecvmsg(a, new MsgHdr({ iov: [buf] }))), "recvmsg");
  assert.equal(dec.decode(buf.subarray(0, n)), "tcp sendmsg");
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
  assert.equal(first.userData, 47);
  assert.equal(first.res, data.byteLength);
  assert.ok(first.flags & CqeFlag.MORE, "first CQE has MORE");
  assert.equal(first.flags & CqeFlag.NOTIF, 0);
  assert.equal(second.userData, 47);
  assert.ok(second.flags & CqeFlag.NOTIF, "second CQE is the notification");
  assert.equal(second.flags & CqeFlag.MORE, 0);
  assert.equal(second.res, 0);
  assert.equal(recvText(ring, a), "zero copy payload");
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
  assert.equal(first.res, 10);
  assert.ok(first.flags & CqeFlag.MORE);
  assert.ok(second.flags & CqeFlag.NOTIF);
  assert.equal(second.flags & CqeFlag.MORE, 0);
  assert.deepEqual([first.userData, second.userData], [48, 48]);
  assert.equal(recvText(ring, a), "zc sendmsg");
  close(ring, a, c, l);
});

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
    assert.equal(cqe.userData, 99);
    assert.ok(cqe.res >= 0, `accept: ${cqe.res}`);
    assert.ok(cqe.flags & CqeFlag.MORE, "multishot accept goes on");
    conns.push(cqe.res);
  }
  assert.equal(new Set(conns).size, 3);
  // each accepted fd is a live connection to one of the clients
  for (let i = 0; i < 3; i++) send(peer, clients[i], `client ${i}`);
  const got = conns.map((fd) => recvText(ring, fd)).sort();
  assert.deepEqual(got, ["client 0", "client 1", "client 2"]);
  // cancel ends it: a final CQE without MORE
  const cancel = runOne(ring, (s) => s.prepCancel(99), 100);
  const rest = cancel.userData === 100 ? reap(ring, 1) : [cancel, ...reap(ring, 1)];
  const end = rest.find((x) => x.userData === 99)!;
  assert.equal(end.res, -ECANCELED);
  assert.equal(end.flags & CqeFlag.MORE, 0);
  close(peer, ...clients);
  close(ring, ...conns, l.fd);
});

Deno.test("Sqe.prepRecvMultishot() fills provided buffers (CqeFlag.BUFFER, bid = flags >>> 16)", () => {
  using ring = new Ring({ entries: 16 });
  using peer = new Ring({ entries: 4 }); // sends from c: their CQEs stay off this ring
  const [l, c, a] = tcpPair(ring);
  const SIZE = 64, COUNT = 4, GROUP = 3;
  const region = new Uint8Array(SIZE * COUNT);
  assert.equal(
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
    assert.equal(cqe.userData, 27);
    assert.equal(cqe.res, text.length);
    assert.ok(cqe.flags & CqeFlag.BUFFER, "a provided buffer was used");
    assert.ok(cqe.flags & CqeFlag.MORE, "multishot goes on");
    const bid = cqe.flags >>> 16;
    assert.ok(bid < COUNT);
    bids.add(bid);
    seen.push(dec.decode(region.subarray(bid * SIZE, bid * SIZE + cqe.res)));
  }
  assert.deepEqual(seen, ["first", "second", "third"]);
  assert.equal(bids.size, 3, "each receive took a new buffer");
  // EOF ends the multishot recv: res 0, no MORE
  ok(runOne(peer, (s) => s.prepShutdown(c, Sock.SHUT_WR)), "shutdown");
  const [eof] = reap(ring, 1);
  assert.equal(eof.userData, 27);
  assert.equal(eof.res, 0);
  assert.equal(eof.flags & CqeFlag.MORE, 0);
  // one buffer is left in the group; remove it
  assert.equal(runOne(ring, (s) => s.prepRemoveBuffers(COUNT, GROUP)).res, 1);
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
  assert.equal(first.res, 3);
  assert.equal(first.flags >>> 16, 7, "the only buffer, id 7");
  send(peer, c, "two");
  const [second] = reap(ring, 1);
  assert.equal(second.res, -105); // ENOBUFS
  assert.equal(second.flags & CqeFlag.MORE, 0);
  close(ring, a, c, l);
});

Deno.test({
  name: "Sqe.prepCmdSock(SIOCINQ) returns the bytes queued for reading",
  ignore: !kernelHas(Op.URING_CMD),
}, () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  assert.equal(runOne(ring, (s) => s.prepCmdSock(SocketCmd.SIOCINQ, a)).res, 0);
  send(ring, c, "12345");
  // wait until the data is there
  assert.ok(runOne(ring, (s) => s.prepPollAdd(a, 1)).res & 1);
  assert.equal(runOne(ring, (s) => s.prepCmdSock(SocketCmd.SIOCINQ, a)).res, 5);
  send(ring, c, "678");
  assert.ok(runOne(ring, (s) => s.prepPollAdd(a, 1)).res & 1);
  assert.equal(runOne(ring, (s) => s.prepCmdSock(SocketCmd.SIOCINQ, a)).res, 8);
  // SIOCOUTQ on the sender: nothing unacknowledged on loopback once delivered
  const outq = runOne(ring, (s) => s.prepCmdSock(SocketCmd.SIOCOUTQ, c)).res;
  assert.ok(outq >= 0 && outq <= 8, `SIOCOUTQ ${outq}`);
  close(ring, a, c, l);
});

Deno.test({
  name: "Sqe.prepUringCmd() with the raw SIOCINQ op number reads the queue size",
  ignore: !kernelHas(Op.URING_CMD),
}, () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  send(ring, c, "abcdefg");
  assert.ok(runOne(ring, (s) => s.prepPollAdd(a, 1)).res & 1);
  assert.equal(runOne(ring, (s) => s.prepUringCmd(a, 0 /* SOCKET_URING_OP_SIOCINQ */)).res, 7);
  // an op number sockets do not know
  assert.equal(runOne(ring, (s) => s.prepUringCmd(a, 0x7777)).res, -EOPNOTSUPP);
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
  assert.equal(get().res, 4, "getsockopt returns optlen");
  assert.ok(val[0] > 0);
  const want = new Int32Array([65536]);
  const set = runOne(
    ring,
    (s) => s.prepCmdSock(SocketCmd.SETSOCKOPT, fd, Sock.SOL_SOCKET, Sock.SO_RCVBUF, want),
  );
  assert.equal(set.res, 0);
  val[0] = 0;
  assert.equal(get().res, 4);
  assert.equal(val[0], 131072, "the kernel doubles SO_RCVBUF");
  // getsockopt over uring_cmd only knows SOL_SOCKET
  const tcp = runOne(
    ring,
    (s) => s.prepCmdSock(SocketCmd.GETSOCKOPT, fd, Sock.IPPROTO_TCP, Sock.TCP_NODELAY, val),
  );
  assert.equal(tcp.res, -EOPNOTSUPP);
  close(ring, fd);
});

Deno.test("Sqe.prepConnect() reaches a Deno.listen() server and talks to it", async () => {
  using ring = new Ring({ entries: 8 });
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const fd = connectTcp(ring, "127.0.0.1", port);
  using conn = await listener.accept();
  assert.equal((conn.remoteAddr as Deno.NetAddr).port, localAddr(fd).port);
  send(ring, fd, "hello from io_uring");
  const buf = new Uint8Array(64);
  let got = "";
  while (got.length < 19) {
    const n = await conn.read(buf);
    assert.ok(n !== null);
    got += dec.decode(buf.subarray(0, n));
  }
  assert.equal(got, "hello from io_uring");
  await conn.write(enc.encode("hello from Deno"));
  assert.equal(recvText(ring, fd), "hello from Deno");
  close(ring, fd);
  assert.equal(await conn.read(buf), null, "Deno sees EOF after the io_uring close");
});

Deno.test("Sqe.prepAccept() takes a Deno.connect() client", async () => {
  using ring = new Ring({ entries: 8 });
  const l = listenTcp(ring, "127.0.0.1");
  // the handshake completes in the kernel's backlog before accept runs
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: l.port });
  const addr = new Uint8Array(32);
  const addrLen = new Uint32Array([32]);
  const a = ok(runOne(ring, (s) => s.prepAccept(l.fd, addr, addrLen)), "accept");
  assert.equal(parseSockaddr(addr).port, (conn.localAddr as Deno.NetAddr).port);
  await conn.write(enc.encode("from Deno.connect"));
  assert.equal(recvText(ring, a), "from Deno.connect");
  send(ring, a, "from io_uring accept");
  const buf = new Uint8Array(64);
  let got = "";
  while (got.length < 20) {
    const n = await conn.read(buf);
    assert.ok(n !== null);
    got += dec.decode(buf.subarray(0, n));
  }
  assert.equal(got, "from io_uring accept");
  close(ring, a, l.fd);
});

Deno.test({
  name: "Sqe.prepRecvZc() fails cleanly with an error CQE on a plain TCP socket",
  ignore: !kernelHas(Op.RECV_ZC),
}, () => {
  using ring = new Ring({ entries: 8 });
  const [l, c, a] = tcpPair(ring);
  // no IORING_REGISTER_ZCRX_IFQ and no NIC queue: the kernel refuses the request
  const cqe = runOne(ring, (s) => s.prepRecvZc(a, 0, 0));
  assert.equal(cqe.res, -EINVAL);
  assert.equal(cqe.flags & CqeFlag.MORE, 0);
  // the socket is unharmed
  send(ring, c, "still fine");
  assert.equal(recvText(ring, a), "still fine");
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
    assert.equal(runOne(peer, (s) => s.prepSendto(tx, enc.encode(text), 0, to)).res, text.length);
    const [cqe] = reap(ring, 1);
    assert.equal(cqe.userData, 10);
    assert.ok(cqe.flags & CqeFlag.BUFFER);
    assert.ok(cqe.flags & CqeFlag.MORE);
    const bid = cqe.flags >>> 16;
    const buf = region.subarray(bid * SIZE, (bid + 1) * SIZE);
    const out = new DataView(buf.buffer, buf.byteOffset, 16); // struct io_uring_recvmsg_out
    assert.equal(out.getUint32(0, true), 16, "namelen");
    assert.equal(out.getUint32(4, true), 0, "controllen");
    assert.equal(out.getUint32(8, true), text.length, "payloadlen");
    assert.equal(cqe.res, 16 + 16 + text.length, "res counts header, name and payload");
    assert.deepEqual(parseSockaddr(buf.subarray(16, 32)), {
      hostname: "127.0.0.1",
      port: localAddr(tx).port,
    });
    assert.equal(dec.decode(buf.subarray(32, 32 + text.length)), text);
  }
  const cancel = runOne(ring, (s) => s.prepCancel(10), 11);
  const rest = cancel.userData === 11 ? reap(ring, 1) : [cancel];
  assert.equal(rest.find((x) => x.userData === 10)!.res, -ECANCELED);
  close(peer, tx);
  close(ring, rx);
});

/** Registers a file table of `fds` (-1: empty slot) with raw `IORING_REGISTER_FILES`. */
function registerFiles(ring: Ring, fds: number[]): void {
  const table = Int32Array.from(fds);
  assert.equal(ring.register(RegisterOp.FILES, new Uint8Array(table.buffer), fds.length), 0);
}

Deno.test("Sqe.prepSocketDirect() and prepSocketDirectAlloc() make sockets in the file table", () => {
  using ring = new Ring({ entries: 8 });
  registerFiles(ring, [-1, -1, -1, -1]);
  const l = listenTcp(ring, "127.0.0.1");
  const slot = runOne(ring, (s) => s.prepSocketDirectAlloc(Sock.AF_INET, Sock.SOCK_STREAM)).res;
  assert.ok(slot >= 0 && slot < 4, `allocated slot ${slot}`);
  const given = slot === 3 ? 2 : 3;
  assert.equal(
    runOne(ring, (s) => s.prepSocketDirect(Sock.AF_INET, Sock.SOCK_STREAM, 0, 0, given)).res,
    0,
  );
  // both connect through their slots; the listener sees two connections
  const to = sockaddr({ hostname: "127.0.0.1", port: l.port });
  for (const [i, fd] of [slot, given].entries()) {
    assert.equal(runOne(ring, (s) => s.prepConnect(fixed(fd), to)).res, 0);
    const a = ok(runOne(ring, (s) => s.prepAccept(l.fd)), "accept");
    assert.equal(runOne(ring, (s) => s.prepSend(fixed(fd), enc.encode(`direct ${i}`))).res, 8);
    assert.equal(recvText(ring, a), `direct ${i}`);
    close(ring, a);
  }
  // a direct descriptor cannot be close-on-exec
  assert.equal(
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
  assert.equal(runOne(ring, (s) => s.prepAcceptDirect(l.fd, null, null, 0, 4)).res, 0);
  send(peer, c0, "to slot 4");
  const buf = new Uint8Array(32);
  assert.equal(runOne(ring, (s) => s.prepRecv(fixed(4), buf)).res, 9);
  assert.equal(dec.decode(buf.subarray(0, 9)), "to slot 4");

  const sqe = ring.getSqe()!;
  sqe.prepMultishotAcceptDirect(l.fd);
  sqe.userData = 13;
  ring.submit();
  const clients = [connectTcp(peer, "127.0.0.1", l.port), connectTcp(peer, "127.0.0.1", l.port)];
  const slots = reap(ring, 2).map((cqe) => {
    assert.equal(cqe.userData, 13);
    assert.ok(cqe.flags & CqeFlag.MORE);
    return cqe.res;
  });
  assert.equal(new Set(slots).size, 2);
  for (const s of slots) assert.ok(s >= 0 && s < 6 && s !== 4, `slot ${s}`);
  for (const [i, s] of slots.entries()) {
    assert.equal(runOne(ring, (q) => q.prepSend(fixed(s), enc.encode(`slot ${i}`)), 14).res, 6);
  }
  const got = clients.map((c) => recvText(peer, c)).sort();
  assert.deepEqual(got, ["slot 0", "slot 1"]);
  const cancel = runOne(ring, (s) => s.prepCancel(13), 15);
  if (cancel.userData === 15) reap(ring, 1);
  close(peer, c0, ...clients);
  close(ring, l.fd);
});

/** An abstract AF_UNIX address (`struct sockaddr_un` with a leading NUL in the path). */
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
  assert.equal(runOne(ring, (s) => s.prepPipe(pipe, 0o2000000)).res, 0);
  // struct cmsghdr { u64 len; i32 level; i32 type } + one int: CMSG_LEN(4) = 20, SPACE = 24
  const cmsg = new Uint8Array(24);
  const cv = new DataView(cmsg.buffer);
  cv.setUint32(0, 20, true);
  cv.setInt32(8, Sock.SOL_SOCKET, true);
  cv.setInt32(12, 1, /* SCM_RIGHTS */ true);
  cv.setInt32(16, pipe[1], true);
  const out = new MsgHdr({ iov: [enc.encode("fd")], control: cmsg });
  assert.equal(ok(runOne(ring, (s) => s.prepSendmsg(c, out)), "sendmsg"), 2);

  const data = new Uint8Array(8), control = new Uint8Array(24);
  const msg = new MsgHdr({ iov: [data], control });
  const MSG_CMSG_CLOEXEC = 0x40000000;
  assert.equal(ok(runOne(ring, (s) => s.prepRecvmsg(a, msg, MSG_CMSG_CLOEXEC)), "recvmsg"), 2);
  assert.equal(msg.controlLength, 24, "msg_controllen: CMSG_SPACE(sizeof(int))");
  const rv = new DataView(control.buffer);
  assert.deepEqual([rv.getInt32(8, true), rv.getInt32(12, true)], [Sock.SOL_SOCKET, 1]);
  const got = rv.getInt32(16, true);
  assert.ok(got >= 0 && got !== pipe[1], `received fd ${got}`);
  // the received fd is the pipe's write end
  assert.equal(runOne(ring, (s) => s.prepWrite(got, enc.encode("via SCM_RIGHTS"), -1)).res, 14);
  const buf = new Uint8Array(32);
  const n = runOne(ring, (s) => s.prepRead(pipe[0], buf, -1)).res;
  assert.equal(dec.decode(buf.subarray(0, n)), "via SCM_RIGHTS");
  close(ring, got, pipe[0], pipe[1], a, c, l);
});
