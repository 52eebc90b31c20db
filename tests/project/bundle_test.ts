// mod.ts and the layer subpaths load ffi/_bundle/ (native/bundle.ts): it must be built from the
// sources in this tree, export what the sources export, and share one copy of each class between
// the entry points.
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { bundledHash, ENTRIES, sourceHash } from "../../native/bundle.ts";

const root = new URL("../../", import.meta.url);

Deno.test("bundle: every entry of ffi/_bundle/ was built from the sources in ffi/", async () => {
  const want = await sourceHash();
  for (const entry of ENTRIES) {
    assertEquals(
      await bundledHash(entry),
      want,
      `ffi/_bundle/${entry}.js is stale: run "deno task bundle"`,
    );
  }
});

Deno.test("bundle: each entry exports what its source mod.ts exports, with their names", async () => {
  const pairs: [string, string][] = [["mod.ts", "ffi/mod.ts"]];
  for (const entry of ENTRIES) pairs.push([`ffi/_bundle/${entry}.js`, `ffi/${entry}.ts`]);
  for (const [bundled, source] of pairs) {
    const x = await import(new URL(bundled, root).href);
    const y = await import(new URL(source, root).href);
    const a = Object.keys(x).sort();
    assertEquals(a, Object.keys(y).sort(), `${bundled} against ${source}`);
    assert(a.length > 0);
    // the bundler renames what collides: stack traces and .name must still say the source's names
    for (const k of a) {
      if (typeof y[k] === "function") assertEquals(x[k].name, y[k].name, `${bundled}: ${k}.name`);
    }
  }
});

Deno.test("bundle: deno.json's subpaths name the bundle's entries", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  assertEquals(config.exports, {
    ".": "./mod.ts",
    "./ring": "./ffi/_bundle/ring/mod.js",
    "./async": "./ffi/_bundle/async/mod.js",
    "./fs": "./ffi/_bundle/fs/mod.js",
    "./net": "./ffi/_bundle/net/mod.js",
  });
});

Deno.test("bundle: one class and one default ring whichever entry a program imports", async () => {
  const mod = await import(new URL("mod.ts", root).href);
  const ring = await import(new URL("ffi/_bundle/ring/mod.js", root).href);
  const async = await import(new URL("ffi/_bundle/async/mod.js", root).href);
  const fs = await import(new URL("ffi/_bundle/fs/mod.js", root).href);
  const net = await import(new URL("ffi/_bundle/net/mod.js", root).href);
  assertStrictEquals(mod.Ring, ring.Ring);
  assertStrictEquals(mod.AsyncRing, async.AsyncRing);
  assertStrictEquals(mod.readFile, fs.readFile);
  assertStrictEquals(mod.serve, net.serve);
  assertStrictEquals(async.defaultRing(), async.defaultRing());
  const file = await fs.open(new URL("deno.json", root));
  try {
    // the FsFile class of ./fs is the one mod.ts exports
    assert(file instanceof mod.FsFile);
    assert(file instanceof Deno.FsFile);
  } finally {
    file.close();
  }
});

Deno.test("bundle: the bundled readFile reads what Deno.readFile reads", async () => {
  const mod = await import(new URL("mod.ts", root).href);
  const path = new URL("deno.json", root);
  assertEquals(await mod.readFile(path), await Deno.readFile(path));
  assertEquals(mod.readFile.name, "readFile");
});
