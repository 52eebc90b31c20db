/**
 * `AsyncRing.listenTcp()` and `connectTcp()`: socket + options + bind/listen or connect, as one
 * linked chain, over the few ops they use.
 *
 * @internal
 * @module
 */
import { Sock, type UringError } from "../sys/mod.ts";
import type { AsyncOpOptions } from "../engine/mod.ts";
import { sockaddr } from "../ring/mod.ts";
import type { AsyncLinkBuilder } from "./link_builder.ts";
import type { ConnectTcpOptions, DirectOptions, LinkOptions, ListenTcpOptions } from "./options.ts";

/** The part of an `AsyncRing` these functions use. */
export interface TcpRing {
  readonly closed: boolean;
  readonly ring: { readonly sqEntries: number };
  socket(domain: number, type: number, protocol?: number, options?: DirectOptions): Promise<number>;
  closeFd(fd: number, options?: AsyncOpOptions): Promise<void>;
  link(
    build: (chain: AsyncLinkBuilder) => unknown,
    options?: LinkOptions,
  ): Promise<(number | UringError)[]>;
}

type Step = (c: AsyncLinkBuilder) => void;

/** Runs the steps as one chain when the SQ holds them all, else one at a time. */
async function run(io: TcpRing, steps: Step[], options?: AsyncOpOptions): Promise<void> {
  const chains = steps.length <= io.ring.sqEntries ? [steps] : steps.map((s) => [s]);
  for (const chain of chains) {
    for (const r of await io.link((c) => chain.forEach((step) => step(c)), options)) {
      if (r instanceof Error) throw r;
    }
  }
}

/** A TCP socket for `addr`, with `steps` run on it; closed again if a step fails. */
async function tcpSocket(
  io: TcpRing,
  addr: Uint8Array,
  steps: (fd: number) => Step[],
  options?: AsyncOpOptions,
): Promise<number> {
  const domain = addr.length === 16 ? Sock.AF_INET : Sock.AF_INET6;
  const fd = await io.socket(domain, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC, 0, options);
  try {
    await run(io, steps(fd), options);
  } catch (err) {
    if (!io.closed) await io.closeFd(fd).catch(() => {});
    throw err;
  }
  return fd;
}

function checkObject(opts: unknown): void {
  if (typeof opts !== "object" || opts === null) throw new TypeError("options must be an object");
}

const ONE = new Int32Array([1]);

/** `AsyncRing.listenTcp()`. */
export async function listenTcp(
  io: TcpRing,
  opts: ListenTcpOptions,
  options?: AsyncOpOptions,
): Promise<number> {
  checkObject(opts);
  const addr = sockaddr({ hostname: opts.hostname ?? "0.0.0.0", port: opts.port });
  return await tcpSocket(io, addr, (fd) => {
    const steps: Step[] = [];
    const opt = (level: number, name: number) =>
      steps.push((c) => c.setsockopt(fd, level, name, ONE));
    if (opts.reuseAddress !== false) opt(Sock.SOL_SOCKET, Sock.SO_REUSEADDR);
    if (opts.reusePort === true) opt(Sock.SOL_SOCKET, Sock.SO_REUSEPORT);
    if (opts.noDelay === true) opt(Sock.IPPROTO_TCP, Sock.TCP_NODELAY);
    steps.push((c) => c.bind(fd, addr), (c) => c.listen(fd, opts.backlog ?? 511));
    return steps;
  }, options);
}

/** `AsyncRing.connectTcp()`. */
export async function connectTcp(
  io: TcpRing,
  opts: ConnectTcpOptions,
  options?: AsyncOpOptions,
): Promise<number> {
  checkObject(opts);
  const addr = sockaddr({ hostname: opts.hostname, port: opts.port });
  return await tcpSocket(io, addr, (fd) => {
    const steps: Step[] = [];
    if (opts.noDelay !== false) {
      steps.push((c) => c.setsockopt(fd, Sock.IPPROTO_TCP, Sock.TCP_NODELAY, ONE));
    }
    steps.push((c) => c.connect(fd, addr));
    return steps;
  }, options);
}
