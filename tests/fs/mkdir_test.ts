// mkdir() against Deno.mkdir on the same inputs: the tree made, modes, and errors.
import { assertEquals } from "@std/assert";
import { mkdir } from "../../ffi/mod.ts";
import { assertSame, fdCount, tree, twin } from "./_compare.ts";

function fixture(d: string) {
  Deno.writeTextFileSync(`${d}/file`, "x");
  Deno.mkdirSync(`${d}/dir`);
  Deno.symlinkSync("dir", `${d}/dirlink`);
  Deno.symlinkSync("nowhere", `${d}/dangling`);
}

const cases: [string, (d: string) => [string | URL, Deno.MkdirOptions?]][] = [
  ["a new directory", (d) => [`${d}/new`]],
  ["a directory that exists", (d) => [`${d}/dir`]],
  ["a file that exists", (d) => [`${d}/file`]],
  ["a missing parent", (d) => [`${d}/no/such`]],
  ["a parent that is a file", (d) => [`${d}/file/x`]],
  ["a dangling symlink", (d) => [`${d}/dangling`]],
  ["a NUL byte", (d) => [`${d}/a\0b`]],
  ["a file: URL", (d) => [new URL(`file://${d}/url dir`)]],
  ["the empty path", () => [""]],
  ["a mode", (d) => [`${d}/m`, { mode: 0o751 }]],
  ["a non-ASCII name", (d) => [`${d}/é${"ü".repeat(60)}`]],
  ["a path longer than a pooled slot (1 KiB)", (d) => [`${d}/${"./".repeat(600)}long`]],
  ["a non-ASCII path longer than a slot", (d) => [`${d}/${"./".repeat(500)}${"é".repeat(100)}`]],
  ["a name longer than NAME_MAX", (d) => [`${d}/${"x".repeat(300)}`]],
  ["recursive: a deep new path", (d) => [`${d}/a/b/c/d`, { recursive: true }]],
  ["recursive: with a mode", (d) => [`${d}/p/q`, { recursive: true, mode: 0o700 }]],
  ["recursive: a directory that exists", (d) => [`${d}/dir`, { recursive: true }]],
  ["recursive: through a symlink", (d) => [`${d}/dirlink/x/y`, { recursive: true }]],
  ["recursive: a symlink to a directory", (d) => [`${d}/dirlink`, { recursive: true }]],
  ["recursive: a file that exists", (d) => [`${d}/file`, { recursive: true }]],
  ["recursive: through a file", (d) => [`${d}/file/x/y`, { recursive: true }]],
  ["recursive: a trailing slash", (d) => [`${d}/t/u/`, { recursive: true }]],
  ["recursive: . and .. inside", (d) => [`${d}/v/../w/./x`, { recursive: true }]],
  ["recursive: a double slash", (d) => [`${d}//y//z`, { recursive: true }]],
  ["recursive: the empty path", () => ["", { recursive: true }]],
  ["recursive: a NUL byte", (d) => [`${d}/r\0`, { recursive: true }]],
];

for (const [what, args] of cases) {
  Deno.test(`mkdir() does what Deno.mkdir does for ${what}`, async () => {
    using t = twin(fixture);
    const fds = fdCount();
    await assertSame(
      () => mkdir(...args(t.ours)),
      () => Deno.mkdir(...args(t.deno)),
      t.ours,
      t.deno,
    );
    assertEquals(tree(t.ours), tree(t.deno));
    assertEquals(fdCount(), fds);
  });
}

Deno.test("mkdir() resolves relative paths against the working directory, as Deno.mkdir", async () => {
  using t = twin(fixture);
  const cwd = Deno.cwd();
  try {
    for (const [dir, fn] of [[t.ours, mkdir], [t.deno, Deno.mkdir]] as const) {
      Deno.chdir(dir);
      await fn("rel/a", { recursive: true });
      await fn("rel2");
    }
    await assertSame(() => mkdir("dir"), () => Deno.mkdir("dir"), t.ours, t.deno);
  } finally {
    Deno.chdir(cwd);
  }
  assertEquals(tree(t.ours), tree(t.deno));
});

Deno.test("mkdir() makes 200 directories at once, as many as Deno.mkdir", async () => {
  using t = twin(() => {});
  const names = Array.from({ length: 200 }, (_, i) => `d${i}`);
  await Promise.all(names.map((n) => mkdir(`${t.ours}/${n}/sub`, { recursive: true })));
  await Promise.all(names.map((n) => Deno.mkdir(`${t.deno}/${n}/sub`, { recursive: true })));
  assertEquals(tree(t.ours), tree(t.deno));
});

Deno.test("mkdir() recursive: concurrent calls on overlapping paths all succeed", async () => {
  using t = twin(() => {});
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => mkdir(`${t.ours}/x/y/z${i % 3}`, { recursive: true })),
  );
  for (let i = 0; i < 3; i++) Deno.mkdirSync(`${t.deno}/x/y/z${i}`, { recursive: true });
  assertEquals(tree(t.ours), tree(t.deno));
});
