// remove() against Deno.remove on the same inputs: what is left, and errors.
import { assertEquals } from "@std/assert";
import { remove } from "../../ffi/mod.ts";
import { assertSame, fdCount, tree, twin } from "./_compare.ts";

function fixture(d: string) {
  Deno.writeTextFileSync(`${d}/file`, "x");
  Deno.mkdirSync(`${d}/empty`);
  Deno.mkdirSync(`${d}/full/a/b`, { recursive: true });
  for (let i = 0; i < 50; i++) Deno.writeTextFileSync(`${d}/full/f${i}`, `${i}`);
  for (let i = 0; i < 5; i++) Deno.writeTextFileSync(`${d}/full/a/b/g${i}`, `${i}`);
  Deno.symlinkSync("full", `${d}/full/a/loop`);
  Deno.symlinkSync("full", `${d}/dirlink`);
  Deno.symlinkSync("nowhere", `${d}/dangling`);
}

const cases: [string, (d: string) => [string | URL, Deno.RemoveOptions?]][] = [
  ["a file", (d) => [`${d}/file`]],
  ["a path longer than a pooled slot (1 KiB)", (d) => [`${d}/${"./".repeat(600)}file`]],
  ["a missing non-ASCII name", (d) => [`${d}/é${"ü".repeat(60)}`]],
  ["an empty directory", (d) => [`${d}/empty`]],
  ["a directory that is not empty", (d) => [`${d}/full`]],
  ["a symlink to a directory (the link goes)", (d) => [`${d}/dirlink`]],
  ["a dangling symlink", (d) => [`${d}/dangling`]],
  ["a missing path", (d) => [`${d}/nope`]],
  ["a path through a file", (d) => [`${d}/file/x`]],
  ["a NUL byte", (d) => [`${d}/a\0b`]],
  ["a file: URL", (d) => [new URL(`file://${d}/file`)]],
  ["the empty path", () => [""]],
  ["recursive: a tree with links in it", (d) => [`${d}/full`, { recursive: true }]],
  ["recursive: a file", (d) => [`${d}/file`, { recursive: true }]],
  ["recursive: a symlink to a directory", (d) => [`${d}/dirlink`, { recursive: true }]],
  ["recursive: an empty directory", (d) => [`${d}/empty`, { recursive: true }]],
  ["recursive: a missing path", (d) => [`${d}/nope`, { recursive: true }]],
  ["recursive: a NUL byte", (d) => [`${d}/\0`, { recursive: true }]],
];

for (const [what, args] of cases) {
  Deno.test(`remove() does what Deno.remove does for ${what}`, async () => {
    using t = twin(fixture);
    const fds = fdCount();
    await assertSame(
      () => remove(...args(t.ours)),
      () => Deno.remove(...args(t.deno)),
      t.ours,
      t.deno,
    );
    assertEquals(tree(t.ours), tree(t.deno));
    assertEquals(fdCount(), fds);
  });
}

Deno.test("remove() recursive: a wide and deep tree goes, as with Deno.remove", async () => {
  using t = twin((d) => {
    for (let i = 0; i < 30; i++) {
      Deno.mkdirSync(`${d}/t/d${i}/e`, { recursive: true });
      for (let j = 0; j < 40; j++) Deno.writeFileSync(`${d}/t/d${i}/f${j}`, new Uint8Array(10));
      Deno.writeFileSync(`${d}/t/d${i}/e/deep`, new Uint8Array(1));
    }
  });
  await assertSame(
    () => remove(`${t.ours}/t`, { recursive: true }),
    () => Deno.remove(`${t.deno}/t`, { recursive: true }),
    t.ours,
    t.deno,
  );
  assertEquals(tree(t.ours), {});
});

Deno.test("remove() recursive: a directory it may not empty fails as Deno.remove's", async () => {
  if (Deno.uid() === 0) return; // root may remove anything
  using t = twin((d) => {
    Deno.mkdirSync(`${d}/locked/inner`, { recursive: true });
    Deno.writeTextFileSync(`${d}/locked/inner/f`, "x");
    Deno.chmodSync(`${d}/locked/inner`, 0o500);
  });
  await assertSame(
    () => remove(`${t.ours}/locked`, { recursive: true }),
    () => Deno.remove(`${t.deno}/locked`, { recursive: true }),
    t.ours,
    t.deno,
  );
  Deno.chmodSync(`${t.ours}/locked/inner`, 0o755);
  Deno.chmodSync(`${t.deno}/locked/inner`, 0o755);
});

Deno.test("remove() removes 500 files at once", async () => {
  using t = twin((d) => {
    for (let i = 0; i < 500; i++) Deno.writeFileSync(`${d}/${i}`, new Uint8Array(0));
  });
  await Promise.all(Array.from({ length: 500 }, (_, i) => remove(`${t.ours}/${i}`)));
  assertEquals(tree(t.ours), {});
});
