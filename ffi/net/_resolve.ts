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

const SYMBOLS = {
  getaddrinfo: { parameters: ["buffer", "pointer", "buffer", "buffer"], result: "i32" },
  getaddrinfoAsync: {
    name: "getaddrinfo",
    parameters: ["buffer", "pointer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  freeaddrinfo: { parameters: ["pointer"], result: "void" },
  gai_strerror: { parameters: ["i32"], result: "pointer" },
} as const;

let libc: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

function lib(): Deno.DynamicLibrary<typeof SYMBOLS> {
  return libc ??= Deno.dlopen("libc.so.6", SYMBOLS);
}

/** The IP address `hostname` spells, or undefined when it is a name to resolve. */
function literal(hostname: string): string | undefined {
  if (hostname.toLowerCase() === "localhost") return undefined; // the system decides
  try {
    return parseSockaddr(sockaddr({ hostname, port: 0 })).hostname;
  } catch {
    return undefined;
  }
}

// struct addrinfo (LP64): ai_addrlen at 16, ai_addr at 24.
const AI_ADDRLEN = 16, AI_ADDR = 24, AI_SOCKTYPE = 8;

function hintsAndName(hostname: string): [Uint8Array, Uint8Array, BigUint64Array] {
  const hints = new Uint8Array(48);
  new DataView(hints.buffer).setInt32(AI_SOCKTYPE, 1, true); // SOCK_STREAM, as Rust's std asks
  return [new TextEncoder().encode(hostname + "\0"), hints, new BigUint64Array(1)];
}

function firstAddress(ret: number, out: BigUint64Array): string {
  const l = lib();
  if (ret !== 0) {
    const text = Deno.UnsafePointerView.getCString(l.symbols.gai_strerror(ret)!);
    throw new Error(`failed to lookup address information: ${text}`);
  }
  const head = Deno.UnsafePointer.create(out[0]);
  if (head === null) throw new Error("No address associated with hostname");
  try {
    const view = new Deno.UnsafePointerView(head);
    const len = view.getUint32(AI_ADDRLEN);
    const addr = Deno.UnsafePointer.create(view.getBigUint64(AI_ADDR))!;
    const bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(addr, len).slice(0));
    return parseSockaddr(bytes).hostname;
  } finally {
    l.symbols.freeaddrinfo(head);
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
  return { hostname: firstAddress(lib().symbols.getaddrinfo(name, null, hints, out), out), port };
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
  const ret = await lib().symbols.getaddrinfoAsync(name, null, hints, out);
  return { hostname: firstAddress(ret, out), port };
}
