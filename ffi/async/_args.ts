/**
 * Argument mapping and result decoding shared by `AsyncRing` and `AsyncLinkBuilder`.
 *
 * @internal
 * @module
 */
import { OpenFlag } from "../sys/mod.ts";
import { ownCopy } from "../engine/mod.ts";
import { sockaddr } from "../ring/mod.ts";
import type { SocketAddressLike, WaitidResult } from "./options.ts";

const textOf = (v: unknown) => typeof v === "string" ? `"${v}"` : String(v);

/**
 * `O_*` flags for `Deno.OpenOptions`, with Deno's checks and Rust's `OpenOptions` mapping.
 * Options that set none of `read`, `write`, `append` open read-only.
 *
 * @throws {TypeError} for combinations Deno rejects
 */
export function openFlags(o: Deno.OpenOptions | undefined): number {
  if (o === undefined) return OpenFlag.RDONLY | OpenFlag.CLOEXEC;
  if (typeof o !== "object" || o === null) throw new TypeError("options must be an object");
  const { write, append, truncate, create, createNew } = o;
  // Options that name no access mode (only `signal`, `mode`, ...) mean read-only, as no options do.
  const read = o.read ?? (write === undefined && append === undefined);
  if (!read && !write && !append) {
    throw new TypeError("'options' requires at least one option to be true");
  }
  if ((create || createNew) && !write && !append) {
    throw new TypeError("'create' or 'createNew' options require 'write' or 'append' to be true");
  }
  if (truncate && !write) throw new TypeError("'truncate' option requires 'write' to be true");
  if (truncate && append && !createNew) {
    throw new TypeError("'truncate' and 'append' cannot be used together");
  }
  let f = OpenFlag.CLOEXEC;
  if (write || append) f |= read ? OpenFlag.RDWR : OpenFlag.WRONLY;
  if (append) f |= OpenFlag.APPEND;
  if (createNew) f |= OpenFlag.CREAT | OpenFlag.EXCL;
  else {
    if (create) f |= OpenFlag.CREAT;
    if (truncate) f |= OpenFlag.TRUNC;
  }
  return f;
}

/** The file mode for `open()`: `mode`, default 0o666 (the umask applies). */
export function openMode(o: Deno.OpenOptions | undefined): number {
  const mode = o?.mode ?? 0o666;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new RangeError(`mode must be an integer in 0..0o7777, got ${textOf(mode)}`);
  }
  return mode;
}

const CLD = ["exited", "killed", "dumped", "trapped", "stopped", "continued"] as const;

/** Decodes the `siginfo_t` of a waitid. */
export function decodeSiginfo(buf: unknown): WaitidResult {
  const b = buf as Uint8Array<ArrayBuffer>;
  const v = new DataView(b.buffer, b.byteOffset, 128);
  const code = v.getInt32(8, true);
  return {
    pid: v.getInt32(16, true),
    code: CLD[code - 1] ?? "exited",
    status: v.getInt32(24, true),
  };
}

/** Signal numbers of the names `Deno.CommandStatus.signal` uses (x86-64/aarch64 Linux). */
export const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/** `struct sockaddr` bytes for `addr`. */
export function sockaddrOf(addr: SocketAddressLike): ArrayBufferView {
  if (ArrayBuffer.isView(addr)) return ownCopy(addr);
  if (typeof addr !== "object" || addr === null) {
    throw new TypeError("address must be { hostname, port } or sockaddr bytes");
  }
  return sockaddr(addr);
}
