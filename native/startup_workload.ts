/**
 * What a short script does first with the module, run by `native/bundle.ts` under `deno run
 * --coverage` to learn which top-level functions of the bundle run at start-up (see
 * `eagerFunctions()` there): the most used drop-in file functions on a fresh temporary directory,
 * a file handle, and a few ops on an `AsyncRing` and a `Ring`. Each function made eager costs every
 * import a little (its bytecode is read from the code cache), so the list is short: the other
 * file functions and the servers compile at their first call.
 *
 *     deno run -A native/startup_workload.ts <module URL>
 *
 * @module
 */

const url = Deno.args[0] ?? new URL("../mod.ts", import.meta.url).href;
const m = await import(url) as typeof import("../mod.ts");

// the directory is made and removed with Deno's functions: they are not the workload
const dir = await Deno.makeTempDir({ prefix: "deno_uring_workload_" });
try {
  const a = `${dir}/a.txt`, b = `${dir}/b.txt`;
  await m.writeFile(a, new TextEncoder().encode("hello\n"));
  await m.writeTextFile(b, "world\n");
  if ((await m.readFile(a)).length !== 6) throw new Error("readFile");
  if (await m.readTextFile(b) !== "world\n") throw new Error("readTextFile");
  await m.stat(a);
  await m.lstat(b);
  await m.mkdir(`${dir}/sub`);
  await m.remove(b);
  {
    using f = await m.open(a, { read: true, write: true });
    const buf = new Uint8Array(16);
    await f.read(buf);
    await f.write(buf.subarray(0, 2));
  }
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
  await Deno.remove(dir, { recursive: true });
}
