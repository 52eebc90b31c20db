// truncate() against Deno.truncate on the same inputs.
import { assertEquals } from "@std/assert";
import { truncate } from "../../ffi/mod.ts";
import { assertSame, fdCount, tree, twin } from "./_compare.ts";

function fixture(d: string) {
  Deno.writeTextFileSync(`${d}/file`, "hello world");
  Deno.mkdirSync(`${d}/dir`);
  Deno.symlinkSync("file", `${d}/link`);
}

const cases: [string, (d: string) => [string, number?]][] = [
  ["no length (0)", (d) => [`${d}/file`]],
  ["a shorter length", (d) => [`${d}/file`, 5]],
  ["a longer length (zeros)", (d) => [`${d}/file`, 20]],
  ["the same length", (d) => [`${d}/file`, 11]],
  ["a negative length (0)", (d) => [`${d}/file`, -3]],
  ["a length past 4 GiB", (d) => [`${d}/file`, 2 ** 32 + 5]],
  ["a missing file", (d) => [`${d}/nope`, 1]],
  ["a directory", (d) => [`${d}/dir`, 1]],
  ["a symlink (refused)", (d) => [`${d}/link`, 1]],
  ["a NUL byte", (d) => [`${d}/f\0`, 1]],
];

for (const [what, args] of cases) {
  Deno.test(`truncate() does what Deno.truncate does for ${what}`, async () => {
    using t = twin(fixture);
    const fds = fdCount();
    await assertSame(
      () => truncate(...args(t.ours)),
      () => Deno.truncate(...args(t.deno)),
      t.ours,
      t.deno,
    );
    const sizes = (d: string) => Deno.statSync(`${d}/file`).size;
    assertEquals(sizes(t.ours), sizes(t.deno));
    if (sizes(t.ours) < 100) assertEquals(tree(t.ours), tree(t.deno));
    assertEquals(fdCount(), fds);
  });
}

Deno.test("truncate() extends with zero bytes", async () => {
  using t = twin(fixture);
  await truncate(`${t.ours}/file`, 14);
  assertEquals(
    Deno.readFileSync(`${t.ours}/file`),
    new Uint8Array([..."hello world"].map((c) => c.charCodeAt(0)).concat([0, 0, 0])),
  );
});
