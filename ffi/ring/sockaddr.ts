/**
 * `struct sockaddr_in` / `sockaddr_in6` encoding and decoding for the socket preps.
 *
 * @module
 */

/**
 * An IP address and port, like `Deno.NetAddr` without the transport.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { AsyncRing, type SocketAddress } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const fd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
 * const addr: SocketAddress = io.localAddr(fd);
 * assert(addr.hostname === "127.0.0.1" && addr.port > 0);
 * await io.closeFd(fd);
 * ```
 */
export interface SocketAddress {
  /** IPv4 dotted quad or IPv6 text ("127.0.0.1", "::1"). */
  hostname: string;
  /** Port, 0..65535. */
  port: number;
}

function parseIpv4(h: string): number[] | undefined {
  const parts = h.split(".");
  if (parts.length !== 4) return undefined;
  const out = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return out.every((n) => n >= 0 && n <= 255) ? out : undefined;
}

function parseIpv6(h: string): number[] | undefined {
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (!h.includes(":")) return undefined;
  let tail: number[] = [];
  const v4 = h.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const b = parseIpv4(v4[2]);
    if (!b) return undefined;
    tail = [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
    h = v4[1].endsWith("::") ? v4[1] : v4[1].slice(0, -1);
  }
  const halves = h.split("::");
  if (halves.length > 2) return undefined;
  const parse = (
    s: string,
  ) => (s === ""
    ? []
    : s.split(":").map((x) => /^[0-9a-f]{1,4}$/i.test(x) ? parseInt(x, 16) : NaN));
  const left = parse(halves[0]);
  const right = halves.length === 2 ? parse(halves[1]) : [];
  const groups = 8 - tail.length;
  if (halves.length === 1 && left.length !== groups) return undefined;
  if (left.length + right.length > groups) return undefined;
  const words = [
    ...left,
    ...new Array(groups - left.length - right.length).fill(0),
    ...right,
    ...tail,
  ];
  if (words.some((w) => !(w >= 0 && w <= 0xffff))) return undefined;
  return words;
}

/**
 * Encodes an address as `struct sockaddr_in` (16 bytes) or `sockaddr_in6` (28 bytes).
 *
 * @param addr hostname (an IP literal; "localhost" means 127.0.0.1) and port
 * @returns the bytes, ready for `prepConnect`/`prepBind`/`prepSendto`
 * @throws {TypeError} when the hostname is not an IP address
 * @throws {RangeError} for a port outside 0..65535
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sockaddr } from "../../mod.ts";
 * assertEquals(sockaddr({ hostname: "127.0.0.1", port: 80 }).length, 16);
 * assertEquals(sockaddr({ hostname: "::1", port: 80 }).length, 28);
 * ```
 */
export function sockaddr(addr: SocketAddress): Uint8Array<ArrayBuffer> {
  const { port } = addr;
  let { hostname } = addr;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${port}`);
  }
  if (typeof hostname !== "string") throw new TypeError("hostname must be a string");
  if (hostname === "localhost") hostname = "127.0.0.1";
  const v4 = parseIpv4(hostname);
  if (v4) {
    const b = new Uint8Array(16);
    b[0] = 2; // AF_INET, little-endian u16
    b[2] = port >> 8;
    b[3] = port & 0xff;
    b.set(v4, 4);
    return b;
  }
  const v6 = parseIpv6(hostname);
  if (v6) {
    const b = new Uint8Array(28);
    b[0] = 10; // AF_INET6
    b[2] = port >> 8;
    b[3] = port & 0xff;
    for (let i = 0; i < 8; i++) {
      b[8 + i * 2] = v6[i] >> 8;
      b[9 + i * 2] = v6[i] & 0xff;
    }
    return b;
  }
  throw new TypeError(`hostname must be an IPv4 or IPv6 address, got "${hostname}"`);
}

/**
 * Decodes a `struct sockaddr_in`/`sockaddr_in6`.
 *
 * @throws {TypeError} for another address family
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseSockaddr, sockaddr } from "../../mod.ts";
 * const a = parseSockaddr(sockaddr({ hostname: "::1", port: 8080 }));
 * assertEquals([a.hostname, a.port], ["::1", 8080]);
 * ```
 */
export function parseSockaddr(bytes: Uint8Array): SocketAddress {
  const family = bytes[0] | (bytes[1] << 8);
  const port = (bytes[2] << 8) | bytes[3];
  if (family === 2) return { hostname: Array.from(bytes.subarray(4, 8)).join("."), port };
  if (family === 10) {
    const words: number[] = [];
    for (let i = 0; i < 8; i++) words.push((bytes[8 + i * 2] << 8) | bytes[9 + i * 2]);
    // RFC 5952: compress the longest run of zero words
    let best = -1, bestLen = 0;
    for (let i = 0; i < 8;) {
      if (words[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && words[j] === 0) j++;
      if (j - i > bestLen && j - i > 1) {
        best = i;
        bestLen = j - i;
      }
      i = j;
    }
    const hex = words.map((w) => w.toString(16));
    const hostname = best < 0
      ? hex.join(":")
      : `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
    return { hostname, port };
  }
  throw new TypeError(`unsupported address family ${family}`);
}
