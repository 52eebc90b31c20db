// FsFile.readable and FsFile.writable against Deno.FsFile's on the same files: bytes, chunks,
// BYOB reads, closing the file at the end, cancel and abort, FIFOs, short writes to a pipe.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { open } from "../../ffi/mod.ts";
import { fdCount, patternBytes } from "../_helpers.ts";

const dir = Deno.makeTempDirSync({ prefix: "uring_fs_streams_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
let seq = 0;
const fresh = (name = "f") => `${dir}/${name}${seq++}`;
{
  using f = await open("/etc/hostname"); // the default ring, before any fd is counted
  await f.read(new Uint8Array(1));
}

function mkfifo(path: string): void {
  const out = new Deno.Command("mkfifo", { args: [path] }).outputSync();
  assert(out.success, new TextDecoder().decode(out.stderr));
}

async function chunksOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  return await Array.fromAsync(stream);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

Deno.test("FsFile.readable yields Deno's bytes and chunk sizes, from the position on", async () => {
  for (const size of [0, 12, 65535, 65536, 65537, 200_000, 1 << 20]) {
    const path = fresh();
    Deno.writeFileSync(path, patternBytes(size, size + 3));
    const mine = await open(path);
    const deno = await Deno.open(path);
    await mine.seek(5, Deno.SeekMode.Start);
    await deno.seek(5, Deno.SeekMode.Start);
    const [a, b] = [await chunksOf(mine.readable), await chunksOf(deno.readable)];
    assertEquals(a.map((c) => c.length), b.map((c) => c.length), String(size));
    assertEquals(concat(a), concat(b));
  }
});

Deno.test("FsFile.readable with a BYOB reader fills the reader's buffers as Deno's", async () => {
  const path = fresh();
  Deno.writeFileSync(path, patternBytes(100_000));
  const mine = (await open(path)).readable.getReader({ mode: "byob" });
  const deno = (await Deno.open(path)).readable.getReader({ mode: "byob" });
  for (;;) {
    const [a, b] = [await mine.read(new Uint8Array(7000)), await deno.read(new Uint8Array(7000))];
    assertEquals(a.done, b.done);
    assertEquals(a.value, b.value);
    if (a.done) break;
  }
});

Deno.test("FsFile.readable closes the file at the end, on cancel and on error", async () => {
  const path = fresh();
  Deno.writeFileSync(path, patternBytes(300_000));
  const before = fdCount();
  const ended = await open(path);
  await ended.readable.pipeTo(new WritableStream());
  assertEquals(fdCount(), before);
  const denoEnded = await Deno.open(path);
  await denoEnded.readable.pipeTo(new WritableStream());
  // both are closed: close() throws as for any closed file
  for (const f of [ended, denoEnded]) {
    assertEquals(
      assertThrows(() => f.close(), Deno.errors.BadResource).message,
      "Bad resource ID",
    );
  }
  const cancelled = await open(path);
  const reader = cancelled.readable.getReader();
  assert(!(await reader.read()).done);
  await reader.cancel();
  assertEquals(fdCount(), before);
  // a file closed under its stream: Deno's message
  const closed = await open(path);
  const r2 = closed.readable.getReader();
  closed.close();
  await assertRejects(
    () => r2.read(),
    Deno.errors.BadResource,
    "The stream's underlying resource was closed or consumed",
  );
  assertEquals(fdCount(), before);
});

Deno.test("FsFile.readable on a FIFO: cancel() stops a read that would wait forever", async () => {
  const fifo = fresh("fifo");
  mkfifo(fifo);
  const before = fdCount();
  const file = await open(fifo, { read: true, write: true });
  await file.write(new TextEncoder().encode("first"));
  const reader = file.readable.getReader();
  assertEquals(new TextDecoder().decode((await reader.read()).value), "first");
  const pending = reader.read(); // nothing more will come
  await new Promise((r) => setTimeout(r, 20));
  await reader.cancel();
  assertEquals(await pending, { done: true, value: undefined });
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(fdCount(), before);
});

Deno.test("FsFile.writable writes every byte of small and large chunks, as Deno's", async () => {
  const sizes = [1, 100, 65535, 3, 65536, 70_000, 0, 5, (1 << 20) + 17, 9];
  const chunks = sizes.map((n, i) => patternBytes(n, i + 1));
  const [a, b] = [fresh(), fresh()];
  const before = fdCount();
  const mine = await open(a, { write: true, create: true });
  const deno = await Deno.open(b, { write: true, create: true });
  await ReadableStream.from(chunks).pipeTo(mine.writable);
  await ReadableStream.from(chunks).pipeTo(deno.writable);
  assertEquals(Deno.readFileSync(a), Deno.readFileSync(b));
  assertEquals(Deno.readFileSync(a), concat(chunks));
  assertEquals(fdCount(), before); // closed with the stream
});

Deno.test("FsFile.writable: abort closes the file; a file closed under it errors as Deno's", async () => {
  const before = fdCount();
  const aborted = await open(fresh(), { write: true, create: true });
  const w = aborted.writable.getWriter();
  await w.write(new Uint8Array(10));
  await w.abort(new Error("stop"));
  assertEquals(fdCount(), before);
  for (const opener of [open, Deno.open]) {
    const file = await opener(fresh(), { write: true, create: true });
    const writer = file.writable.getWriter();
    file.close();
    await assertRejects(
      async () => {
        await writer.write(new Uint8Array(128 * 1024)).catch(() => {});
        await writer.closed;
      },
      Deno.errors.BadResource,
      "The stream's underlying resource was closed or consumed",
    );
  }
  assertEquals(fdCount(), before);
});

Deno.test("FsFile.writable into a pipe: short writes go on where they stopped", async () => {
  const fifo = fresh("fifo");
  mkfifo(fifo);
  const data = patternBytes(3 << 20, 9); // far beyond the pipe's 64 KiB
  const reader = await open(fifo, { read: true, write: true }); // holds the FIFO open
  const writer = await open(fifo, { write: true });
  const writing = ReadableStream.from([data.subarray(0, 100), data.subarray(100)]).pipeTo(
    writer.writable,
  );
  const got = new Uint8Array(data.length);
  let at = 0;
  while (at < got.length) {
    const n = await reader.read(got.subarray(at, Math.min(got.length, at + 50_000)));
    at += n!;
  }
  await writing;
  assertEquals(got, data);
  reader.close();
});

Deno.test({
  name: "FsFile.writable splits a chunk above 0x7ffff000 bytes into writes that go on",
  ignore: (() => {
    try {
      return !Deno.statSync("/dev/shm").isDirectory; // memory, not disk, for the 2 GiB
    } catch {
      return true;
    }
  })(),
  async fn() {
    const big = new Uint8Array(new SharedArrayBuffer(0x80000000 + 10));
    big[0] = 1;
    big[0x7ffff000] = 2; // the first byte of the second write
    big[big.length - 1] = 3;
    const path = `/dev/shm/uring_fs_streams_${Deno.pid}`;
    try {
      const file = await open(path, { write: true, create: true });
      await ReadableStream.from([big]).pipeTo(file.writable);
      assertEquals(Deno.statSync(path).size, big.length);
      using check = await Deno.open(path);
      const b = new Uint8Array(1);
      for (const [at, value] of [[0, 1], [0x7ffff000, 2], [big.length - 1, 3], [5, 0]]) {
        await check.seek(at, Deno.SeekMode.Start);
        await check.read(b);
        assertEquals(b[0], value, `byte ${at}`);
      }
    } finally {
      Deno.removeSync(path);
    }
  },
});
