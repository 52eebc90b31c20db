// The module's functions inside `Deno.test({ permissions })`, which revokes --allow-ffi while the
// test runs (Deno's own unit tests all do this): once preloadNative() ran and the default ring was
// made outside, file and socket ops, FsFile's sync calls and their errno, name resolution and
// AsyncRing reads and writes keep working, because no per-call path uses Deno.UnsafePointer*,
// UnsafePointerView or dlopen. Without preloadNative(), a group of C functions first needed
// inside such a test cannot be opened there, and the error says what to call.
// Each result is compared with Deno's own function on the same input.
import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  alignedBuffer,
  AsyncRing,
  connect,
  listen,
  open,
  preloadNative,
  readFile,
  stat,
  writeFile,
} from "../../ffi/mod.ts";
import { defaultRing } from "../../ffi/async/mod.ts";
import { patternBytes, runChild } from "../_helpers.ts";

// Made here, with --allow-ffi: the shim, libc and the rings' mmaps are opened before the tests.
preloadNative();
const io = defaultRing();
const own = new AsyncRing({ entries: 8 });
globalThis.addEventListener("unload", () => own.close());
const dir = Deno.makeTempDirSync({ prefix: "uring_revoked_ffi_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
let seq = 0;
const fresh = (name = "f") => `${dir}/${name}${seq++}`;

/** A test's permissions; without `ffi`, so --allow-ffi is revoked while it runs. */
const permissions: Deno.PermissionOptionsObject = { read: true, write: true, net: true };

/** The fields of a FileInfo that two stats of one unchanged file agree on. */
function fields(s: Deno.FileInfo) {
  const { size, mode, ino, dev, nlink, uid, gid, isFile, isDirectory, isSymlink, mtime } = s;
  return { size, mode, ino, dev, nlink, uid, gid, isFile, isDirectory, isSymlink, mtime };
}

/** The class, message and code of what `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    const err = e as Error & { code?: string };
    return { error: err.constructor.name, message: err.message, code: err.code };
  }
  return "no error";
}

Deno.test({
  name: "Deno.test permissions revoke --allow-ffi: Deno.UnsafePointer.of throws NotCapable",
  permissions,
  fn() {
    // The premise of the other tests: without it they would prove nothing.
    assertEquals(Deno.permissions.querySync({ name: "ffi" }).state, "prompt");
    assertThrows(() => Deno.UnsafePointer.of(new Uint8Array(8)), Deno.errors.NotCapable);
    assertThrows(() => Deno.dlopen("libc.so.6", {}), Deno.errors.NotCapable);
  },
});

Deno.test({
  name: "readFile/writeFile/stat on the default ring work with --allow-ffi revoked",
  permissions,
  async fn() {
    for (const size of [0, 1, 100, 65_537]) {
      const path = fresh();
      const data = patternBytes(size, size + 3);
      await writeFile(io, path, data);
      assertEquals(Deno.readFileSync(path), data);
      assertEquals(await readFile(io, path), data);
      assertEquals(fields(await stat(io, path)), fields(await Deno.stat(path)));
    }
    const missing = `${dir}/missing`;
    const mine = await assertRejects(() => readFile(io, missing), Deno.errors.NotFound);
    const deno = await assertRejects(() => Deno.readFile(missing), Deno.errors.NotFound);
    assertEquals(mine.message, deno.message);
  },
});

Deno.test({
  name: "open(): read/write/seek/stat/close and the sync calls work with --allow-ffi revoked",
  permissions,
  async fn() {
    const path = fresh();
    const data = patternBytes(10_000, 7);
    {
      using f = await open(path, { read: true, write: true, create: true });
      assertEquals(await f.write(data), data.length);
      assertEquals(await f.seek(100, Deno.SeekMode.Start), 100);
      const got = new Uint8Array(50);
      assertEquals(await f.read(got), 50);
      assertEquals(got, data.subarray(100, 150));
      assertEquals(fields(await f.stat()), fields(await Deno.stat(path)));
      // The sync members call libc (read, write, lseek, statx) on this thread.
      assertEquals(f.seekSync(-10, Deno.SeekMode.End), data.length - 10);
      const tail = new Uint8Array(10);
      assertEquals(f.readSync(tail), 10);
      assertEquals(tail, data.subarray(data.length - 10));
      assertEquals(f.writeSync(new Uint8Array([1, 2, 3])), 3);
      assertEquals(f.statSync().size, data.length + 3);
      // A failed libc call's errno, read through libc: the error Deno's file gives.
      using d = Deno.openSync(path);
      assertEquals(
        thrown(() => f.seekSync(-1, Deno.SeekMode.Start)),
        thrown(() => d.seekSync(-1, Deno.SeekMode.Start)),
      );
    }
    const expected = new Uint8Array([...data, 1, 2, 3]);
    assertEquals(Deno.readFileSync(path), expected);
    const file = await open(path);
    file.close();
    assertThrows(() => file.readSync(new Uint8Array(1)), Deno.errors.BadResource);
  },
});

Deno.test({
  name: "listen/connect/read/write work with --allow-ffi revoked, names resolved by getaddrinfo",
  permissions,
  async fn() {
    for (const hostname of ["127.0.0.1", "localhost"]) {
      using listener = listen({ hostname, port: 0 });
      const { port } = listener.addr as Deno.NetAddr;
      const [server, client] = await Promise.all([listener.accept(), connect({ hostname, port })]);
      using _s = server;
      using _c = client;
      // The name is the system's to resolve: the module must pick the address Deno picks.
      using deno = Deno.listen({ hostname, port: 0 });
      assertEquals(
        (listener.addr as Deno.NetAddr).hostname,
        (deno.addr as Deno.NetAddr).hostname,
      );
      assertEquals((client.remoteAddr as Deno.NetAddr).port, port);
      assertEquals(
        (server.remoteAddr as Deno.NetAddr).port,
        (client.localAddr as Deno.NetAddr).port,
      );
      const data = patternBytes(70_000, 11);
      const got = new Uint8Array(data.length);
      const reading = (async () => {
        let at = 0;
        while (at < got.length) {
          const n = await server.read(got.subarray(at));
          if (n === null) break;
          at += n;
        }
        return at;
      })();
      assertEquals(await client.write(data), data.length);
      assertEquals(await reading, data.length);
      assertEquals(got, data);
      await server.write(new Uint8Array([42]));
      const one = new Uint8Array(1);
      assertEquals(await client.read(one), 1);
      assertEquals(one[0], 42);
    }
  },
});

Deno.test({
  name: "AsyncRing read/write with plain and aligned buffers work with --allow-ffi revoked",
  permissions,
  async fn() {
    const path = fresh();
    const fd = await own.open(path, { read: true, write: true, create: true });
    try {
      const plain = patternBytes(8192, 5);
      const aligned = alignedBuffer(4096);
      aligned.set(patternBytes(4096, 9));
      assertEquals(await own.write(fd, plain, 0), plain.length);
      assertEquals(await own.write(fd, aligned, plain.length), aligned.length);
      assertEquals(Deno.readFileSync(path), new Uint8Array([...plain, ...aligned]));
      const intoPlain = new Uint8Array(4096);
      const intoAligned = alignedBuffer(8192);
      assertEquals(await own.read(fd, intoPlain, plain.length), 4096);
      assertEquals(intoPlain, aligned.slice());
      assertEquals(await own.read(fd, intoAligned, 0), 8192);
      assertEquals(intoAligned.slice(), plain);
      // Views at an offset of a buffer whose address is asked for the first time in here.
      const big = new Uint8Array(new ArrayBuffer(1000), 10, 20);
      assertEquals(await own.read(fd, big, 0), 20);
      assertEquals(big, plain.subarray(0, 20));
    } finally {
      await own.closeFd(fd);
    }
  },
});

Deno.test("without preloadNative(), a C function first needed after --allow-ffi is revoked says what to call", async () => {
  const mod = JSON.stringify(new URL("../../ffi/mod.ts", import.meta.url).href);
  const { code, out } = await runChild(`
    import { listen, readFile } from ${mod};
    await readFile(${JSON.stringify(new URL(import.meta.url).pathname)});
    await Deno.permissions.revoke({ name: "ffi" });
    try {
      listen({ hostname: "127.0.0.1", port: 0 });
      console.log("no error");
    } catch (e) {
      console.log(e.constructor.name, e.message);
    }
  `);
  assertEquals(code, 0);
  assertEquals(out.split(" ")[0], "NotCapable");
  assertEquals(out.includes("call openLibc() of ffi/sys, or preloadNative()"), true, out);
});
