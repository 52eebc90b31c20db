// Shared helpers of the socket tests (net_test.ts, net_multishot_test.ts): sockets made, bound,
// connected and closed through io_uring itself on a given ring.
import { assertGreater, assertGreaterOrEqual } from "@std/assert";
import {
  type Cqe,
  CqeBatch,
  Op,
  parseSockaddr,
  Ring,
  Sock,
  sockaddr,
  type SocketAddress,
} from "../ffi/mod.ts";
import { native } from "../ffi/sys/loader.ts";
import { runOne } from "./_helpers.ts";

export const enc = new TextEncoder();
export const dec = new TextDecoder();
export const ECANCELED = 125;
export const EINVAL = 22;
export const EOPNOTSUPP = 95;

export const probed = new Ring({ entries: 1 });
export const supported = new Set(Object.values(Op).filter((op) => probed.supports(op)));
probed.close();
/** Whether the running kernel has opcode `op`; tests that need it are ignored otherwise. */
export function kernelHas(op: number): boolean {
  return supported.has(op as Op);
}

/** Asserts a CQE succeeded and returns its result. */
export function ok(cqe: Cqe, what: string): number {
  assertGreaterOrEqual(cqe.res, 0, `${what} failed with ${cqe.res}`);
  return cqe.res;
}

export function localAddr(fd: number): SocketAddress {
  const buf = new Uint8Array(128);
  const len = native().uring_getsockname(fd, buf, buf.byteLength);
  assertGreater(len, 0, `getsockname: ${len}`);
  return parseSockaddr(buf.subarray(0, len));
}

export function socket(ring: Ring, domain: number, type: number = Sock.SOCK_STREAM): number {
  return ok(runOne(ring, (s) => s.prepSocket(domain, type | Sock.SOCK_CLOEXEC)), "socket");
}

/** A listening TCP socket made with SOCKET, BIND and LISTEN ops; the port is the kernel's. */
export function listenTcp(ring: Ring, hostname: string): { fd: number; port: number } {
  const fd = socket(ring, hostname.includes(":") ? Sock.AF_INET6 : Sock.AF_INET);
  ok(runOne(ring, (s) => s.prepBind(fd, sockaddr({ hostname, port: 0 }))), "bind");
  ok(runOne(ring, (s) => s.prepListen(fd, 16)), "listen");
  return { fd, port: localAddr(fd).port };
}

export function connectTcp(ring: Ring, hostname: string, port: number): number {
  const fd = socket(ring, hostname.includes(":") ? Sock.AF_INET6 : Sock.AF_INET);
  ok(runOne(ring, (s) => s.prepConnect(fd, sockaddr({ hostname, port }))), "connect");
  return fd;
}

export function close(ring: Ring, ...fds: number[]): void {
  for (const fd of fds) ok(runOne(ring, (s) => s.prepClose(fd)), "close");
}

/** A connected pair over 127.0.0.1: [listen fd, client fd, server-side connection fd]. */
export function tcpPair(ring: Ring): [number, number, number] {
  const l = listenTcp(ring, "127.0.0.1");
  const c = connectTcp(ring, "127.0.0.1", l.port);
  const a = ok(runOne(ring, (s) => s.prepAccept(l.fd)), "accept");
  return [l.fd, c, a];
}

export function send(ring: Ring, fd: number, text: string): number {
  return ok(runOne(ring, (s) => s.prepSend(fd, enc.encode(text))), "send");
}

export function recvText(ring: Ring, fd: number, size = 256): string {
  const buf = new Uint8Array(size);
  const n = ok(runOne(ring, (s) => s.prepRecv(fd, buf)), "recv");
  return dec.decode(buf.subarray(0, n));
}

/** Takes `n` CQEs, blocking until they are there. */
export function reap(ring: Ring, n: number): Cqe[] {
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
