// The module's one libc table (ffi/sys/_libc.ts): it opens, and each symbol is called for real
// with the C signature it declares, its result checked against Deno or the kernel. The last test
// checks that every symbol of the table was called here.
import { assert, assertEquals, assertGreater, assertNotEquals } from "@std/assert";
import {
  addressOf,
  copyFromAddress,
  cString,
  cStringAt,
  lastErrno,
  type Libc,
  libc,
  libcSymbols,
} from "../../ffi/sys/mod.ts";
import { At, OpenFlag, parseSockaddr, Sock, sockaddr, StatxMask } from "../../ffi/mod.ts";
import { closeFd, openFd, patternBytes, tempFile } from "../_helpers.ts";

const called = new Set<string>();
/** The table, recording which symbols a test took. */
const c = new Proxy(libc(), {
  get(target, name: string) {
    called.add(name);
    return target[name as keyof Libc];
  },
}) as Libc;

const EBADF = 9, ENOTTY = 25, ENOENT = 2, EWOULDBLOCK = 11;

Deno.test("libc() opens libc.so.6 once: the same table every call", () => {
  assert(libc() === libc());
  assertEquals(Object.keys(libc()).sort(), Object.keys(libcSymbols).sort());
});

Deno.test("memmove(buf, buf, 0) returns the address Deno.UnsafePointer.of gives", () => {
  for (const view of [new Uint8Array(8), new Uint8Array(1 << 16), new Float64Array(3)]) {
    const want = Deno.UnsafePointer.value(Deno.UnsafePointer.of(view));
    assertEquals(c.memmove(view, view, 0n), BigInt(want));
    assertEquals(addressOf(view), Number(want));
  }
  const dv = new DataView(new ArrayBuffer(24), 8);
  const dvBase = Deno.UnsafePointer.value(Deno.UnsafePointer.of(dv.buffer));
  assertEquals(c.memmove(dv, dv, 0n), BigInt(dvBase) + 8n);
  assertEquals(addressOf(dv), Number(dvBase) + 8);
  const shared = new Uint8Array(new SharedArrayBuffer(64), 8, 16);
  const base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(new Uint8Array(shared.buffer)));
  assertEquals(c.memmove(shared, shared, 0n), BigInt(base) + 8n);
  assertEquals(addressOf(shared), Number(base) + 8);
  // Deno may pass an empty view as NULL (`new Uint8Array(0)` is); addressOf() finds its buffer.
  assertEquals(c.memmove(new Uint8Array(0), new Uint8Array(0), 0n), 0n);
  const empty = new Uint8Array(new ArrayBuffer(32), 5, 0);
  const whole = Deno.UnsafePointer.value(Deno.UnsafePointer.of(empty.buffer));
  assertEquals(addressOf(empty), Number(whole) + 5);
});

Deno.test("memmoveFrom/strlen: copyFromAddress and cStringAt read C memory at an address", () => {
  const src = patternBytes(300, 4);
  const at = BigInt(addressOf(src));
  assertEquals(copyFromAddress(at + 10n, new Uint8Array(50)), src.subarray(10, 60));
  assertEquals(c.memmoveFrom(new Uint8Array(0), at, 0n), 0n);
  const text = cString("héllo, libc");
  assertEquals(c.strlen(BigInt(addressOf(text))), BigInt(text.length - 1));
  assertEquals(cStringAt(BigInt(addressOf(text))), "héllo, libc");
  assertEquals(cStringAt(0n), "");
});

Deno.test("__errno_location/lastErrno: the errno of the failed call just made", () => {
  assertNotEquals(c.__errno_location(), 0n);
  assertEquals(c.close(-1), -1);
  assertEquals(lastErrno(), EBADF);
  assertEquals(c.unlink(cString("/nonexistent-dir/x")), -1);
  assertEquals(lastErrno(), ENOENT);
});

Deno.test("read/write/lseek/ftruncate/fsync/fdatasync/statx/futimens on a file fd", () => {
  using file = tempFile(patternBytes(1000));
  const fd = openFd(file.path, OpenFlag.RDWR);
  try {
    assertEquals(c.lseek(fd, 100n, 0), 100n);
    const got = new Uint8Array(10);
    assertEquals(c.read(fd, got, 10n), 10n);
    assertEquals(got, patternBytes(1000).subarray(100, 110));
    assertEquals(c.lseek(fd, 0n, 2), 1000n);
    assertEquals(c.write(fd, new Uint8Array([7, 8, 9]), 3n), 3n);
    assertEquals(c.ftruncate(fd, 500n), 0);
    assertEquals(c.fsync(fd), 0);
    assertEquals(c.fdatasync(fd), 0);
    const times = new BigInt64Array([1_000_000n, 5n, 2_000_000n, 7n]); // atime, mtime
    assertEquals(c.futimens(fd, times), 0);
    const info = Deno.statSync(file.path);
    assertEquals(info.size, 500);
    assertEquals(info.mtime?.getTime(), 2_000_000_000);
    const stx = new Uint8Array(256);
    assertEquals(c.statx(fd, cString(""), At.EMPTY_PATH, StatxMask.BASIC_STATS, stx), 0);
    const v = new DataView(stx.buffer);
    assertEquals(Number(v.getBigUint64(40, true)), info.size); // stx_size
    assertEquals(Number(v.getBigUint64(32, true)), info.ino); // stx_ino
    assertEquals(c.lseek(-1, 0n, 0), -1n);
    assertEquals(lastErrno(), EBADF);
  } finally {
    closeFd(fd);
  }
});

Deno.test("flock/flockWait lock a file as Deno's FsFile.lock sees it", async () => {
  using file = tempFile("x");
  const a = openFd(file.path), b = openFd(file.path);
  try {
    assertEquals(c.flock(a, 2), 0); // LOCK_EX
    assertEquals(c.flock(b, 2 | 4), -1); // LOCK_EX | LOCK_NB: held
    assertEquals(lastErrno(), EWOULDBLOCK);
    using deno = Deno.openSync(file.path);
    assertEquals(await deno.tryLock(true), false);
    assertEquals(c.flock(a, 8), 0); // LOCK_UN
    assertEquals(await c.flockWait(b, 1), 0); // LOCK_SH, on a worker thread
    assertEquals(await deno.tryLock(false), true);
  } finally {
    closeFd(a);
    closeFd(b);
  }
});

Deno.test("isatty/tcgetattr/tcsetattr: a file is no terminal (ENOTTY), as Deno.FsFile says", () => {
  using file = tempFile("x");
  const fd = openFd(file.path);
  try {
    using deno = Deno.openSync(file.path);
    assertEquals(c.isatty(fd) === 1, deno.isTerminal());
    const termios = new Uint8Array(64);
    assertEquals(c.tcgetattr(fd, termios), -1);
    assertEquals(lastErrno(), ENOTTY);
    assertEquals(c.tcsetattr(fd, 0, termios), -1);
    assertEquals(lastErrno(), ENOTTY);
  } finally {
    closeFd(fd);
  }
});

Deno.test("socketpair/write/read/shutdown/close move bytes between two sockets", () => {
  const fds = new Int32Array([-1, -1]);
  assertEquals(c.socketpair(Sock.AF_UNIX, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC, 0, fds), 0);
  const data = patternBytes(100, 9);
  assertEquals(c.write(fds[0], data, 100n), 100n);
  assertEquals(c.shutdown(fds[0], Sock.SHUT_WR), 0);
  const got = new Uint8Array(200);
  assertEquals(c.read(fds[1], got, 200n), 100n);
  assertEquals(got.subarray(0, 100), data);
  assertEquals(c.read(fds[1], got, 200n), 0n); // the peer shut down writing
  assertEquals(c.close(fds[0]), 0);
  assertEquals(c.close(fds[1]), 0);
});

Deno.test("socket/setsockopt/bind/listen/getsockname/getpeername: a listener Deno connects to", async () => {
  const addr = sockaddr({ hostname: "127.0.0.1", port: 0 });
  const fd = c.socket(Sock.AF_INET, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC, 0);
  assertGreater(fd, 0);
  try {
    assertEquals(c.setsockopt(fd, Sock.SOL_SOCKET, Sock.SO_REUSEADDR, new Int32Array([1]), 4), 0);
    assertEquals(c.bind(fd, addr, addr.length), 0);
    assertEquals(c.listen(fd, 4), 0);
    const name = new Uint8Array(128), len = new Uint32Array([128]);
    assertEquals(c.getsockname(fd, name, len), 0);
    assertEquals(len[0], 16);
    const bound = parseSockaddr(name);
    assertEquals(bound.hostname, "127.0.0.1");
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: bound.port });
    // Not accepted: getpeername of the listener fails (ENOTCONN), as the kernel says.
    assertEquals(c.getpeername(fd, name, len), -1);
    assertEquals(lastErrno(), 107);
    assertEquals((conn.remoteAddr as Deno.NetAddr).port, bound.port);
  } finally {
    c.close(fd);
  }
});

Deno.test("getaddrinfo/getaddrinfoAsync/freeaddrinfo resolve localhost as Deno.listen does", async () => {
  using deno = Deno.listen({ hostname: "localhost", port: 0 });
  const want = (deno.addr as Deno.NetAddr).hostname;
  const hints = new Uint8Array(48);
  new DataView(hints.buffer).setInt32(8, Sock.SOCK_STREAM, true); // ai_socktype
  const name = cString("localhost");
  for (const call of ["sync", "async"]) {
    const out = new BigUint64Array(1);
    const ret = call === "sync"
      ? c.getaddrinfo(name, null, hints, out)
      : await c.getaddrinfoAsync(name, null, hints, out);
    assertEquals(ret, 0);
    const info = new DataView(copyFromAddress(out[0], new Uint8Array(48)).buffer);
    const len = info.getUint32(16, true); // ai_addrlen
    const sa = copyFromAddress(info.getBigUint64(24, true), new Uint8Array(len)); // ai_addr
    assertEquals(parseSockaddr(sa).hostname, want);
    c.freeaddrinfo(out[0]);
  }
});

Deno.test("gai_strerror: glibc's text for EAI_NONAME, read with cStringAt", () => {
  assertEquals(cStringAt(BigInt(c.gai_strerror(-2))), "Name or service not known");
});

Deno.test("fopen/fread/ferror/fclose read a file's bytes as Deno.readFileSync does", () => {
  using file = tempFile(patternBytes(70_000, 3));
  const f = c.fopen(cString(file.path), cString("rbe"));
  assert(f !== null);
  try {
    const buf = new Uint8Array(100_000);
    assertEquals(c.fread(buf, 1n, 100_000n, f), 70_000n);
    assertEquals(c.ferror(f), 0);
    assertEquals(buf.subarray(0, 70_000), Deno.readFileSync(file.path));
  } finally {
    assertEquals(c.fclose(f), 0);
  }
  assertEquals(c.fopen(cString("/nonexistent-dir/x"), cString("rb")), null);
});

Deno.test("getrlimit: RLIMIT_NOFILE and RLIMIT_MEMLOCK as /proc/self/limits shows them", () => {
  const limits = Deno.readTextFileSync("/proc/self/limits");
  for (const [resource, row] of [[7, "Max open files"], [8, "Max locked memory"]] as const) {
    const out = new BigUint64Array(2);
    assertEquals(c.getrlimit(resource, new Uint8Array(out.buffer)), 0);
    const [soft, hard] = limits.split("\n").find((l) => l.startsWith(row))!
      .slice(row.length).trim().split(/\s+/);
    const shown = (v: bigint) => v === 0xffff_ffff_ffff_ffffn ? "unlimited" : String(v);
    assertEquals([shown(out[0]), shown(out[1])], [soft, hard]);
  }
  assertEquals(c.getrlimit(-1, new Uint8Array(16)), -1);
  assertEquals(lastErrno(), 22); // EINVAL
});

Deno.test("every symbol of the libc table was called by the tests above", () => {
  const missing = Object.keys(libcSymbols).filter((n) => !called.has(n));
  assertEquals(missing, []);
});
