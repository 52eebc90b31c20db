// link(), symlink(), readLink(), realPath() against Deno's on the same inputs.
import { assertEquals } from "@std/assert";
import { link, readLink, realPath, symlink } from "../../ffi/mod.ts";
import { assertSame, fdCount, tree, twin } from "./_compare.ts";

function fixture(d: string) {
  Deno.writeTextFileSync(`${d}/file`, "x");
  Deno.mkdirSync(`${d}/dir`);
  Deno.symlinkSync("file", `${d}/link`);
  Deno.symlinkSync("dir", `${d}/dirlink`);
  Deno.symlinkSync("nowhere", `${d}/dangling`);
  Deno.symlinkSync("loop2", `${d}/loop1`);
  Deno.symlinkSync("loop1", `${d}/loop2`);
}

type Case = [string, (d: string) => unknown[]];

function compare(
  name: string,
  ours: (...a: never[]) => Promise<unknown>,
  deno: (...a: never[]) => Promise<unknown>,
  cases: Case[],
) {
  for (const [what, args] of cases) {
    Deno.test(`${name}() does what Deno.${name} does for ${what}`, async () => {
      using t = twin(fixture);
      const fds = fdCount();
      await assertSame(
        () => ours(...(args(t.ours) as never[])),
        () => deno(...(args(t.deno) as never[])),
        t.ours,
        t.deno,
      );
      assertEquals(tree(t.ours), tree(t.deno));
      assertEquals(fdCount(), fds);
    });
  }
}

compare("link", link, Deno.link, [
  ["a file", (d) => [`${d}/file`, `${d}/hard`]],
  ["a symlink (the link itself)", (d) => [`${d}/link`, `${d}/hard`]],
  ["a target that exists", (d) => [`${d}/file`, `${d}/dir`]],
  ["a directory (EPERM)", (d) => [`${d}/dir`, `${d}/hard`]],
  ["a missing source", (d) => [`${d}/nope`, `${d}/hard`]],
  ["a missing target directory", (d) => [`${d}/file`, `${d}/no/hard`]],
  ["a NUL byte", (d) => [`${d}/file`, `${d}/h\0`]],
]);

compare("symlink", symlink, Deno.symlink, [
  ["a relative target", (d) => ["file", `${d}/s`]],
  ["an absolute target", (d) => ["/etc/hostname", `${d}/s`]],
  ["a target that does not exist", (d) => ["nowhere/at/all", `${d}/s`]],
  ["a link path that exists", (d) => ["file", `${d}/dir`]],
  ["a missing parent", (d) => ["file", `${d}/no/s`]],
  ["a NUL byte in the target", (d) => ["fi\0le", `${d}/s`]],
  ["a NUL byte in the link path", (d) => ["file", `${d}/s\0`]],
  ["options.type", (d) => ["dir", `${d}/s`, { type: "dir" }]],
]);

compare("readLink", readLink, Deno.readLink, [
  ["a link", (d) => [`${d}/link`]],
  ["a dangling link", (d) => [`${d}/dangling`]],
  ["a file that is no link", (d) => [`${d}/file`]],
  ["a missing path", (d) => [`${d}/nope`]],
  ["a file: URL", (d) => [new URL(`file://${d}/dirlink`)]],
  ["a NUL byte", (d) => [`${d}/\0`]],
]);

compare("realPath", realPath, Deno.realPath, [
  ["a link", (d) => [`${d}/link`]],
  ["a path through links, . and ..", (d) => [`${d}/dirlink/../dirlink/./`]],
  ["a dangling link", (d) => [`${d}/dangling`]],
  ["a loop", (d) => [`${d}/loop1`]],
  ["a missing path", (d) => [`${d}/nope`]],
  ["a NUL byte", (d) => [`${d}/\0`]],
]);

Deno.test("link() makes a second name for the same inode", async () => {
  using t = twin(fixture);
  await link(`${t.ours}/file`, `${t.ours}/hard`);
  const [a, b] = [Deno.statSync(`${t.ours}/file`), Deno.statSync(`${t.ours}/hard`)];
  assertEquals([a.ino, a.nlink], [b.ino, 2]);
});
