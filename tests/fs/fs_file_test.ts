// open(), create() and FsFile against Deno.open, Deno.create and Deno.FsFile on the same
// inputs: bytes, positions, end of file, FileInfo fields, errors, fds, pipes and FIFOs, locks.
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { AsyncRing, create, FsFile, open, UringError } from "../../ffi/mod.ts";
import { fdCount, patternBytes, runChild } from "../_helpers.ts";

const dir = Deno.makeTempDirSync({ prefix: "uring_fs_file_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
let seq = 0;
const fresh = (name = "f") => `${dir}/${name}${seq++}`;

function mkfifo(path: string): void {
  const out = new Deno.Command("mkfifo", { args: [path] }).outputSync();
  assert(out.success, new TextDecoder().decode(out.stderr));
}

/** What a promise did: its value, or the error's class, message and code. */
async function outcome(p: () => unknown): Promise<unknown> {
  try {
    const v = await p();
    return { ok: v instanceof Deno.FsFile ? "file" : v };
  } catch (e) {
    const err = e as Error & { code?: string };
    return { error: err.constructor.name, name: err.name, message: err.message, code: err.code };
  }
}

// The default ring (and its wake-up socket) lives as long as the process: make it before any
// test counts fds.
{
  using f = await open("/etc/hostname");
  await f.read(new Uint8Array(1));
}

Deno.test("open() reads the bytes Deno.open reads, null at the same end", async () => {
  for (const size of [0, 1, 4095, 4096, 4097, 65536, 200_001]) {
    const path = fresh();
    Deno.writeFileSync(path, patternBytes(size, size + 1));
    using mine = await open(path);
    using deno = await Deno.open(path);
    for (const bufSize of [1000, 4096]) {
      await mine.seek(0, Deno.SeekMode.Start);
      await deno.seek(0, Deno.SeekMode.Start);
      for (;;) {
        const a = new Uint8Array(bufSize), b = new Uint8Array(bufSize);
        const [na, nb] = [await mine.read(a), await deno.read(b)];
        assertEquals(na, nb);
        assertEquals(a, b);
        if (na === null) break;
      }
    }
    assertEquals(await mine.read(new Uint8Array(0)), 0);
  }
});

Deno.test("FsFile.seek() gives Deno's positions for each mode, number and bigint", async () => {
  const path = fresh();
  Deno.writeFileSync(path, patternBytes(10_000));
  using mine = await open(path);
  using deno = await Deno.open(path);
  const steps: [number | bigint, Deno.SeekMode][] = [
    [6, Deno.SeekMode.Start],
    [100, Deno.SeekMode.Current],
    [-6, Deno.SeekMode.End],
    [6n, Deno.SeekMode.Start],
    [-1n, Deno.SeekMode.Current],
    [20_000, Deno.SeekMode.Start], // past the end
    [1.9, Deno.SeekMode.Start],
    [NaN, Deno.SeekMode.Current],
  ];
  for (const [offset, whence] of steps) {
    assertEquals(await mine.seek(offset, whence), await deno.seek(offset, whence));
    const a = new Uint8Array(7), b = new Uint8Array(7);
    assertEquals(await mine.read(a), await deno.read(b));
    assertEquals(a, b);
  }
  for (const [offset, whence] of [[-1, 0], [1, -1], [1, 3], [2n ** 63n, 0], ["3", 0], [0, "1"]]) {
    const bad = [offset, whence] as unknown as [number, Deno.SeekMode];
    assertEquals(await outcome(() => mine.seek(...bad)), await outcome(() => deno.seek(...bad)));
  }
  assertEquals(mine.seekSync(3, Deno.SeekMode.Start), deno.seekSync(3, Deno.SeekMode.Start));
});

Deno.test("FsFile works past 4 GiB: a sparse 5 GiB file, positions and bytes", async () => {
  const path = fresh("sparse");
  using mine = await open(path, { read: true, write: true, create: true });
  await mine.truncate(5 * 2 ** 30);
  const at = 2 ** 32 + 12_345;
  assertEquals(await mine.seek(at, Deno.SeekMode.Start), at);
  assertEquals(await mine.write(new TextEncoder().encode("past 4 GiB")), 10);
  assertEquals(await mine.seek(0, Deno.SeekMode.Current), at + 10);
  using deno = await Deno.open(path);
  await deno.seek(at - 2, Deno.SeekMode.Start);
  const expected = new Uint8Array(16);
  await deno.read(expected);
  await mine.seek(-12, Deno.SeekMode.Current);
  const got = new Uint8Array(16);
  assertEquals(await mine.read(got), 16);
  assertEquals(got, expected);
  assertEquals((await mine.stat()).size, 5 * 2 ** 30);
  assertEquals(await mine.seek(-1, Deno.SeekMode.End), 5 * 2 ** 30 - 1);
  Deno.removeSync(path);
});

Deno.test("FsFile.read() moves at most 0x7ffff000 bytes, as Deno's", async () => {
  const path = fresh("sparse");
  Deno.writeFileSync(path, new Uint8Array(0));
  Deno.truncateSync(path, 0x80000000 + 4096);
  // SharedArrayBuffer memory: the kernel fills it in place, no 2 GiB bounce copy
  const buf = new Uint8Array(new SharedArrayBuffer(0x80000000 + 4096));
  using mine = await open(path);
  using deno = await Deno.open(path);
  const n = await mine.read(buf);
  assertEquals(n, 0x7ffff000);
  assertEquals(n, await deno.read(buf));
  assertEquals(await mine.seek(0, Deno.SeekMode.Current), 0x7ffff000);
  Deno.removeSync(path);
});

Deno.test("FsFile.write() and append mode: sizes and positions as Deno's", async () => {
  for (const options of [{ write: true }, { append: true }, { read: true, append: true }]) {
    const [a, b] = [fresh(), fresh()];
    Deno.writeFileSync(a, patternBytes(100));
    Deno.writeFileSync(b, patternBytes(100));
    using mine = await open(a, options);
    using deno = await Deno.open(b, options);
    for (const step of [7, 0, 3000]) {
      const data = patternBytes(step, step + 1);
      assertEquals(await mine.write(data), await deno.write(data));
      assertEquals(
        await mine.seek(0, Deno.SeekMode.Current),
        await deno.seek(0, Deno.SeekMode.Current),
      );
      await mine.seek(10, Deno.SeekMode.Start);
      await deno.seek(10, Deno.SeekMode.Start);
    }
    assertEquals(Deno.readFileSync(a), Deno.readFileSync(b));
  }
});

Deno.test("open() options: Deno's errors, classes and messages on the same inputs", async () => {
  const existing = fresh();
  Deno.writeFileSync(existing, new Uint8Array(3));
  const cases: [string | URL, Deno.OpenOptions | undefined][] = [
    [`${dir}/missing`, undefined],
    [`${dir}/missing`, { write: true }],
    [existing, { write: true, createNew: true }],
    [dir, { write: true }],
    [existing, {}],
    [existing, { read: false }],
    [existing, { mode: 0o600 }],
    [existing, { truncate: true }],
    [existing, { create: true }],
    [existing, { createNew: true, append: false }],
    [existing, { write: true, append: true, truncate: true }],
    [`${dir}/a\0b`, undefined],
    [new URL("http://example.com/"), undefined],
    [new URL(`file://${dir}/missing%20file`), undefined],
    ["", undefined],
    [`${existing}/below`, undefined],
  ];
  for (const [path, options] of cases) {
    assertEquals(
      await outcome(() => open(path, options)),
      await outcome(() => Deno.open(path, options)),
      `${path} ${JSON.stringify(options)}`,
    );
  }
  const err = await assertRejects(() => open(`${dir}/missing`), Deno.errors.NotFound);
  assertEquals(err.message, `No such file or directory (os error 2): open '${dir}/missing'`);
});

Deno.test("open() with create and mode makes the file Deno makes", async () => {
  for (
    const options of [
      { write: true, create: true },
      { write: true, createNew: true, mode: 0o626 },
      { append: true, create: true, mode: 0o600 },
      { write: true, create: true, mode: 0o170777 },
      { write: true, create: true, mode: 384.5 },
    ]
  ) {
    const [a, b] = [fresh(), fresh()];
    (await open(a, options)).close();
    (await Deno.open(b, options)).close();
    assertEquals(Deno.statSync(a).mode, Deno.statSync(b).mode, JSON.stringify(options));
  }
  const [a, b] = [fresh(), fresh()];
  Deno.writeFileSync(a, new Uint8Array(9));
  Deno.writeFileSync(b, new Uint8Array(9));
  using mine = await create(a);
  using deno = await Deno.create(b);
  assertEquals([Deno.statSync(a).size, mine instanceof FsFile], [0, true]);
  assertEquals((await mine.stat()).mode, (await deno.stat()).mode);
});

Deno.test("FsFile.stat() is Deno.FsFile.stat(), field for field", async () => {
  const fifo = fresh("fifo");
  mkfifo(fifo);
  const file = fresh();
  Deno.writeFileSync(file, patternBytes(12_345));
  for (
    const [path, options] of [
      [file, undefined],
      [dir, undefined],
      ["/dev/null", { write: true }],
      [fifo, { read: true, write: true }],
    ] as const
  ) {
    using mine = await open(path, options);
    using deno = await Deno.open(path, options);
    assertEquals(await mine.stat(), await deno.stat(), path);
    assertEquals(mine.statSync(), deno.statSync(), path);
  }
});

Deno.test("FsFile.truncate(), sync(), syncData(), utime() do what Deno's do", async () => {
  const [a, b] = [fresh(), fresh()];
  using mine = await open(a, { read: true, write: true, create: true });
  using deno = await Deno.open(b, { read: true, write: true, create: true });
  for (const len of [20, 5, -5, undefined, 2 ** 33, 1.7, 3n, 2 ** 64]) {
    const l = len as number;
    assertEquals(await outcome(() => mine.truncate(l)), await outcome(() => deno.truncate(l)));
    assertEquals((await mine.stat()).size, (await deno.stat()).size, String(len));
  }
  await mine.write(patternBytes(64));
  await mine.sync();
  await mine.syncData();
  assertEquals((await mine.stat()).size, 64);
  mine.truncateSync(3);
  mine.syncSync();
  mine.syncDataSync();
  assertEquals(Deno.statSync(a).size, 3);
  for (const [atime, mtime] of [[1, 2], [new Date(1000), new Date(-1500)], [1.25, 1e9]] as const) {
    await mine.utime(atime, mtime);
    await deno.utime(atime, mtime);
    const [x, y] = [await mine.stat(), await deno.stat()];
    assertEquals([x.atime, x.mtime], [y.atime, y.mtime]);
  }
});

Deno.test("FsFile on a closed file: BadResource as Deno's, close twice, dispose", async () => {
  const mine = await open("/etc/hostname");
  const deno = await Deno.open("/etc/hostname");
  mine.close();
  deno.close();
  const p = new Uint8Array(4);
  const calls: ((f: Deno.FsFile) => unknown)[] = [
    (f) => f.read(p),
    (f) => f.write(p),
    (f) => f.seek(0, 0),
    (f) => f.stat(),
    (f) => f.truncate(),
    (f) => f.sync(),
    (f) => f.syncData(),
    (f) => f.utime(1, 1),
    (f) => f.lock(),
    (f) => f.tryLock(),
    (f) => f.unlock(),
    (f) => f.close(),
    (f) => f.statSync(),
    (f) => f.readSync(p),
    (f) => f.isTerminal(),
    (f) => f[Symbol.dispose](),
  ];
  for (const call of calls) {
    assertEquals(await outcome(() => call(mine)), await outcome(() => call(deno)), String(call));
  }
});

Deno.test("FsFile errors of the open file are Deno's: read-only, write-only, directory", async () => {
  const path = fresh();
  Deno.writeFileSync(path, new Uint8Array(10));
  const pairs = [
    [{ write: true }, (f: Deno.FsFile) => f.read(new Uint8Array(4))],
    [{ read: true }, (f: Deno.FsFile) => f.write(new Uint8Array(4))],
    [{ read: true }, (f: Deno.FsFile) => f.truncate(3)],
    [undefined, (f: Deno.FsFile) => f.read(null as unknown as Uint8Array)],
    [undefined, (f: Deno.FsFile) => f.read(new Uint16Array(2) as unknown as Uint8Array)],
    [undefined, (f: Deno.FsFile) => f.write("abc" as unknown as Uint8Array)],
  ] as const;
  for (const [options, call] of pairs) {
    using mine = await open(path, options);
    using deno = await Deno.open(path, options);
    assertEquals(await outcome(() => call(mine)), await outcome(() => call(deno)), String(call));
  }
  using mine = await open(dir);
  using deno = await Deno.open(dir);
  const read = (f: Deno.FsFile) => f.read(new Uint8Array(4));
  assertEquals(await outcome(() => read(mine)), await outcome(() => read(deno)));
});

Deno.test("open() and close() leave the fd count as it was; close() is synchronous", async () => {
  const before = fdCount();
  const files = await Promise.all(Array.from({ length: 20 }, () => open("/etc/hostname")));
  assertEquals(fdCount(), before + 20);
  for (const f of files) f.close();
  assertEquals(fdCount(), before);
  {
    using _f = await create(fresh());
  }
  assertEquals(fdCount(), before);
  await assertRejects(() => open(`${dir}/missing`), Deno.errors.NotFound);
  assertEquals(fdCount(), before);
});

Deno.test("FsFile on a FIFO: bytes through, a pending read cancelled by close() as Deno's", async () => {
  const fifo = fresh("fifo");
  mkfifo(fifo);
  const before = fdCount();
  const mine = await open(fifo, { read: true, write: true });
  assertEquals(await mine.write(new Uint8Array([1, 2, 3])), 3);
  const buf = new Uint8Array(8);
  assertEquals(await mine.read(buf), 3);
  assertEquals(buf.subarray(0, 3), new Uint8Array([1, 2, 3]));
  assertEquals(await outcome(() => mine.seek(0, 1)), {
    error: "Error",
    name: "Error",
    message: "Illegal seek (os error 29)",
    code: "ESPIPE",
  });
  const pending = outcome(() => mine.read(buf)); // nothing will come
  await new Promise((r) => setTimeout(r, 20));
  mine.close();
  const cancelled = await pending;
  assertEquals(fdCount(), before); // closed once the cancelled read settled
  // The fd number now serves another file: no late cancel of the closed file reaches its ops.
  const [r, w] = [await open(fifo, { read: true, write: true }), fresh()];
  using next = await open(w, { write: true, create: true });
  const until = performance.now() + 40;
  while (performance.now() < until) {
    assertEquals(await r.write(new Uint8Array(64)), 64);
    assertEquals(await r.read(new Uint8Array(64)), 64);
    assertEquals(await next.write(new Uint8Array(64)), 64);
    await new Promise((res) => setTimeout(res, 1));
  }
  r.close();
  // Deno's read waits in a blocking thread: its fd stays open after this (not counted above)
  const deno = await Deno.open(fifo, { read: true, write: true });
  const denoPending = outcome(() => deno.read(buf));
  await new Promise((r) => setTimeout(r, 20));
  deno.close();
  assertEquals(cancelled, await denoPending);
});

Deno.test("FsFile.read() into a buffer transferred while in flight: an error, no stray write", async () => {
  const fifo = fresh("fifo");
  mkfifo(fifo);
  using mine = await open(fifo, { read: true, write: true });
  const victim = new Uint8Array(16);
  const reading = mine.read(victim);
  await new Promise((res) => setTimeout(res, 10));
  const moved = structuredClone(victim.buffer, { transfer: [victim.buffer] });
  const other = new Uint8Array(16); // memory that may reuse what the victim had
  await mine.write(new Uint8Array(16).fill(7));
  const err = await assertRejects(() => reading, TypeError);
  assert(err.message.includes("detached"));
  assertEquals(other, new Uint8Array(16));
  assertEquals(new Uint8Array(moved), new Uint8Array(16));
});

Deno.test("FsFile.lock(): flock shared with Deno's handles; waiting keeps the loop going", async () => {
  const path = fresh();
  Deno.writeFileSync(path, new Uint8Array(1));
  using a = await open(path, { read: true, write: true });
  using b = await open(path, { read: true, write: true });
  using deno = await Deno.open(path, { read: true, write: true });
  await a.lock(true);
  assertEquals(await deno.tryLock(false), false);
  assertEquals(await b.tryLock(false), false);
  assertEquals(b.tryLockSync(true), false);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const waiting = b.lock(true).then(() => "locked");
  await new Promise((r) => setTimeout(r, 60));
  assert(ticks >= 3, `the event loop ran ${ticks} timer ticks while the lock waited`);
  assertEquals(await Promise.race([waiting, "waiting"]), "waiting");
  await a.unlock();
  assertEquals(await waiting, "locked");
  clearInterval(timer);
  assertEquals(await deno.tryLock(true), false);
  await b.unlock();
  assertEquals(await deno.tryLock(true), true);
  await deno.unlock();
  a.lockSync(false);
  b.lockSync(false); // shared locks do not exclude each other
  a.unlockSync();
  b.unlockSync();
});

Deno.test("FsFile.isTerminal() and setRaw() on a file that is no terminal, as Deno's", async () => {
  using mine = await open("/etc/hostname");
  using deno = await Deno.open("/etc/hostname");
  assertEquals(mine.isTerminal(), deno.isTerminal());
  assertEquals(
    await outcome(() => mine.setRaw(true)),
    await outcome(() => deno.setRaw(true)),
  );
  assertEquals(
    await outcome(() => mine.setRaw(false)),
    await outcome(() => deno.setRaw(false)),
  );
});

Deno.test("new FsFile() throws, as new Deno.FsFile() does; instanceof Deno.FsFile holds", async () => {
  const err = assertThrowsTypeError(() => new FsFile(undefined));
  assert(err.message.includes("cannot be constructed"));
  using f = await open("/etc/hostname");
  assertInstanceOf(f, Deno.FsFile);
  assertInstanceOf(f, FsFile);
});

function assertThrowsTypeError(fn: () => unknown): TypeError {
  try {
    fn();
  } catch (e) {
    assertInstanceOf(e, TypeError);
    return e;
  }
  throw new Error("did not throw");
}

Deno.test("AsyncRing.cancelFd() cancels every op waiting on an fd", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  assertEquals(await io.cancelFd(r), 0);
  const reads = [io.read(r, new Uint8Array(4)), io.read(r, new Uint8Array(4))];
  assertEquals(await io.cancelFd(r), 2);
  for (const p of reads) assertEquals((await assertRejects(() => p, UringError)).code, "ECANCELED");
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("open() checks Deno's permissions: read and/or write as Deno.open does", async () => {
  const path = fresh();
  Deno.writeFileSync(path, new Uint8Array(1));
  const src = `
    import { create, open } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
    const out = [];
    async function outcome(p) {
      try { (await p()).close(); return "ok"; } catch (e) { return e.constructor.name + ": " + e.message; }
    }
    for (const o of [undefined, { write: true }, { append: true }, { read: true, write: true }]) {
      out.push([await outcome(() => open(${JSON.stringify(path)}, o)),
        await outcome(() => Deno.open(${JSON.stringify(path)}, o))]);
    }
    out.push([await outcome(() => create(${JSON.stringify(path)})),
      await outcome(() => Deno.create(${JSON.stringify(path)}))]);
    console.log(JSON.stringify(out));
  `;
  const file = fresh("child") + ".ts";
  Deno.writeTextFileSync(file, src);
  for (const flags of [["--allow-read"], [`--allow-write=${dir}`], [`--allow-read=/etc`]]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--allow-ffi", "--allow-env", ...flags, file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const rows = JSON.parse(new TextDecoder().decode(out.stdout)) as [string, string][];
    for (const [mine, deno] of rows) assertEquals(mine, deno, flags.join(" "));
    assert(rows.some(([m]) => m.startsWith("NotCapable")), flags.join(" "));
  }
});

Deno.test("FsFile.stat()/utime() check read/write on the file's path again, as Deno's do", async () => {
  const mod = JSON.stringify(new URL("../../mod.ts", import.meta.url).href);
  const program = (opener: string) => `
    import { open } from ${mod};
    const path = await Deno.makeTempFile();
    const out = [];
    const f = await ${opener}(path, { read: true, write: true });
    Deno.permissions.revokeSync({ name: "write" });
    try { await f.utime(1, 2); out.push("utime ok"); } catch (e) { out.push(e.name + ": " + e.message); }
    try { f.utimeSync(1, 2); out.push("utimeSync ok"); } catch (e) { out.push(e.name + ": " + e.message); }
    Deno.permissions.revokeSync({ name: "read" });
    try { await f.stat(); out.push("stat ok"); } catch (e) { out.push(e.name + ": " + e.message); }
    try { f.statSync(); out.push("statSync ok"); } catch (e) { out.push(e.name + ": " + e.message); }
    f.close();
    console.log(JSON.stringify(out.map((l) => l.replace(path, "PATH"))));
  `;
  const ours = await runChild(program("open"));
  const deno = await runChild(program("Deno.open"));
  assertEquals(ours.code, 0, ours.out);
  assertEquals(ours.out, deno.out);
  assertStringIncludes(ours.out, 'NotCapable: Requires read access to \\"PATH\\"');
});
