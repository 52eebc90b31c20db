// The whole-file functions without a ring, the deprecated ring-first form, and fsOn(io).
import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  AsyncRing,
  FileSystem,
  fsOn,
  lstat,
  readFile,
  readTextFile,
  stat,
  writeFile,
  writeTextFile,
} from "../../ffi/mod.ts";
import { assertSame, fdCount, twin } from "./_compare.ts";

function fixture(d: string) {
  Deno.writeTextFileSync(`${d}/file`, "héllo");
  Deno.symlinkSync("file", `${d}/link`);
}

const cases: [string, (d: string) => Promise<unknown>, (d: string) => Promise<unknown>][] = [
  ["readFile", (d) => readFile(`${d}/file`), (d) => Deno.readFile(`${d}/file`)],
  ["readFile of a missing file", (d) => readFile(`${d}/no`), (d) => Deno.readFile(`${d}/no`)],
  ["readTextFile", (d) => readTextFile(`${d}/file`), (d) => Deno.readTextFile(`${d}/file`)],
  [
    "writeFile with createNew",
    (d) => writeFile(`${d}/file`, new Uint8Array(1), { createNew: true }),
    (d) => Deno.writeFile(`${d}/file`, new Uint8Array(1), { createNew: true }),
  ],
  [
    "writeTextFile with append",
    (d) =>
      writeTextFile(`${d}/file`, "!", { append: true }).then(() => Deno.readTextFile(`${d}/file`)),
    (d) =>
      Deno.writeTextFile(`${d}/file`, "!", { append: true }).then(() =>
        Deno.readTextFile(`${d}/file`)
      ),
  ],
  ["stat of a link", (d) => stat(`${d}/link`), (d) => Deno.stat(`${d}/link`)],
  ["lstat of a link", (d) => lstat(`${d}/link`), (d) => Deno.lstat(`${d}/link`)],
  ["stat with a NUL byte", (d) => stat(`${d}/\0`), (d) => Deno.stat(`${d}/\0`)],
];

for (const [what, ours, deno] of cases) {
  Deno.test(`${what.split(" ")[0]}() without a ring does what Deno's does: ${what}`, async () => {
    using t = twin(fixture);
    const fds = fdCount();
    const r = await assertSame(() => ours(t.ours), () => deno(t.deno), t.ours, t.deno).catch(
      async (e) => {
        // stat results differ in ino and times between two sandboxes: compare the shape
        if (!what.includes("stat")) throw e;
        const [a, b] = [await ours(t.ours), await deno(t.deno)] as Deno.FileInfo[];
        assertEquals([a.isFile, a.isSymlink, a.size, a.mode], [
          b.isFile,
          b.isSymlink,
          b.size,
          b.mode,
        ]);
      },
    );
    void r;
    assertEquals(fdCount(), fds);
  });
}

Deno.test("stat() without a ring gives every FileInfo field Deno.stat gives", async () => {
  using t = twin(fixture);
  assertEquals(await stat(`${t.ours}/file`), await Deno.stat(`${t.ours}/file`));
  assertEquals(await lstat(`${t.ours}/link`), await Deno.lstat(`${t.ours}/link`));
});

Deno.test("the ring-first form (deprecated) still works", async () => {
  await using io = new AsyncRing({ entries: 16 });
  using t = twin(fixture);
  assertEquals(await readTextFile(io, `${t.ours}/file`), "héllo");
  await writeTextFile(io, `${t.ours}/w`, "ring");
  await writeFile(io, `${t.ours}/w`, new TextEncoder().encode("!"), { append: true });
  assertEquals(new TextDecoder().decode(await readFile(io, `${t.ours}/w`)), "ring!");
  assertEquals((await stat(io, `${t.ours}/link`)).isFile, true);
  assertEquals((await lstat(io, `${t.ours}/link`)).isSymlink, true);
});

Deno.test("fsOn(io) runs every function on io", async () => {
  await using io = new AsyncRing({ entries: 32 });
  const fs = fsOn(io);
  assert(fs instanceof FileSystem && fs.io === io);
  using t = twin(fixture);
  const d = t.ours;
  const started: Promise<unknown>[] = [
    fs.mkdir(`${d}/a/b`, { recursive: true }),
    fs.writeTextFile(`${d}/w`, "w"),
    fs.copyFile(`${d}/file`, `${d}/copy`),
    fs.stat(`${d}/file`),
  ];
  assert(io.pending > 0); // the ops are in flight on io
  await Promise.all(started);
  await fs.rename(`${d}/copy`, `${d}/moved`);
  await fs.link(`${d}/moved`, `${d}/hard`);
  await fs.symlink("moved", `${d}/soft`);
  await fs.truncate(`${d}/hard`, 2);
  assertEquals(await fs.readTextFile(`${d}/moved`), "h\xc3".slice(0, 1) + "\ufffd");
  assertEquals(await fs.readLink(`${d}/soft`), "moved");
  assertEquals(await fs.realPath(`${d}/soft`), await Deno.realPath(`${d}/moved`));
  await fs.chmod(`${d}/moved`, 0o600);
  await fs.chown(`${d}/moved`, null, null);
  await fs.utime(`${d}/moved`, 5, 6);
  assertEquals((await fs.lstat(`${d}/moved`)).mtime, new Date(6000));
  const names: string[] = [];
  for await (const e of fs.readDir(d)) names.push(e.name);
  assertEquals(names.sort(), ["a", "file", "hard", "link", "moved", "soft", "w"]);
  const tmp = await fs.makeTempFile({ dir: d });
  const tmpDir = await fs.makeTempDir({ dir: d });
  assertEquals([(await fs.stat(tmp)).isFile, (await fs.stat(tmpDir)).isDirectory], [true, true]);
  assertEquals((await fs.readFile(`${d}/w`)).length, 1);
  await fs.remove(`${d}/a`, { recursive: true });
  await fs.remove(tmp);
  await assertRejects(() => fs.stat(`${d}/a`), Deno.errors.NotFound);
});
