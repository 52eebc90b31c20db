// readDir() against Deno.readDir on the same directories.
import { assertEquals, assertRejects } from "@std/assert";
import { readDir } from "../../ffi/mod.ts";
import { assertSame, fdCount, twin } from "./_compare.ts";

function fixture(d: string) {
  Deno.writeTextFileSync(`${d}/file`, "x");
  Deno.mkdirSync(`${d}/dir`);
  Deno.symlinkSync("file", `${d}/link`);
  for (let i = 0; i < 100; i++) Deno.writeTextFileSync(`${d}/dir/${i}`, "");
}

async function entries(it: AsyncIterable<Deno.DirEntry>): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  for await (const e of it) out.push(e);
  return out.sort((a, b) => a.name < b.name ? -1 : 1);
}

const cases: [string, (d: string) => string | URL][] = [
  ["a directory", (d) => d],
  ["a directory of 100 files", (d) => `${d}/dir`],
  ["a symlink to a directory", (d) => `${d}/link/..`],
  ["a file: URL", (d) => new URL(`file://${d}/dir`)],
  ["a file", (d) => `${d}/file`],
  ["a missing path", (d) => `${d}/nope`],
  ["a NUL byte", (d) => `${d}/\0`],
];

for (const [what, path] of cases) {
  Deno.test(`readDir() gives what Deno.readDir gives for ${what}`, async () => {
    using t = twin(fixture);
    const fds = fdCount();
    await assertSame(
      () => entries(readDir(path(t.ours))),
      () => entries(Deno.readDir(path(t.deno))),
      t.ours,
      t.deno,
    );
    assertEquals(fdCount(), fds);
  });
}

Deno.test("readDir() closes the directory when the loop ends early", async () => {
  using t = twin(fixture);
  const fds = fdCount();
  for await (const _ of readDir(`${t.ours}/dir`)) break;
  assertEquals(fdCount(), fds);
});

Deno.test("readDir() errors carry errno besides Deno's code", async () => {
  const err = await assertRejects(() => entries(readDir("/no/such/dir")), Deno.errors.NotFound);
  assertEquals([(err as { code?: string }).code, (err as { errno?: number }).errno], ["ENOENT", 2]);
});

Deno.test("readDir() throws at once for a URL that is no file: URL, as Deno.readDir", () => {
  let ours = "", deno = "";
  try {
    readDir(new URL("http://x/y"));
  } catch (e) {
    ours = String(e);
  }
  try {
    Deno.readDir(new URL("http://x/y"));
  } catch (e) {
    deno = String(e);
  }
  assertEquals(ours, deno);
});
