// rename() against Deno.rename on the same inputs: the tree after, and errors naming both paths.
import { assertEquals } from "@std/assert";
import { rename } from "../../ffi/mod.ts";
import { assertSame, fdCount, tree, twin } from "./_compare.ts";

function fixture(d: string) {
  Deno.writeTextFileSync(`${d}/file`, "x");
  Deno.writeTextFileSync(`${d}/other`, "y");
  Deno.mkdirSync(`${d}/empty`);
  Deno.mkdirSync(`${d}/full`);
  Deno.writeTextFileSync(`${d}/full/f`, "z");
  Deno.symlinkSync("file", `${d}/link`);
}

const cases: [string, (d: string) => [string | URL, string | URL]][] = [
  ["a file to a new name", (d) => [`${d}/file`, `${d}/new`]],
  ["a file onto another file", (d) => [`${d}/file`, `${d}/other`]],
  ["a file onto a directory", (d) => [`${d}/file`, `${d}/empty`]],
  ["a directory onto a file", (d) => [`${d}/empty`, `${d}/file`]],
  ["a directory onto an empty directory", (d) => [`${d}/full`, `${d}/empty`]],
  ["a directory onto one that is not empty", (d) => [`${d}/empty`, `${d}/full`]],
  ["a directory into itself", (d) => [`${d}/full`, `${d}/full/sub`]],
  ["a symlink (not its target)", (d) => [`${d}/link`, `${d}/link2`]],
  ["non-ASCII names", (d) => [`${d}/file`, `${d}/é${"ü".repeat(60)}`]],
  ["two paths that fill a pooled slot (1 KiB)", (d) => [
    `${d}/${"./".repeat(300)}file`,
    `${d}/${"./".repeat(300)}new`,
  ]],
  ["a source longer than a slot", (d) => [`${d}/${"./".repeat(600)}file`, `${d}/é`]],
  ["a non-ASCII target longer than a slot", (d) => [
    `${d}/file`,
    `${d}/${"./".repeat(500)}${"é".repeat(100)}`,
  ]],
  ["a missing source", (d) => [`${d}/nope`, `${d}/nope2`]],
  ["a missing target directory", (d) => [`${d}/file`, `${d}/no/x`]],
  ["a NUL byte in the source", (d) => [`${d}/a\0`, `${d}/b`]],
  ["a NUL byte in the target", (d) => [`${d}/file`, `${d}/b\0`]],
  ["file: URLs", (d) => [new URL(`file://${d}/file`), new URL(`file://${d}/url%20name`)]],
  ["another file system (EXDEV)", (d) => [`${d}/file`, "/dev/shm/uring_rename_exdev"]],
];

for (const [what, args] of cases) {
  Deno.test(`rename() does what Deno.rename does for ${what}`, async () => {
    using t = twin(fixture);
    const fds = fdCount();
    await assertSame(
      () => rename(...args(t.ours)),
      () => Deno.rename(...args(t.deno)),
      t.ours,
      t.deno,
    );
    assertEquals(tree(t.ours), tree(t.deno));
    assertEquals(fdCount(), fds);
  });
}

Deno.test("rename() names relative paths as given, as Deno.rename", async () => {
  using t = twin(fixture);
  const cwd = Deno.cwd();
  try {
    Deno.chdir(t.ours);
    const a = await rename("nope", "x").catch((e) => e.message);
    Deno.chdir(t.deno);
    const b = await Deno.rename("nope", "x").catch((e) => e.message);
    assertEquals(a, b);
    assertEquals(a, "No such file or directory (os error 2): rename 'nope' -> 'x'");
  } finally {
    Deno.chdir(cwd);
  }
});

Deno.test("rename() renames 500 files at once", async () => {
  using t = twin((d) => {
    for (let i = 0; i < 500; i++) Deno.writeTextFileSync(`${d}/${i}`, `${i}`);
  });
  await Promise.all(
    Array.from({ length: 500 }, (_, i) => rename(`${t.ours}/${i}`, `${t.ours}/r${i}`)),
  );
  for (let i = 0; i < 500; i++) Deno.renameSync(`${t.deno}/${i}`, `${t.deno}/r${i}`);
  assertEquals(tree(t.ours), tree(t.deno));
});
