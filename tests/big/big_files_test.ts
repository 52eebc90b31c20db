// Files past 2 GiB: counts and offsets at full width, one read or write moving at most
// 0x7ffff000 bytes. Needs ~7 GiB of RAM and ~5 GB of disk in the temp directory: run with
// `deno task test:big`, which sets DENO_URING_BIG=1 (without it, as in `deno task test`, they are
// listed as ignored).
import { assert, assertEquals } from "@std/assert";
import { AsyncRing, readFile, readFiles, writeFile } from "../../ffi/mod.ts";

const SIZE = 2560 * 1024 * 1024;
const ignore = Deno.env.get("DENO_URING_BIG") !== "1";
/** Bytes around the 2 GiB and 4 GiB marks, where an int32 or a u32 count would wrap. */
const MARKS = [0, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 4096, 0x7ffff000, SIZE - 1];

async function bytesAt(path: string, offsets: number[]): Promise<number[]> {
  using f = await Deno.open(path);
  const out: number[] = [];
  const one = new Uint8Array(1);
  for (const o of offsets) {
    await f.seek(o, Deno.SeekMode.Start);
    out.push((await f.read(one)) === 1 ? one[0] : -1);
  }
  return out;
}

Deno.test(
  { name: "readFiles and readFile of a 2.5 GiB sparse file equal Deno.readFile's", ignore },
  async () => {
    const path = await Deno.makeTempFile();
    try {
      await new Deno.Command("truncate", { args: ["-s", `${SIZE}`, path] }).output();
      {
        using f = await Deno.open(path, { write: true });
        for (const [i, o] of MARKS.entries()) {
          await f.seek(o, Deno.SeekMode.Start);
          await f.write(new Uint8Array([i + 1]));
        }
      }
      const expect = MARKS.map((_, i) => i + 1);
      await using io = new AsyncRing();
      let t0 = performance.now();
      let deno: Uint8Array | undefined = await Deno.readFile(path);
      const denoMs = performance.now() - t0;
      assertEquals([deno.length, MARKS.map((o) => deno![o])], [SIZE, expect]);
      deno = undefined;
      t0 = performance.now();
      let [many]: (Uint8Array | undefined)[] = await readFiles(io, [path]);
      const manyMs = performance.now() - t0;
      assertEquals([many!.length, MARKS.map((o) => many![o])], [SIZE, expect]);
      many = undefined;
      t0 = performance.now();
      let one: Uint8Array | undefined = await readFile(io, path);
      const oneMs = performance.now() - t0;
      assertEquals([one.length, MARKS.map((o) => one![o])], [SIZE, expect]);
      one = undefined;
      console.log(
        `2.5 GiB: Deno.readFile ${denoMs.toFixed(0)} ms, readFiles ${manyMs.toFixed(0)} ms, ` +
          `readFile ${oneMs.toFixed(0)} ms`,
      );
    } finally {
      await Deno.remove(path);
    }
  },
);

Deno.test(
  { name: "writeFile of 2.2e9 bytes writes them all, as Deno.writeFile does", ignore },
  async () => {
    const n = 2.2e9;
    const data = new Uint8Array(n);
    const marks = [0, 2 ** 31 - 1, 0x7ffff000, 0x7ffff000 + 1, n - 1];
    marks.forEach((o, i) => data[o] = i + 1);
    const path = await Deno.makeTempFile();
    await using io = new AsyncRing();
    try {
      let t0 = performance.now();
      await Deno.writeFile(path, data);
      const denoMs = performance.now() - t0;
      assertEquals((await Deno.stat(path)).size, n);
      await Deno.truncate(path, 0);
      t0 = performance.now();
      await writeFile(io, path, data);
      const ms = performance.now() - t0;
      assertEquals((await Deno.stat(path)).size, n);
      assertEquals(await bytesAt(path, marks), marks.map((_, i) => i + 1));
      await Deno.truncate(path, 0);
      // the same bytes from memory the kernel may use in place (no copies, 0x7ffff000 a write)
      const shared = new Uint8Array(new SharedArrayBuffer(n));
      marks.forEach((o, i) => shared[o] = i + 1);
      await writeFile(io, path, shared, { mode: 0o600 });
      assertEquals((await Deno.stat(path)).size, n);
      assertEquals(await bytesAt(path, marks), marks.map((_, i) => i + 1));
      console.log(`2.2e9 B: Deno.writeFile ${denoMs.toFixed(0)} ms, writeFile ${ms.toFixed(0)} ms`);
    } finally {
      await Deno.remove(path);
    }
  },
);

Deno.test({
  name: "a read into a buffer past 4 GiB asks for 0x7ffff000 bytes, not its length mod 2**32",
  ignore,
}, async () => {
  await using io = new AsyncRing();
  const buf = new Uint8Array(new SharedArrayBuffer(2 ** 32 + 16));
  const fd = await io.open("/dev/zero");
  try {
    // /dev/zero may stop short; a len wrapped mod 2**32 would have asked for 16 bytes only
    const n = await io.read(fd, buf);
    assert(n > 16 && n <= 0x7ffff000, `read ${n}`);
  } finally {
    await io.closeFd(fd);
  }
});
