// Limits: readFiles and writeFile of one file reserve one slot, so they work under a small
// RLIMIT_NOFILE (24..255) and RLIMIT_MEMLOCK (64 KiB, without CAP_IPC_LOCK), as Deno's own do;
// a ring that cannot be set up names the limit, its current value and the command that raises it.
// Each case runs in a child under `prlimit`.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";

const MOD = new URL("../../mod.ts", import.meta.url).href;
const root = Deno.uid() === 0;
const dropIpcLock = root
  ? ["setpriv", "--inh-caps=-ipc_lock", "--ambient-caps=-ipc_lock", "--bounding-set=-ipc_lock"]
  : [];

async function child(limits: string[], source: string): Promise<unknown[]> {
  const script = `import * as m from ${JSON.stringify(MOD)};\n${source}`;
  const out = await new Deno.Command("prlimit", {
    args: [...limits, Deno.execPath(), "eval", "--quiet", script],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert(out.success, text + new TextDecoder().decode(out.stderr));
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

const ONE_FILE = `
const how = async (f) => { try { await f(); return "ok"; } catch (e) { return e.message; } };
await using io = new m.AsyncRing();
const p = await Deno.makeTempFile();
await Deno.writeTextFile(p, "x".repeat(20000));
const a = await how(async () => {
  const [b] = await m.readFiles(io, [p]);
  if (b.length !== 20000) throw new Error("short: " + b.length);
});
const b = await how(() => m.writeFile(io, p, new Uint8Array(100)));
const c = await how(() => Deno.writeFile(p, new Uint8Array(100)));
console.log(JSON.stringify([a, b, c]));
await Deno.remove(p);`;

for (const n of [24, 32, 64, 255]) {
  Deno.test(`readFiles and writeFile of one file under RLIMIT_NOFILE=${n}`, async () => {
    const [got] = await child([`--nofile=${n}`], ONE_FILE) as string[][];
    // At 24 Deno's own runtime holds all but a few fds: its writeFile may find none left.
    assertEquals(n === 24 ? got.slice(0, 2) : got, n === 24 ? ["ok", "ok"] : ["ok", "ok", "ok"]);
    if (n === 24) console.log(`Deno.writeFile under RLIMIT_NOFILE=24: ${got[2]}`);
  });
}

Deno.test("readFiles and writeFile of one file under a 64 KiB RLIMIT_MEMLOCK", async () => {
  const [got] = await child(["--memlock=65536:65536", ...dropIpcLock], ONE_FILE);
  assertEquals(got, ["ok", "ok", "ok"]);
});

Deno.test("readFiles of many files under RLIMIT_NOFILE=64 reads them all", async () => {
  const [got] = await child(
    ["--nofile=64"],
    `await using io = new m.AsyncRing();
    const dir = await Deno.makeTempDir();
    const paths = Array.from({ length: 300 }, (_, i) => dir + "/" + i);
    for (const p of paths) await Deno.writeTextFile(p, p);
    const files = await m.readFiles(io, paths);
    console.log(JSON.stringify(files.every((f, i) => new TextDecoder().decode(f) === paths[i])));
    await Deno.remove(dir, { recursive: true });`,
  );
  assertEquals(got, true);
});

Deno.test("a ring that finds no fd left names RLIMIT_NOFILE, its value and ulimit -n", async () => {
  const [got] = await child(
    ["--nofile=40"],
    `const rings = [];
    let message = "";
    try { for (;;) rings.push(new m.Ring({ entries: 2 })); } catch (e) { message = e.message; }
    for (const r of rings) r.close();
    console.log(JSON.stringify(message));`,
  ) as string[];
  assertStringIncludes(got, "io_uring_setup failed: EMFILE");
  assertStringIncludes(got, "RLIMIT_NOFILE is 40");
  assertStringIncludes(got, "`ulimit -n 4096`");
});

Deno.test("a ring past RLIMIT_MEMLOCK names it, its value and ulimit -l", async () => {
  const [got] = await child(
    ["--memlock=65536:65536", ...dropIpcLock],
    `try { new m.Ring({ entries: 4096 }).close(); console.log(JSON.stringify("ok")); }
    catch (e) { console.log(JSON.stringify(e.message)); }`,
  ) as string[];
  const [major, minor] = Deno.osRelease().split(".").map(Number);
  if (got === "ok") {
    assert(major * 1000 + minor >= 5012, "kernels before 5.12 charge rings to the limit");
    return;
  }
  assertStringIncludes(got, "io_uring_setup failed: ENOMEM");
  assertStringIncludes(got, "RLIMIT_MEMLOCK is 65536 bytes");
  assertStringIncludes(got, "`ulimit -l unlimited`");
});
