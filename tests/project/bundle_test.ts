// mod.ts and the layer subpaths load ffi/_bundle/ (native/bundle.ts): it must be built from the
// sources in this tree, export what the sources export, share one copy of each class between the
// entry points, and compile the functions a first op runs when it is loaded.
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import {
  asciiOnly,
  BUNDLE_DIR,
  bundledHash,
  eagerFunctions,
  ENTRIES,
  sourceHash,
} from "../../native/bundle.ts";

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

Deno.test("bundle: eagerFunctions parenthesizes the named top-level declarations only", () => {
  const src = [
    "function f(a) {",
    "  if (a) {",
    "    return `x",
    "}`;",
    "  }",
    "}",
    "async function g() {",
    "  await 0;",
    "}",
    "function* h() {",
    "  yield 1;",
    "}",
    "function one() { return 1; }",
    "  function nested() {",
    "  }",
    "",
  ].join("\n");
  const { text, count } = eagerFunctions(src, new Set(["g", "h", "one", "nested"]));
  assertEquals(count, 2); // not f (not named), one (a single line), nested (not top level)
  assertEquals(text.split("\n").slice(6, 12), [
    "var g = (async function g() {",
    "  await 0;",
    "});",
    "var h = (function* h() {",
    "  yield 1;",
    "});",
  ]);
  assertEquals(text.split("\n").slice(0, 6), src.split("\n").slice(0, 6));
});

Deno.test("bundle: the top-level functions a first readFile runs are compiled with their file", async () => {
  let bundled = "";
  for await (const e of Deno.readDir(BUNDLE_DIR)) {
    if (e.isFile) bundled += await Deno.readTextFile(new URL(e.name, BUNDLE_DIR));
  }
  // the loader, the ring set-up and readFile's own path (native/startup_workload.ts runs them)
  for (const name of ["native", "verify", "elfProblem", "setupRing", "readWhole", "_readFileOn"]) {
    assert(
      new RegExp(`^var ${name} = \\((async )?function ${name}\\(`, "m").test(bundled),
      `${name} is not eager: run "deno task bundle"`,
    );
  }
  // and a server's, which a short script does not run, is not
  assert(/^async function serveTcp\(/m.test(bundled));
});

Deno.test("bundle: every file is ASCII, so that V8 keeps its source at one byte a character", async () => {
  for await (const e of Deno.readDir(BUNDLE_DIR)) {
    if (!e.isFile) continue;
    const text = await Deno.readTextFile(new URL(e.name, BUNDLE_DIR));
    assert(!/[\u0080-\uffff]/.test(text), `${e.name} has a character outside ASCII`);
  }
  // the escapes mean the same characters where they are code
  const src = 'const s = "\u00b5\u2192\u{1f600}"; const r = /\u2192+/; const \u00e9 = 1;';
  const escaped = asciiOnly(src);
  assert(!/[\u0080-\uffff]/.test(escaped));
  assertEquals(new Function(`${escaped}; return [s, r.test("\u2192\u2192"), \u00e9];`)(), [
    "\u00b5\u2192\u{1f600}",
    true,
    1,
  ]);
});
