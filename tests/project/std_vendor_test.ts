// The test suite runs on @std/assert and @std/testing from JSR, or from ../shared/std/vendor on
// machines that cannot reach JSR (see README "Running the tests"). A lock entry written for the
// vendored copy would carry hashes that are not JSR's and break a real user's first run.
import { assertEquals, assertGreater } from "@std/assert";
import { repoFiles } from "../_helpers.ts";

Deno.test("deno.lock keeps no jsr entries (they would not match JSR's hashes)", async () => {
  const lock = JSON.parse(await Deno.readTextFile(new URL("../../deno.lock", import.meta.url)));
  const jsrSpecifiers = Object.keys(lock.specifiers ?? {}).filter((s) => s.startsWith("jsr:"));
  assertEquals(jsrSpecifiers, []);
  assertEquals(lock.jsr, undefined);
});

Deno.test("deno.json maps @std/assert and @std/testing to JSR 1.0.19 or newer", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assertEquals(config.imports["@std/assert"], "jsr:@std/assert@^1.0.19");
  assertEquals(config.imports["@std/testing"], "jsr:@std/testing@^1.0.19");
});

Deno.test("no test, doc example or task imports Node's assert module: they use @std/assert", async () => {
  // spelled in two halves so that this file does not match its own search
  const nodeAssert = ["node", "assert"].join(":");
  const root = new URL("../../", import.meta.url);
  const files = ["README.md", "mod.ts", "deno.json"];
  for (const dir of ["ffi", "tests", "bench", "examples"]) {
    files.push(...repoFiles(dir).filter((f) => f.endsWith(".ts")));
  }
  const offenders = [];
  for (const f of files) {
    if ((await Deno.readTextFile(new URL(f, root))).includes(nodeAssert)) offenders.push(f);
  }
  assertGreater(files.length, 40);
  assertEquals(offenders, []);
});
