/**
 * Host names resolved as `Deno.connect`/`Deno.listen` resolve them: the system resolver,
 * getaddrinfo(3) (so `/etc/hosts`, `nsswitch.conf` and `gai.conf` apply, and "localhost" is what
 * the system says it is), taking the first address it returns. `Deno.resolveDns` is a different
 * thing (a DNS client of its own) and is not used. io_uring has no resolver op: libc's
 * `getaddrinfo` is called through FFI, on a worker thread for the asynchronous form.
 *
 * @module
 */
import { parseSockaddr, sockaddr, type SocketAddress } from "../ring/mod.ts";
import { copyFromAddress, cStringAt, libc } from "../sys/mod.ts";

/** The IP address `hostname` spells, or undefined when it is a name to resolve. */
function literal(hostname: string): string | undefined {
  if (hostname.toLowerCase() === "localhost") return undefined; // the system decides
  try {
    return parseSockaddr(sockaddr({ hostname, port: 0 })).hostname;
  } catch {
    return undefined;
  }
}

// struct addrinfo (LP64, 48 bytes): ai_socktype at 8, ai_addrlen at 16, ai_addr at 24.
const AI_SIZE = 48, AI_ADDRLEN = 16, AI_ADDR = 24, AI_SOCKTYPE = 8;

function hintsAndName(hostname: string): [Uint8Array, Uint8Array, BigUint64Array] {
  const hints = new Uint8Array(48);
  new DataView(hints.buffer).setInt32(AI_SOCKTYPE, 1, true); // SOCK_STREAM, as Rust's std asks
  return [new TextEncoder().encode(hostname + "\0"), hints, new BigUint64Array(1)];
}

// Addresses are read with libc calls, not Deno.UnsafePointer*: those throw inside a
// permission-scoped Deno.test, where a lookup must still work.
function firstAddress(ret: number, out: BigUint64Array): string {
  const c = libc();
  if (ret !== 0) {
    const text = cStringAt(BigInt(c.gai_strerror(ret)));
    throw new Error(`failed to lookup address information: ${text}`);
  }
  const head = out[0];
  if (head === 0n) throw new Error("No address associated with hostname");
  try {
    const info = new DataView(copyFromAddress(head, new Uint8Array(AI_SIZE)).buffer);
    const len = Math.min(info.getUint32(AI_ADDRLEN, true), 128);
    const bytes = copyFromAddress(info.getBigUint64(AI_ADDR, true), new Uint8Array(len));
    return parseSockaddr(bytes).hostname;
  } finally {
    c.freeaddrinfo(head);
  }
}

/**
 * The address `hostname` resolves to, synchronously (as `Deno.listen` does).
 *
 * @throws {Error} `failed to lookup address information: <reason>`, as Deno
 */
export function resolveSync(hostname: string, port: number): SocketAddress {
  const ip = literal(hostname);
  if (ip !== undefined) return { hostname: ip, port };
  const [name, hints, out] = hintsAndName(hostname);
  return { hostname: firstAddress(libc().getaddrinfo(name, null, hints, out), out), port };
}

/**
 * The address `hostname` resolves to, without blocking the event loop (as `Deno.connect`).
 *
 * @throws {Error} `failed to lookup address information: <reason>`, as Deno
 */
export async function resolve(hostname: string, port: number): Promise<SocketAddress> {
  const ip = literal(hostname);
  if (ip !== undefined) return { hostname: ip, port };
  const [name, hints, out] = hintsAndName(hostname);
  const ret = await libc().getaddrinfoAsync(name, null, hints, out);
  return { hostname: firstAddress(ret, out), port };
}
