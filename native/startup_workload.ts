/**
 * What a short script does first with the module, run by `native/bundle.ts` under `deno run
 * --coverage` to learn which top-level functions of the bundle run at start-up (see
 * `eagerFunctions()` there): the drop-in file functions on a fresh temporary directory, a file
 * handle, and a few ops on an `AsyncRing` and a `Ring`. Servers are left out: their start is not
 * what a short script waits for.
 *
 *     deno run -A native/startup_workload.ts <module URL>
 *
 * @module
 */

const url = Deno.args[0] ?? new URL("../mod.ts", import.meta.url).href;
const m = await import(url) as typeof import("../mod.ts");

const dir = await m.makeTempDir({ prefix: "deno_uring_workload_" });
try {
  const a = `${dir}/a.txt`, b = `${dir}/b.txt`;
  await m.writeFile(a, new TextEncoder().encode("hello\n"));
  await m.writeTextFile(b, "world\n");
  if ((await m.readFile(a)).length !== 6) throw new Error("readFile");
  if (await m.readTextFile(b) !== "world\n") throw new Error("readTextFile");
  await m.stat(a);
  await m.lstat(b);
  await m.mkdir(`${dir}/sub/deeper`, { recursive: true });
  for await (const _ of m.readDir(dir)) { /* every entry */ }
  await m.copyFile(a, `${dir}/sub/c.txt`);
  await m.rename(b, `${dir}/sub/b.txt`);
  await m.realPath(dir);
  await m.makeTempFile({ dir });
  await m.readFiles([a, `${dir}/sub/c.txt`]);
  {
    using f = await m.open(a, { read: true, write: true });
    const buf = new Uint8Array(16);
    await f.read(buf);
    await f.write(buf.subarray(0, 2));
    await f.stat();
  }
  await m.remove(`${dir}/sub`, { recursive: true });
  {
    await using io = new m.AsyncRing({ entries: 8 });
    await io.nop();
    await io.readFile(a);
  }
  {
    using ring = new m.Ring({ entries: 8 });
    ring.getSqe()!.prepNop();
    ring.submitAndWait(1);
    ring.forEachCqe(() => {});
  }
} finally {
  await m.remove(dir, { recursive: true });
}
