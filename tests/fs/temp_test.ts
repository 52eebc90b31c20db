// makeTempFile() and makeTempDir() against Deno's: names, places, modes, errors.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { makeTempDir, makeTempFile } from "../../ffi/mod.ts";
import { fdCount, outcome, twin } from "./_compare.ts";

const fns = [["makeTempFile", makeTempFile, Deno.makeTempFile], [
  "makeTempDir",
  makeTempDir,
  Deno.makeTempDir,
]] as const;

/** A made path with its random part replaced, for comparison. */
const shape = (p: unknown) =>
  typeof p === "string" ? p.replace(/[0-9a-f]{8,16}(?=[^/]*$)/, "<rand>") : p;

for (const [name, ours, deno] of fns) {
  const cases: [string, (d: string) => Deno.MakeTempOptions | undefined][] = [
    ["no options", () => undefined],
    ["dir", (d) => ({ dir: d })],
    ["dir with a trailing slash", (d) => ({ dir: `${d}/` })],
    ["prefix and suffix", (d) => ({ dir: d, prefix: "pre-", suffix: ".txt" })],
    ["a non-ASCII prefix", (d) => ({ dir: d, prefix: "é-ü" })],
    ["a dir path longer than a pooled slot (1 KiB)", (d) => ({ dir: `${d}/${"./".repeat(600)}` })],
    ["a missing dir", (d) => ({ dir: `${d}/nope` })],
    ["a dir that is a file", (d) => ({ dir: `${d}/file` })],
    ["a NUL byte in dir", (d) => ({ dir: `${d}/\0` })],
    ["a slash in the prefix", (d) => ({ dir: d, prefix: "a/b" })],
    ["a control character in the suffix", (d) => ({ dir: d, suffix: "\n" })],
    ["a NUL byte in the prefix", (d) => ({ dir: d, prefix: "\0" })],
    ["a star in the suffix", (d) => ({ dir: d, suffix: "*" })],
  ];
  for (const [what, options] of cases) {
    Deno.test(`${name}() does what Deno.${name} does with ${what}`, async () => {
      using t = twin((d) => Deno.writeTextFileSync(`${d}/file`, ""));
      const fds = fdCount();
      const a = await outcome(() => ours(options(t.ours)), t.ours);
      const b = await outcome(() => deno(options(t.deno)), t.deno);
      if (a.ok && b.ok) {
        assertEquals(shape(a.value), shape(b.value));
        const made = (a.value as string).replace("$D", t.ours);
        const st = Deno.statSync(made);
        const theirs = Deno.statSync((b.value as string).replace("$D", t.deno));
        assertEquals([st.isFile, st.isDirectory, st.mode, st.size], [
          theirs.isFile,
          theirs.isDirectory,
          theirs.mode,
          theirs.size,
        ]);
        if (options(t.ours)?.dir === undefined) {
          Deno.removeSync(made);
          Deno.removeSync((b.value as string).replace("$D", t.deno));
        }
      } else assertEquals(a, b);
      assertEquals(fdCount(), fds);
    });
  }

  Deno.test(`${name}() makes 300 distinct paths at once`, async () => {
    using t = twin(() => {});
    const paths = await Promise.all(Array.from({ length: 300 }, () => ours({ dir: t.ours })));
    assertEquals(new Set(paths).size, 300);
    for (const p of paths) assertMatch(p, /\/[0-9a-f]{8,16}$/);
    assertEquals([...Deno.readDirSync(t.ours)].length, 300);
  });

  Deno.test(`${name}() returns a relative path for a relative dir, as Deno.${name}`, async () => {
    using t = twin((d) => Deno.mkdirSync(`${d}/sub`));
    const cwd = Deno.cwd();
    try {
      Deno.chdir(t.ours);
      const a = await ours({ dir: "sub", prefix: "p" });
      Deno.chdir(t.deno);
      const b = await deno({ dir: "sub", prefix: "p" });
      assertEquals(shape(a), shape(b));
      assert(a.startsWith("sub/p"));
    } finally {
      Deno.chdir(cwd);
    }
  });
}

Deno.test("makeTempFile() uses $TMPDIR as Deno does, with or without --allow-env", async () => {
  const tmp = Deno.makeTempDirSync();
  try {
    const mod = new URL("../../mod.ts", import.meta.url).href;
    for (const env of [["--allow-env"], []]) {
      const code = `import { makeTempFile } from "${mod}";
        console.log(await makeTempFile(), await Deno.makeTempFile());`;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--no-lock", "--allow-ffi", "--allow-read", "--allow-write", ...env, code],
        env: { TMPDIR: tmp },
        stdout: "piped",
      }).output();
      const [ours, deno] = new TextDecoder().decode(out.stdout).trim().split(" ");
      assertEquals(shape(ours), shape(deno));
      assert(ours.startsWith(`${tmp}/`), ours);
    }
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
});
