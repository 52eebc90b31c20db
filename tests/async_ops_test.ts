import assert from "node:assert/strict";
import { AsyncRing, fixed, OpenFlag, Sock } from "../mod.ts";
import { patternBytes, tempFile } from "./_helpers.ts";

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
  assert.equal(await io.nop(), undefined);
  assert.equal(io.pending, 0);
});

Deno.test("AsyncRing submits the ops started in one turn with one io_uring_enter", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const ps = [io.nop(), io.nop(), io.nop()];
  assert.equal(io.ring.sqReady(), 3, "prepared, not yet submitted");
  assert.equal(io.pending, 3);
  await Promise.all(ps);
  assert.equal(io.ring.sqReady(), 0);
  assert.equal(io.pending, 0);
});

Deno.test("AsyncRing.open() follows Deno.OpenOptions; read/write/closeFd round-trip", async () => {
  await using io = new AsyncRing({ entries: 16 });
  using tmp = tempFile("");
  const fd = await io.open(tmp.path, { write: true, truncate: true });
  assert.equal(await io.write(fd, enc.encode("hello world"), 0), 11);
  await io.closeFd(fd);
  const rfd = await io.open(tmp.path); // read-only by default
  const buf = new Uint8Array(32);
  const n = await io.read(rfd, buf, 6);
  assert.equal(dec.decode(buf.subarray(0, n)), "world");
  await assert.rejects(io.write(rfd, enc.encode("x"), 0), { name: "UringError", code: "EBADF" });
  await io.closeFd(rfd);

  const afd = await io.open(tmp.path, { append: true });
  await io.write(afd, enc.encode("!"));
  await io.closeFd(afd);
  assert.equal(Deno.readTextFileSync(tmp.path), "hello world!");

  await assert.rejects(io.open(tmp.path, { write: true, createNew: true }), { code: "EEXIST" });
  const fresh = `${tmp.path}.new`;
  const cfd = await io.open(fresh, { write: true, createNew: true, mode: 0o600 });
  await io.closeFd(cfd);
  assert.equal(Deno.statSync(fresh).mode! & 0o777, 0o600);
  Deno.removeSync(fresh);
  await assert.rejects(io.open(`${tmp.path}.missing`), { code: "ENOENT" });
});

Deno.test("AsyncRing.read() at -1 uses the file position; openat() takes raw flags", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("abcdef");
  const fd = await io.openat(-100, tmp.path, OpenFlag.RDONLY | OpenFlag.CLOEXEC);
  const buf = new Uint8Array(3);
  assert.equal(await io.read(fd, buf), 3);
  assert.equal(dec.decode(buf), "abc");
  assert.equal(await io.read(fd, buf), 3);
  assert.equal(dec.decode(buf), "def");
  assert.equal(await io.read(fd, buf), 0);
  await io.closeFd(fd);
});

Deno.test("AsyncRing.readv()/writev() scatter and gather", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("");
  const fd = await io.open(tmp.path, { read: true, write: true });
  assert.equal(await io.writev(fd, [enc.encode("abc"), enc.encode("defg")], 0), 7);
  const a = new Uint8Array(2), b = new Uint8Array(5);
  assert.equal(await io.readv(fd, [a, b], 0), 7);
  assert.equal(dec.decode(a) + dec.decode(b), "abcdefg");
  await io.closeFd(fd);
});

Deno.test("AsyncRing.statx() decodes struct statx for paths, fds and symlinks", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile(patternBytes(5000));
  const st = await io.statx(tmp.path);
  const ref = Deno.statSync(tmp.path);
  assert.equal(st.size, 5000);
  assert.equal(st.isFile, true);
  assert.equal(st.isDirectory, false);
  assert.equal(st.ino, ref.ino);
  assert.equal(st.mode, ref.mode);
  assert.equal(st.nlink, ref.nlink);
  assert.equal(st.uid, ref.uid);
  assert.equal(st.gid, ref.gid);
  assert.equal(st.blksize, ref.blksize);
  assert.equal(st.blocks, ref.blocks);
  assert.ok(Math.abs(st.mtimeMs - ref.mtime!.getTime()) < 1);
  assert.ok(Math.abs(st.atimeMs - ref.atime!.getTime()) < 1);
  assert.ok(st.ctimeMs > 0);
  assert.ok(st.birthtimeMs === null || st.birthtimeMs > 0);

  const fd = await io.open(tmp.path);
  const byFd = await io.statx(fd);
  assert.equal(byFd.ino, st.ino);
  assert.equal(byFd.size, 5000);
  await io.closeFd(fd);

  assert.equal((await io.statx("/")).isDirectory, true);
  const link = `${tmp.path}.lnk`;
  await io.symlink(tmp.path, link);
  assert.equal((await io.statx(link)).isFile, true);
  const l = await io.statx(link, { followSymlinks: false });
  assert.equal(l.isSymlink, true);
  await io.unlink(link);
  await assert.rejects(io.statx(link), { code: "ENOENT", call: "statx" });
});

Deno.test("AsyncRing.fsync/fdatasync/fallocate/ftruncate change the file", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("0123456789");
  const fd = await io.open(tmp.path, { write: true });
  await io.fsync(fd);
  await io.fdatasync(fd);
  await io.fallocate(fd, 0, 65536);
  assert.equal((await io.statx(fd)).size, 65536);
  await io.ftruncate(fd, 4);
  assert.equal((await io.statx(fd)).size, 4);
  await io.closeFd(fd);
  assert.equal(Deno.readTextFileSync(tmp.path), "0123");
});

Deno.test("AsyncRing.mkdir/rename/link/symlink/unlink work on paths", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using dir = tempDir();
  const d = `${dir.path}/sub`;
  await io.mkdir(d, 0o755);
  assert.equal(Deno.statSync(d).isDirectory, true);
  const a = `${d}/a`, b = `${d}/b`, h = `${d}/h`, s = `${d}/s`;
  Deno.writeTextFileSync(a, "data");
  await io.rename(a, b);
  assert.equal(Deno.readTextFileSync(b), "data");
  await io.link(b, h);
  assert.equal((await io.statx(b)).nlink, 2);
  await io.symlink(b, s);
  assert.equal(Deno.readLinkSync(s), b);
  await assert.rejects(io.unlink(d, { dir: true }), { code: "ENOTEMPTY" });
  for (const p of [b, h, s]) await io.unlink(p);
  await io.unlink(d, { dir: true });
  assert.throws(() => Deno.statSync(d), Deno.errors.NotFound);
  await assert.rejects(io.mkdir(dir.path), { code: "EEXIST", call: "mkdir" });
});

Deno.test("AsyncRing.timeout() resolves after the kernel timer", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const t0 = performance.now();
  await io.timeout(30);
  const dt = performance.now() - t0;
  assert.ok(dt >= 29, `took ${dt} ms`);
});

Deno.test("AsyncRing TCP over IPv4 and IPv6: listenTcp, localAddr, connectTcp, accept, send, recv", async () => {
  await using io = new AsyncRing({ entries: 32 });
  for (const hostname of ["127.0.0.1", "::1"]) {
    const lfd = await io.listenTcp({ hostname, port: 0 });
    const addr = io.localAddr(lfd);
    assert.equal(addr.hostname, hostname);
    assert.ok(addr.port > 0);
    const [cfd, conn] = await Promise.all([
      io.connectTcp({ hostname, port: addr.port }),
      io.accept(lfd),
    ]);
    assert.equal(io.localAddr(conn).port, addr.port);
    const data = patternBytes(3000, 7);
    assert.equal(await io.send(cfd, data), 3000);
    const got = new Uint8Array(3000);
    let n = 0;
    while (n < 3000) n += await io.recv(conn, got.subarray(n));
    assert.deepEqual(got, data);
    await io.shutdown(cfd, Sock.SHUT_WR);
    assert.equal(await io.recv(conn, got), 0, "EOF after shutdown");
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
  assert.equal(dec.decode(buf.subarray(0, n!)), "from uring");
  await io.closeFd(cfd);

  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0, backlog: 4 });
  const client = Deno.connect({ hostname: "127.0.0.1", port: io.localAddr(lfd).port });
  const sfd = await io.accept(lfd);
  using c = await client;
  await c.write(enc.encode("from deno"));
  const m = await io.recv(sfd, buf);
  assert.equal(dec.decode(buf.subarray(0, m)), "from deno");
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
  assert.equal(await io.send(sfd, enc.encode("x")), 1);
  for (const fd of [cfd, sfd, lfd]) await io.closeFd(fd);
  await assert.rejects(
    io.connect(cfd, { hostname: "127.0.0.1", port: 1 }),
    { name: "UringError", code: "EBADF", call: "connect" },
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
  assert.equal(await io.splice(inFd, 0, w, -1, 13), 13);
  assert.equal(await io.tee(r, w2, 13), 13);
  assert.equal(await io.splice(r, -1, outFd, 0, 13), 13);
  assert.equal(await io.poll(r2, 0x001), 0x001);
  const buf = new Uint8Array(32);
  const n = await io.read(r2, buf);
  assert.equal(dec.decode(buf.subarray(0, n)), "spliced bytes");
  assert.equal(Deno.readTextFileSync(dst.path), "spliced bytes");
  for (const fd of [r, w, r2, w2, inFd, outFd]) await io.closeFd(fd);
});

Deno.test("AsyncRing.futexWait/futexWake on a SharedArrayBuffer", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const word = new Int32Array(new SharedArrayBuffer(8));
  const waiting = io.futexWait(word, 0);
  await io.nop(); // the wait is in the kernel now
  Atomics.store(word, 0, 1);
  assert.equal(await io.futexWake(word, 1), 1);
  assert.equal(await waiting, "ok");
  assert.equal(await io.futexWait(word, 0), "not-equal");
  assert.equal(await io.futexWake(word, 1), 0);
});

Deno.test("AsyncRing.waitid() reports a Deno.Command child's exit, and child.status still works", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const child = new Deno.Command("sh", { args: ["-c", "sleep 0.1; exit 7"] }).spawn();
  const r = await io.waitid(child);
  assert.deepEqual(r, { pid: child.pid, code: "exited", status: 7 });
  assert.equal((await child.status).code, 7);

  // Deno's own reaper may win the race for the zombie: the ChildProcess form then reads its
  // status instead, with the same result.
  const killed = new Deno.Command("sleep", { args: ["5"] }).spawn();
  const waiting = io.waitid(killed);
  await io.nop();
  killed.kill("SIGTERM");
  const k = await waiting;
  assert.equal(k.code, "killed");
  assert.equal(k.status, 15);
  assert.equal((await killed.status).signal, "SIGTERM");

  // reaped by Deno before waitid: the pid form reports ECHILD, the ChildProcess form its status
  const quick = new Deno.Command("true").spawn();
  await quick.status;
  await assert.rejects(io.waitid(quick.pid), { code: "ECHILD" });
  assert.deepEqual(await io.waitid(quick), { pid: quick.pid, code: "exited", status: 0 });
});

Deno.test("AsyncRing.readFixed/writeFixed use registered buffers; fixed(i) works as an fd", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile(patternBytes(8192, 3));
  const bufs = io.ring.registerBuffers(2, 4096);
  const fd = await io.open(tmp.path, { read: true, write: true });
  assert.equal(await io.readFixed(fd, bufs, 1, 4096), 4096);
  assert.deepEqual(bufs.get(1), patternBytes(8192, 3).subarray(4096));
  bufs.get(0).fill(0x41);
  assert.equal(await io.writeFixed(fd, bufs, 0, 0, { length: 10 }), 10);
  const onDisk = Deno.readFileSync(tmp.path);
  assert.deepEqual(onDisk.subarray(0, 10), new Uint8Array(10).fill(0x41));
  assert.equal(onDisk[10], patternBytes(8192, 3)[10]);

  const files = io.ring.registerFiles([fd]);
  const small = new Uint8Array(4);
  assert.equal(await io.read(fixed(0), small, 0), 4);
  assert.equal(dec.decode(small), "AAAA");
  files.close();
  await io.closeFd(fd);
  bufs.close();
});

Deno.test("AsyncRing direct descriptors: open/socket into the file table, closeFd(fixed(i))", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("direct");
  const files = io.ring.registerFiles(4);
  const slot = await io.open(tmp.path, { direct: true });
  assert.ok(slot >= 0 && slot < 4);
  const buf = new Uint8Array(6);
  assert.equal(await io.read(fixed(slot), buf, 0), 6);
  assert.equal(dec.decode(buf), "direct");
  await io.closeFd(fixed(slot));
  await assert.rejects(io.read(fixed(slot), buf, 0), { code: "EBADF" });
  const sslot = await io.socket(Sock.AF_INET, Sock.SOCK_STREAM, 0, { direct: true });
  await io.closeFd(fixed(sslot));
  files.close();
});
