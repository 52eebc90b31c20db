/**
 * Addresses as Deno's socket functions take and give them: port and host validation with
 * Deno's errors, the host text of Deno's permission messages, and `struct sockaddr_un`.
 *
 * @module
 */
import { checkNet, checkPath } from "../sys/mod.ts";

function invalidPort(port: unknown): TypeError {
  return new TypeError(`Invalid port: ${typeof port === "string" ? `'${port}'` : String(port)}`);
}

/**
 * The port as Deno takes it: a number or a numeric string, 0..65535 (1..65535 to connect);
 * an absent port means 0 to `listen` and is an error to `connect`.
 *
 * @throws {TypeError} `Invalid port (expected number): x` or `Invalid port: x`, as Deno
 * @throws {RangeError} `Invalid port (out of range): x`, as Deno
 */
export function portOf(port: unknown, connecting: boolean): number {
  let n: number;
  if (port === undefined || port === null) {
    if (!connecting) return 0;
    throw new TypeError(`Invalid port (expected number): ${port}`);
  }
  if (typeof port === "number") {
    if (Number.isNaN(port) || !Number.isInteger(port) && Number.isFinite(port)) {
      throw invalidPort(port);
    }
    n = port;
  } else if (typeof port === "string") {
    const t = port.trim();
    n = /^[0-9]+$/.test(t) ? Number(t) : NaN;
    if (Number.isNaN(n)) throw invalidPort(port);
  } else {
    throw new TypeError(`Invalid port (expected number): ${String(port)}`);
  }
  if (!(n >= (connecting ? 1 : 0) && n <= 65535)) {
    throw new RangeError(`Invalid port (out of range): ${port}`);
  }
  return n;
}

/**
 * The host checked as Deno checks it: not empty, no character a host name cannot have.
 *
 * @throws {URIError} `invalid empty host: ''` or `invalid host 'x': invalid char found in FQDN`
 */
export function hostOf(hostname: unknown, fallback: string): string {
  if (hostname === undefined || hostname === null) return fallback;
  const h = String(hostname);
  if (h === "") throw new URIError("invalid empty host: ''");
  if (/[\s/\\?#@<>^|%"`{}]/.test(h)) {
    throw new URIError(`invalid host '${h}': invalid char found in FQDN`);
  }
  return h;
}

/** `--allow-net` check for a TCP host and port; IPv6 hosts are bracketed as in Deno's message. */
export function checkTcp(hostname: string, port: number): void {
  const host = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  checkNet(host, port);
}

/**
 * The checks Deno makes before a Unix socket's `listen`/`connect`: read and write access to the
 * path as given, then net access to `unix:<absolute path>`.
 */
export function checkUnix(path: string): void {
  checkPath("read", path);
  checkPath("write", path);
  if (path.startsWith("\0")) return; // abstract: no file
  checkNet(`unix:${path.startsWith("/") ? path : `${Deno.cwd()}/${path}`}`);
}

const SUN_PATH = 108;

/**
 * `struct sockaddr_un` for `path` (a leading NUL names an abstract socket).
 *
 * @throws {TypeError} `path must be shorter than SUN_LEN` (code `EINVAL`), as Deno
 */
export function unixSockaddr(path: string): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode(path);
  const abstract = name[0] === 0;
  if (name.length >= SUN_PATH + (abstract ? 1 : 0)) {
    const err = new TypeError("path must be shorter than SUN_LEN") as TypeError & { code: string };
    err.code = "EINVAL";
    throw err;
  }
  const b = new Uint8Array(2 + name.length + (abstract ? 0 : 1));
  b[0] = 1; // AF_UNIX, little-endian u16
  b.set(name, 2);
  return b;
}

/** The path of a `struct sockaddr_un` of `len` bytes; null for an unnamed socket. */
export function unixPath(bytes: Uint8Array, len: number): string | null {
  if (len <= 2) return null;
  let end = len;
  if (bytes[2] !== 0) {
    end = bytes.indexOf(0, 2) < 0 || bytes.indexOf(0, 2) > len ? len : bytes.indexOf(0, 2);
  }
  return new TextDecoder().decode(bytes.subarray(2, end));
}
