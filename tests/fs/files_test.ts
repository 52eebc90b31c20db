// The drop-in file functions against Deno's own on the same inputs: bytes, FileInfo fields,
// options, URL paths, /proc and FIFO files, aborts, and no leaked fds.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import { AsyncRing } from "../../ffi/mod.ts";

const fdCount = () => [...Deno.readDirSync("/proc/self/fd")].length;

let dir = "";
let io: AsyncRing;

beforeAll(async () => {
  dir = Deno.makeTempDirSync({ prefix: "uring_files_" });
  io = new AsyncRing({ entries: 64 });
  // readFiles() keeps a ring of its own per AsyncRing (one fd) until the AsyncRing closes:
  // make it before the tests count fds.
  await io.readFiles(["/etc/hostname"]);
  await io.writeFile(`${dir}/warm`, new Uint8Array(1)); // and writeFile() one more
});
afterAll(async () => {
  await io[Symbol.asyncDispose]();
  Deno.removeSync(dir, { recursive: true });
});

function random(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

/** Makes a FIFO (Deno has no mkfifo): `mkfifo` from coreutils. */
function mkfifo(path: string): void {
  const out = new Deno.Command("mkfifo", { args: [path] }).outputSync();
  assert(out.success, new TextDecoder().decode(out.stderr));
}

describe("readFile()", () => {
  it("returns the bytes Deno.readFile returns, for sizes around the read sizes", async () => {
    for (const size of [0, 1, 4095, 4096, 16384, 16385, 65536, 65537, 1 << 20, (1 << 20) + 3]) {
      const path = `${dir}/r${size}`;
      await Deno.writeFile(path, random(size));
      const ours = await io.readFile(path);
      assertEquals(ours, await Deno.readFile(path));
      assertEquals(ours.byteOffset, 0);
      assertEquals(ours.buffer.byteLength, size); // its own buffer, as Deno's
    }
  });

  it("reads files whose stat size is 0 or wrong (/proc, /sys) to their end", async () => {
    for (
      const path of [
        "/proc/self/mountinfo",
        "/proc/version",
        "/sys/kernel/mm/transparent_hugepage/enabled",
      ]
    ) {
      let exists = true;
      try {
        await Deno.stat(path);
      } catch {
        exists = false;
      }
      if (!exists) continue;
      assertEquals((await Deno.stat(path)).size === 0 || path.startsWith("/sys"), true);
      assertEquals(await io.readFile(path), await Deno.readFile(path));
    }
    // longer than the first 16 KiB guess: /proc/self/smaps of a Deno process is ~150 KiB
    const smaps = await io.readFile("/proc/self/smaps");
    assert(smaps.length > 16384, `${smaps.length}`);
  });

  it("reads a FIFO to its end", async () => {
    const fifo = `${dir}/fifo_read`;
    mkfifo(fifo);
    const data = random(300_000);
    const writer = (async () => {
      using f = await Deno.open(fifo, { write: true });
      for (let i = 0; i < data.length; i += 50_000) await f.write(data.subarray(i, i + 50_000));
    })();
    const got = await io.readFile(fifo);
    await writer;
    assertEquals(got, data);
  });

  it("takes file: URLs, with percent-escapes, as Deno does", async () => {
    const path = `${dir}/with space é`;
    await Deno.writeTextFile(path, "url");
    const url = new URL(`file://${encodeURI(path)}`);
    assertEquals(await io.readFile(url), await Deno.readFile(url));
    assertEquals(await io.readTextFile(url), "url");
  });

  it("readTextFile() decodes as Deno.readTextFile (BOM kept, bad bytes as U+FFFD)", async () => {
    const path = `${dir}/text`;
    await Deno.writeFile(path, new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9, 0xff, 0x21]));
    assertEquals(await io.readTextFile(path), await Deno.readTextFile(path));
  });
});

describe("readFiles()", () => {
  it("gives buffers of their own that Web APIs taking an ArrayBuffer accept", async () => {
    const [a] = await io.readFiles(["/etc/hostname"]);
    assert(a.buffer instanceof ArrayBuffer);
    const want = await crypto.subtle.digest("SHA-256", await Deno.readFile("/etc/hostname"));
    assertEquals(await crypto.subtle.digest("SHA-256", a), want);
  });
});

describe("writeFile()", () => {
  it("writes what Deno.writeFile writes, truncating by default", async () => {
    const a = `${dir}/w_ours`, b = `${dir}/w_deno`;
    for (const size of [10, 70_000, 0, 5]) {
      const data = random(size);
      await io.writeFile(a, data);
      await Deno.writeFile(b, data);
      assertEquals(await Deno.readFile(a), await Deno.readFile(b));
    }
  });

  it("append, create: false, createNew and mode mean what they mean for Deno.writeFile", async () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const a = `${dir}/o_ours`, b = `${dir}/o_deno`;
    for (const [f, p] of [[io.writeFile.bind(io), a], [Deno.writeFile, b]] as const) {
      await f(p, enc("one"), { mode: 0o640 });
      await f(p, enc("two"), { append: true });
      await f(p, enc("333"), { create: false, mode: 0o604 });
    }
    assertEquals(await Deno.readTextFile(a), await Deno.readTextFile(b));
    assertEquals((await Deno.stat(a)).mode, (await Deno.stat(b)).mode);
    assertEquals((await Deno.stat(a)).mode! & 0o777, 0o604);
    const fresh = `${dir}/o_new`;
    await io.writeFile(fresh, enc("new"), { createNew: true, mode: 0o600 });
    assertEquals((await Deno.stat(fresh)).mode! & 0o777, 0o600);
    await io.writeTextFile(fresh, "text", { append: true });
    assertEquals(await Deno.readTextFile(fresh), "newtext");
  });

  it("writes 600 files at once (more than the writer's 256 slots), with no fd left", async () => {
    const before = fdCount();
    const sub = `${dir}/many_writes`;
    await Deno.mkdir(sub);
    const datas = Array.from({ length: 600 }, (_, i) => random(1 + (i * 97) % 20_000));
    await Promise.all(datas.map((d, i) => io.writeFile(`${sub}/f${i}`, d)));
    for (let i = 0; i < 600; i++) assertEquals(await Deno.readFile(`${sub}/f${i}`), datas[i]);
    assertEquals(fdCount(), before);
  });

  it("takes a ReadableStream and a file: URL", async () => {
    const path = `${dir}/stream`;
    const chunks = [random(10), random(100_000), random(1)];
    await io.writeFile(new URL(`file://${path}`), ReadableStream.from(chunks));
    const all = new Uint8Array(100_011);
    all.set(chunks[0]);
    all.set(chunks[1], 10);
    all.set(chunks[2], 100_010);
    assertEquals(await Deno.readFile(path), all);
    await io.writeTextFile(path, ReadableStream.from(["a", "é"]));
    assertEquals(await Deno.readTextFile(path), "aé");
  });

  it("copies the bytes: a buffer changed after the call does not change the file", async () => {
    const path = `${dir}/copied`;
    const data = new TextEncoder().encode("first");
    const done = io.writeFile(path, data);
    const moved = data.buffer.transfer(); // detached before the writer ran: refused, not empty
    await assertRejects(() => done, TypeError, "detached");
    assertEquals(moved.byteLength, 5);
    const again = new TextEncoder().encode("again");
    await io.writeFile(path, again);
    again.fill(0);
    assertEquals(await Deno.readTextFile(path), "again");
  });

  it("rejects bad data and mode before anything reaches the kernel", async () => {
    await assertRejects(() => io.writeFile(`${dir}/x`, "s" as never), TypeError);
    await assertRejects(
      () => io.writeFile(`${dir}/x`, new Uint8Array(1), { mode: 0o10000 }),
      RangeError,
    );
  });
});

/** Asserts that `ours` rejects like `theirs`: class, message, code; and `errno` is set. */
async function sameError(ours: () => Promise<unknown>, theirs: () => Promise<unknown>) {
  let expected: Error & { code?: string } | undefined;
  try {
    await theirs();
  } catch (e) {
    expected = e as Error & { code?: string };
  }
  assert(expected !== undefined, "Deno's function did not fail");
  const got = await assertRejects(ours) as Error & { code?: string; errno?: number };
  assertEquals(got.constructor, expected.constructor);
  assertEquals(got.message, expected.message);
  assertEquals(got.code, expected.code);
  if (expected.code !== undefined && expected.message.includes("os error")) {
    assertEquals(got.errno, Number(/os error (\d+)/.exec(expected.message)![1]));
  }
}

describe("errors", () => {
  it("readFile/readTextFile reject with Deno's class, message and code", async () => {
    await Deno.writeTextFile(`${dir}/plain`, "x");
    for (
      const path of [
        `${dir}/missing`, // NotFound
        dir, // IsADirectory
        `${dir}/plain/below`, // NotADirectory
        "/" + "a".repeat(300), // ENAMETOOLONG: a plain Error
        `${dir}/nul\0byte`, // TypeError before the kernel
        "/proc/1/mem", // PermissionDenied, even for root
      ]
    ) {
      await sameError(() => io.readFile(path), () => Deno.readFile(path));
      await sameError(() => io.readTextFile(path), () => Deno.readTextFile(path));
    }
    const url = new URL("https://example.com/x") as unknown as URL;
    await sameError(() => io.readFile(url), () => Deno.readFile(url));
  });

  it("writeFile rejects with Deno's errors (AlreadyExists, NotFound, IsADirectory, ...)", async () => {
    const data = new Uint8Array(1);
    await Deno.writeTextFile(`${dir}/exists`, "x");
    const cases: [string, Deno.WriteFileOptions | undefined][] = [
      [`${dir}/exists`, { createNew: true }],
      [`${dir}/nothing`, { create: false }],
      [`${dir}/no/dir`, undefined],
      [dir, undefined],
      ["/sys/devices/system/cpu/possible", undefined], // PermissionDenied for root too
    ];
    for (const [path, options] of cases) {
      await sameError(
        () => io.writeFile(path, data, options),
        () => Deno.writeFile(path, data, options),
      );
    }
  });

  it("stat/lstat reject with Deno's errors (NotFound, FilesystemLoop, NotADirectory)", async () => {
    const loop = `${dir}/loop`;
    await Deno.symlink(loop, loop);
    for (const path of [`${dir}/missing`, loop, "/etc/passwd/x"]) {
      await sameError(() => io.stat(path), () => Deno.stat(path));
      await sameError(() => io.lstat(`${path}/x`), () => Deno.lstat(`${path}/x`));
    }
  });
});

describe("stat() / lstat()", () => {
  it("give every FileInfo field Deno.stat/Deno.lstat give", async () => {
    const file = `${dir}/st_file`;
    await Deno.writeFile(file, random(12345));
    const link = `${dir}/st_link`;
    await Deno.symlink(file, link);
    const fifo = `${dir}/st_fifo`;
    mkfifo(fifo);
    using listener = Deno.listen({ transport: "unix", path: `${dir}/st_sock` });
    const paths = [file, dir, link, "/dev/null", fifo, listener.addr.path, "/proc/self", "/"];
    for (const path of paths) {
      assertEquals(await io.stat(path), await Deno.stat(path), path);
      assertEquals(await io.lstat(path), await Deno.lstat(path), path);
    }
    assertEquals((await io.lstat(link)).isSymlink, true);
    assertEquals((await io.stat(link)).isFile, true);
    assertEquals(await io.stat(new URL(`file://${file}`)), await Deno.stat(file));
    // non-ASCII, and longer than the 767 bytes a stat slot holds
    let long = `${dir}/é`;
    while (long.length < 1500) long += "/" + "d".repeat(200);
    await Deno.mkdir(long, { recursive: true });
    for (const path of [`${dir}/é`, long]) assertEquals(await io.stat(path), await Deno.stat(path));
    const many = await Promise.all(paths.map((p) => io.lstat(p))); // slots in use at once
    assertEquals(many, await Promise.all(paths.map((p) => Deno.lstat(p))));
  });

  it("gives times to the millisecond as Deno does, before 1970 too", async () => {
    const file = `${dir}/times`;
    await Deno.writeTextFile(file, "t");
    for (const t of [new Date(1_700_000_000_999), new Date(-1_234_567), 1.9999]) {
      await Deno.utime(file, t, t);
      const ours = await io.stat(file), deno = await Deno.stat(file);
      assertEquals(ours.mtime, deno.mtime);
      assertEquals(ours.atime, deno.atime);
    }
  });
});

describe("aborts", () => {
  it("an aborted signal rejects with its reason before anything starts", async () => {
    const ctl = new AbortController();
    ctl.abort();
    const e = await assertRejects(() => io.readFile("/etc/hostname", { signal: ctl.signal }));
    assert(e instanceof DOMException && e.name === "AbortError");
    const c2 = new AbortController();
    c2.abort("why");
    const why = (p: Promise<unknown>) => p.then(() => "resolved", (r) => r);
    assertEquals(await why(io.readFile("/etc/hostname", { signal: c2.signal })), "why");
    assertEquals(
      await why(io.writeFile(`${dir}/a`, new Uint8Array(1), { signal: c2.signal })),
      "why",
    );
    assertEquals(await why(io.readFiles(["/etc/hostname"], { signal: c2.signal })), "why");
  });

  it("abort during readFile/writeFile/readFiles of a FIFO nobody opens: reason, no leaks", async () => {
    const fifo = `${dir}/fifo_abort`;
    mkfifo(fifo);
    const before = fdCount();
    for (
      const start of [
        (signal: AbortSignal) => io.readFile(fifo, { signal }),
        (signal: AbortSignal) => io.writeFile(fifo, new Uint8Array(10), { signal }),
        (signal: AbortSignal) => io.readFiles(["/etc/hostname", fifo], { signal }),
      ]
    ) {
      const ctl = new AbortController();
      const p = start(ctl.signal);
      setTimeout(() => ctl.abort(new Error("stop")), 30);
      await assertRejects(() => p, Error, "stop");
    }
    assertEquals(io.pending, 0);
    assertEquals(fdCount(), before);
  });

  it("abort while readFile waits on a FIFO's writer for more ends the read", async () => {
    const fifo = `${dir}/fifo_abort3`;
    mkfifo(fifo);
    const before = fdCount();
    const ctl = new AbortController();
    const p = io.readFile(fifo, { signal: ctl.signal });
    using w = await Deno.open(fifo, { write: true });
    await w.write(new Uint8Array(10)); // the first read returns these; the next one waits
    setTimeout(() => ctl.abort(new Error("enough")), 30);
    await assertRejects(() => p, Error, "enough");
    w.close();
    assertEquals(fdCount(), before);
  });

  it("abort while a FIFO is being read (writer open, no data) ends the read", async () => {
    const fifo = `${dir}/fifo_abort2`;
    mkfifo(fifo);
    const before = fdCount();
    const ctl = new AbortController();
    const p = io.readFiles([fifo], { signal: ctl.signal });
    using w = await Deno.open(fifo, { write: true });
    await w.write(new Uint8Array(10));
    setTimeout(() => ctl.abort(), 30);
    const e = await assertRejects(() => p);
    assert(e instanceof DOMException && e.name === "AbortError");
    w.close();
    assertEquals(fdCount(), before);
  });
});

describe("readFiles()", () => {
  const names: string[] = [];
  const contents: Uint8Array[] = [];
  beforeAll(() => {
    const sizes = [0, 1, 100, 4096, 16383, 16384, 16385, 65536, 65537, 200_000, 1 << 20];
    for (let i = 0; i < 600; i++) {
      const path = `${dir}/many_${i}`;
      const data = random(i < sizes.length ? sizes[i] : 1 + (i * 37) % 9000);
      Deno.writeFileSync(path, data);
      names.push(path);
      contents.push(data);
    }
  });

  it("returns each file's bytes in the order of paths, at any concurrency", async () => {
    const before = fdCount();
    for (const concurrency of [1, 3, 256, 4096]) {
      const got = await io.readFiles(names, { concurrency });
      assertEquals(got.length, names.length);
      for (let i = 0; i < names.length; i++) {
        assertEquals(got[i], contents[i], names[i]);
        // like Deno.readFile's: a buffer of the file's own size
        assertEquals(got[i].buffer.byteLength, contents[i].length, names[i]);
      }
    }
    assertEquals(fdCount(), before);
  });

  it("reads duplicates, URLs, /proc files and a FIFO as Deno.readFile does", async () => {
    const fifo = `${dir}/fifo_many`;
    mkfifo(fifo);
    const data = random(150_000);
    const writer = (async () => {
      using f = await Deno.open(fifo, { write: true });
      for (let i = 0; i < data.length; i += 30_000) await f.write(data.subarray(i, i + 30_000));
    })();
    const paths = [names[3], new URL(`file://${names[4]}`), names[3], "/proc/self/mountinfo", fifo];
    const got = await io.readFiles(paths);
    await writer;
    assertEquals(got[0], contents[3]);
    assertEquals(got[1], contents[4]);
    assertEquals(got[2], contents[3]);
    assertEquals(got[3], await Deno.readFile("/proc/self/mountinfo"));
    assertEquals(got[4], data);
    assertEquals(await io.readFiles([]), []);
  });

  it("rejects with the failure of the lowest index, naming its path; nothing stays open", async () => {
    const before = fdCount();
    const paths = [...names.slice(0, 300), dir, ...names.slice(300), `${dir}/missing`];
    await sameError(() => io.readFiles(paths), () => Deno.readFile(dir));
    await sameError(
      () => io.readFiles([`${dir}/missing`, dir]),
      () => Deno.readFile(`${dir}/missing`),
    );
    assertEquals(fdCount(), before);
    // io.ring's own file table was never used: it can still be registered
    io.ring.registerFiles(4).close();
  });

  it("checks its arguments before anything reaches the kernel", async () => {
    await assertRejects(() => io.readFiles("x" as never), TypeError);
    await assertRejects(() => io.readFiles(["/x"], { concurrency: 0 }), RangeError);
    await assertRejects(() => io.readFiles(["/x"], { concurrency: 1.5 }), RangeError);
    await sameError(() => io.readFiles(["/a\0b"]), () => Deno.readFile("/a\0b"));
    const closed = new AsyncRing({ entries: 8 });
    closed.close();
    await assertRejects(() => closed.readFiles(["/etc/hostname"]), Error, "AsyncRing is closed");
  });

  it("keeps one ring per AsyncRing, closed with it", async () => {
    const before = fdCount();
    const ring = new AsyncRing({ entries: 8 });
    await ring.readFiles(names.slice(0, 10));
    // the AsyncRing's ring (its wake-up starts on a worker thread: no fd) and the reader's ring
    assertEquals(fdCount(), before + 2);
    await ring.readFiles(names.slice(0, 10), { concurrency: 1000 }); // more slots: a temporary one
    assertEquals(fdCount(), before + 2);
    const busy = ring.readFiles(names); // a second call at once runs on a ring of its own
    assertEquals((await ring.readFiles(names.slice(0, 3)))[2], contents[2]);
    assertEquals((await busy)[599], contents[599]);
    assertEquals(fdCount(), before + 2);
    await ring[Symbol.asyncDispose]();
    assertEquals(fdCount(), before);
  });

  it("stops when its AsyncRing closes", async () => {
    const fifo = `${dir}/fifo_close`;
    mkfifo(fifo);
    const ring = new AsyncRing({ entries: 8 });
    const before = fdCount();
    const p = ring.readFiles([fifo]);
    setTimeout(() => ring.close(), 20);
    await assertRejects(() => p, Error, "AsyncRing is closed");
    await ring[Symbol.asyncDispose]();
    assert(fdCount() <= before);
  });
});

describe("readFiles() and the event loop", () => {
  it("lets timers run and takes an abort during a long call of cached files", async () => {
    const path = `${dir}/small`;
    await Deno.writeFile(path, random(100));
    const paths = new Array(40_000).fill(path);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    await io.readFiles(paths);
    const ms = performance.now() - t0;
    clearInterval(timer);
    assert(ms < 20 || ticks > 0, `no timer ran during ${ms.toFixed(0)} ms`);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error("enough")), 1);
    const many = new Array(400_000).fill(path);
    await assertRejects(() => io.readFiles(many, { signal: ctl.signal }), Error, "enough");
  });
});
