import {
  assert,
  assertEquals,
  assertGreater,
  assertGreaterOrEqual,
  assertLess,
  assertObjectMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { AsyncRing, fixed, OpenFlag, Sock, UringError } from "../../ffi/mod.ts";
import { patternBytes, tempFile } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function tempDir(): { path: string } & Disposable {
  const path = Deno.makeTempDirSync({ prefix: "uring_async_" });
  return {
    path,
    [Symbol.dispose]() {
      Deno.removeSync(path, { recursive: true });
    },
  };
}

Deno.test("AsyncRing.nop() resolves undefined", async () => {
  await using io = new AsyncRing({ entries: 8 });
  assertEquals(await io.nop(), undefined);
  assertEquals(io.pending, 0);
});

Deno.test("AsyncRing submits the ops started in one turn with one io_uring_enter", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const ps = [io.nop(), io.nop(), io.nop()];
  assertEquals(io.ring.sqReady(), 3, "prepared, not yet submitted");
  assertEquals(io.pending, 3);
  await Promise.all(ps);
  assertEquals(io.ring.sqReady(), 0);
  assertEquals(io.pending, 0);
});

Deno.test("AsyncRing.open() follows Deno.OpenOptions; read/write/closeFd round-trip", async () => {
  await using io = new AsyncRing({ entries: 16 });
  using tmp = tempFile("");
  const fd = await io.open(tmp.path, { write: true, truncate: true });
  assertEquals(await io.write(fd, enc.encode("hello world"), 0), 11);
  await io.closeFd(fd);
  const rfd = await io.open(tmp.path); // read-only by default
  const buf = new Uint8Array(32);
  const n = await io.read(rfd, buf, 6);
  assertEquals(dec.decode(buf.subarray(0, n)), "world");
  assertObjectMatch(await assertRejects(() => io.write(rfd, enc.encode("x"), 0), UringError), {
    code: "EBADF",
  });
  await io.closeFd(rfd);

  const afd = await io.open(tmp.path, { append: true });
  await io.write(afd, enc.encode("!"));
  await io.closeFd(afd);
  assertEquals(Deno.readTextFileSync(tmp.path), "hello world!");

  assertObjectMatch(
    await assertRejects(() => io.open(tmp.path, { write: true, createNew: true }), UringError),
    { code: "EEXIST" },
  );
  const fresh = `${tmp.path}.new`;
  const cfd = await io.open(fresh, { write: true, createNew: true, mode: 0o600 });
  await io.closeFd(cfd);
  assertEquals(Deno.statSync(fresh).mode! & 0o777, 0o600);
  Deno.removeSync(fresh);
  assertObjectMatch(await assertRejects(() => io.open(`${tmp.path}.missing`), UringError), {
    code: "ENOENT",
  });
});

Deno.test("AsyncRing.read() at -1 uses the file position; openat() takes raw flags", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("abcdef");
  const fd = await io.openat(-100, tmp.path, OpenFlag.RDONLY | OpenFlag.CLOEXEC);
  const buf = new Uint8Array(3);
  assertEquals(await io.read(fd, buf), 3);
  assertEquals(dec.decode(buf), "abc");
  assertEquals(await io.read(fd, buf), 3);
  assertEquals(dec.decode(buf), "def");
  assertEquals(await io.read(fd, buf), 0);
  await io.closeFd(fd);
});

Deno.test("AsyncRing.readv()/writev() scatter and gather", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("");
  const fd = await io.open(tmp.path, { read: true, write: true });
  assertEquals(await io.writev(fd, [enc.encode("abc"), enc.encode("defg")], 0), 7);
  const a = new Uint8Array(2), b = new Uint8Array(5);
  assertEquals(await io.readv(fd, [a, b], 0), 7);
  assertEquals(dec.decode(a) + dec.decode(b), "abcdefg");
  await io.closeFd(fd);
});

Deno.test("AsyncRing.statx() decodes struct statx for paths, fds and symlinks", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile(patternBytes(5000));
  const st = await io.statx(tmp.path);
  const ref = Deno.statSync(tmp.path);
  assertEquals(st.size, 5000);
  assertEquals(st.isFile, true);
  assertEquals(st.isDirectory, false);
  assertEquals(st.ino, ref.ino);
  assertEquals(st.mode, ref.mode);
  assertEquals(st.nlink, ref.nlink);
  assertEquals(st.uid, ref.uid);
  assertEquals(st.gid, ref.gid);
  assertEquals(st.blksize, ref.blksize);
  assertEquals(st.blocks, ref.blocks);
  assertLess(Math.abs(st.mtimeMs - ref.mtime!.getTime()), 1);
  assertLess(Math.abs(st.atimeMs - ref.atime!.getTime()), 1);
  assertGreater(st.ctimeMs, 0);
  assert(st.birthtimeMs === null || st.birthtimeMs > 0);

  const fd = await io.open(tmp.path);
  const byFd = await io.statx(fd);
  assertEquals(byFd.ino, st.ino);
  assertEquals(byFd.size, 5000);
  await io.closeFd(fd);

  assertEquals((await io.statx("/")).isDirectory, true);
  const link = `${tmp.path}.lnk`;
  await io.symlink(tmp.path, link);
  assertEquals((await io.statx(link)).isFile, true);
  const l = await io.statx(link, { followSymlinks: false });
  assertEquals(l.isSymlink, true);
  await io.unlink(link);
  assertObjectMatch(await assertRejects(() => io.statx(link), UringError), {
    code: "ENOENT",
    call: "statx",
  });
});

Deno.test("AsyncRing.fsync/fdatasync/fallocate/ftruncate change the file", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("0123456789");
  const fd = await io.open(tmp.path, { write: true });
  await io.fsync(fd);
  await io.fdatasync(fd);
  await io.fallocate(fd, 0, 65536);
  assertEquals((await io.statx(fd)).size, 65536);
  await io.ftruncate(fd, 4);
  assertEquals((await io.statx(fd)).size, 4);
  await io.closeFd(fd);
  assertEquals(Deno.readTextFileSync(tmp.path), "0123");
});

Deno.test("AsyncRing.mkdir/rename/link/symlink/unlink work on paths", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using dir = tempDir();
  const d = `${dir.path}/sub`;
  await io.mkdir(d, 0o755);
  assertEquals(Deno.statSync(d).isDirectory, true);
  const a = `${d}/a`, b = `${d}/b`, h = `${d}/h`, s = `${d}/s`;
  Deno.writeTextFileSync(a, "data");
  await io.rename(a, b);
  assertEquals(Deno.readTextFileSync(b), "data");
  await io.link(b, h);
  assertEquals((await io.statx(b)).nlink, 2);
  await io.symlink(b, s);
  assertEquals(Deno.readLinkSync(s), b);
  assertObjectMatch(await assertRejects(() => io.unlink(d, { dir: true }), UringError), {
    code: "ENOTEMPTY",
  });
  for (const p of [b, h, s]) await io.unlink(p);
  await io.unlink(d, { dir: true });
  assertThrows(() => Deno.statSync(d), Deno.errors.NotFound);
  assertObjectMatch(await assertRejects(() => io.mkdir(dir.path), UringError), {
    code: "EEXIST",
    call: "mkdir",
  });
});

Deno.test("AsyncRing.timeout() resolves after the kernel timer", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const t0 = performance.now();
  await io.timeout(30);
  const dt = performance.now() - t0;
  assertGreaterOrEqual(dt, 29, `took ${dt} ms`);
});

Deno.test("AsyncRing TCP over IPv4 and IPv6: listenTcp, localAddr, connectTcp, accept, send, recv", async () => {
  await using io = new AsyncRing({ entries: 32 });
  for (const hostname of ["127.0.0.1", "::1"]) {
    const lfd = await io.listenTcp({ hostname, port: 0 });
    const addr = io.localAddr(lfd);
    assertEquals(addr.hostname, hostname);
    assertGreater(addr.port, 0);
    const [cfd, conn] = await Promise.all([
      io.connectTcp({ hostname, port: addr.port }),
      io.accept(lfd),
    ]);
    assertEquals(io.localAddr(conn).port, addr.port);
    const data = patternBytes(3000, 7);
    assertEquals(await io.send(cfd, data), 3000);
    const got = new Uint8Array(3000);
    let n = 0;
    while (n < 3000) n += await io.recv(conn, got.subarray(n));
    assertEquals(got, data);
    await io.shutdown(cfd, Sock.SHUT_WR);
    assertEquals(await io.recv(conn, got), 0, "EOF after shutdown");
    for (const fd of [cfd, conn, lfd]) await io.closeFd(fd);
  }
});

Deno.test("AsyncRing sockets talk to Deno.listen and Deno.connect", async () => {
  await using io = new AsyncRing({ entries: 16 });
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const cfd = await io.connectTcp({ hostname: "127.0.0.1", port: listener.addr.port });
  using conn = await accepted;
  await io.send(cfd, enc.encode("from uring"));
  const buf = new Uint8Array(64);
  const n = await conn.read(buf);
  assertEquals(dec.decode(buf.subarray(0, n!)), "from uring");
  await io.closeFd(cfd);

  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0, backlog: 4 });
  const client = Deno.connect({ hostname: "127.0.0.1", port: io.localAddr(lfd).port });
  const sfd = await io.accept(lfd);
  using c = await client;
  await c.write(enc.encode("from deno"));
  const m = await io.recv(sfd, buf);
  assertEquals(dec.decode(buf.subarray(0, m)), "from deno");
  for (const fd of [sfd, lfd]) await io.closeFd(fd);
});

Deno.test("AsyncRing.socket/bind/listen/connect are usable one by one", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const lfd = await io.socket(Sock.AF_INET, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC);
  await io.bind(lfd, { hostname: "127.0.0.1", port: 0 });
  await io.listen(lfd, 8);
  const cfd = await io.socket(Sock.AF_INET, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC);
  const accepted = io.accept(lfd);
  await io.connect(cfd, io.localAddr(lfd));
  const sfd = await accepted;
  assertEquals(await io.send(sfd, enc.encode("x")), 1);
  for (const fd of [cfd, sfd, lfd]) await io.closeFd(fd);
  assertObjectMatch(
    await assertRejects(() => io.connect(cfd, { hostname: "127.0.0.1", port: 1 }), UringError),
    { code: "EBADF", call: "connect" },
  );
});

Deno.test("AsyncRing.pipe/splice/tee/poll move data between fds", async () => {
  await using io = new AsyncRing({ entries: 16 });
  using src = tempFile("spliced bytes");
  using dst = tempFile("");
  const [r, w] = await io.pipe();
  const [r2, w2] = await io.pipe();
  const inFd = await io.open(src.path);
  const outFd = await io.open(dst.path, { write: true });
  assertEquals(await io.splice(inFd, 0, w, -1, 13), 13);
  assertEquals(await io.tee(r, w2, 13), 13);
  assertEquals(await io.splice(r, -1, outFd, 0, 13), 13);
  assertEquals(await io.poll(r2, 0x001), 0x001);
  const buf = new Uint8Array(32);
  const n = await io.read(r2, buf);
  assertEquals(dec.decode(buf.subarray(0, n)), "spliced bytes");
  assertEquals(Deno.readTextFileSync(dst.path), "spliced bytes");
  for (const fd of [r, w, r2, w2, inFd, outFd]) await io.closeFd(fd);
});

Deno.test("AsyncRing.futexWait/futexWake on a SharedArrayBuffer", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const word = new Int32Array(new SharedArrayBuffer(8));
  const waiting = io.futexWait(word, 0);
  await io.nop(); // the wait is in the kernel now
  Atomics.store(word, 0, 1);
  assertEquals(await io.futexWake(word, 1), 1);
  assertEquals(await waiting, "ok");
  assertEquals(await io.futexWait(word, 0), "not-equal");
  assertEquals(await io.futexWake(word, 1), 0);
});

Deno.test("AsyncRing.waitid() reports a Deno.Command child's exit, and child.status still works", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const child = new Deno.Command("sh", { args: ["-c", "sleep 0.1; exit 7"] }).spawn();
  const r = await io.waitid(child);
  assertEquals(r, { pid: child.pid, code: "exited", status: 7 });
  assertEquals((await child.status).code, 7);

  // Deno's own reaper may win the race for the zombie: the ChildProcess form then reads its
  // status instead, with the same result.
  const killed = new Deno.Command("sleep", { args: ["5"] }).spawn();
  const waiting = io.waitid(killed);
  await io.nop();
  killed.kill("SIGTERM");
  const k = await waiting;
  assertEquals(k.code, "killed");
  assertEquals(k.status, 15);
  assertEquals((await killed.status).signal, "SIGTERM");

  // reaped by Deno before waitid: the pid form reports ECHILD, the ChildProcess form its status
  const quick = new Deno.Command("true").spawn();
  await quick.status;
  assertObjectMatch(await assertRejects(() => io.waitid(quick.pid), UringError), {
    code: "ECHILD",
  });
  assertEquals(await io.waitid(quick), { pid: quick.pid, code: "exited", status: 0 });
});

Deno.test("AsyncRing.readFixed/writeFixed use registered buffers; fixed(i) works as an fd", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile(patternBytes(8192, 3));
  const bufs = io.ring.registerBuffers(2, 4096);
  const fd = await io.open(tmp.path, { read: true, write: true });
  assertEquals(await io.readFixed(fd, bufs, 1, 4096), 4096);
  assertEquals(bufs.get(1), patternBytes(8192, 3).subarray(4096));
  bufs.get(0).fill(0x41);
  assertEquals(await io.writeFixed(fd, bufs, 0, 0, { length: 10 }), 10);
  const onDisk = Deno.readFileSync(tmp.path);
  assertEquals(onDisk.subarray(0, 10), new Uint8Array(10).fill(0x41));
  assertEquals(onDisk[10], patternBytes(8192, 3)[10]);

  const files = io.ring.registerFiles([fd]);
  const small = new Uint8Array(4);
  assertEquals(await io.read(fixed(0), small, 0), 4);
  assertEquals(dec.decode(small), "AAAA");
  files.close();
  await io.closeFd(fd);
  bufs.close();
});

Deno.test("AsyncRing direct descriptors: open/socket into the file table, closeFd(fixed(i))", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("direct");
  const files = io.ring.registerFiles(4);
  const slot = await io.open(tmp.path, { direct: true });
  assert(slot >= 0 && slot < 4);
  const buf = new Uint8Array(6);
  assertEquals(await io.read(fixed(slot), buf, 0), 6);
  assertEquals(dec.decode(buf), "direct");
  await io.closeFd(fixed(slot));
  assertObjectMatch(await assertRejects(() => io.read(fixed(slot), buf, 0), UringError), {
    code: "EBADF",
  });
  const sslot = await io.socket(Sock.AF_INET, Sock.SOCK_STREAM, 0, { direct: true });
  await io.closeFd(fixed(sslot));
  files.close();
});
