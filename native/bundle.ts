/**
 * Builds what `mod.ts` and the layer subpaths load at run time (`deno task bundle`): the sources
 * under `ffi/` bundled into `ffi/_bundle/`, one entry per public entry point (`ffi/mod.ts` and each
 * layer's `mod.ts`) and shared chunks, so that one class is one class whichever entry a program
 * imports.
 *
 * Why: Deno loads a module graph file by file, and the ~120 source files cost ~35 ms at every
 * start against ~8 ms for the same code in a few bundled files (`bench/startup.ts`). The sources
 * stay the code base: the types of each entry come from its source `mod.ts` (`@ts-self-types`), so
 * `deno check`, `deno doc` and editors read the TypeScript, and the tests run the sources.
 *
 * Each entry file records the SHA-256 of the sources it was built from; `--check` compares that
 * with the sources in the working tree and exits 1 when they differ, and
 * `tests/project/bundle_test.ts` fails the same way, so a change under `ffi/` that was not
 * re-bundled cannot land.
 *
 * It then makes eager the top-level functions a short script runs first (`eagerFunctions()`),
 * found by running `native/startup_workload.ts` on the new bundle: that needs the native library
 * (`deno task build`).
 *
 *     deno run -A native/bundle.ts [--check]
 *
 * @module
 */

import { sha256Hex } from "./build_dist.ts";

const root = new URL("../", import.meta.url);
const ffi = new URL("ffi/", root);
/** Where the bundle is written: two levels below the root, as the loader's sources are. */
export const BUNDLE_DIR = new URL("ffi/_bundle/", root);
/** The public entry points, relative to `ffi/`, without `.ts`. */
export const ENTRIES = ["mod", "ring/mod", "async/mod", "fs/mod", "net/mod"] as const;

const HASH_PREFIX = "// sources-sha256: ";

/** Every TypeScript source under `ffi/` (not the bundle), as paths relative to `ffi/`, sorted. */
async function sourceFiles(): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: URL, rel: string): Promise<void> {
    for await (const e of Deno.readDir(dir)) {
      const path = rel + e.name;
      if (e.isDirectory) {
        if (path !== "_bundle") await walk(new URL(`${e.name}/`, dir), `${path}/`);
      } else if (e.isFile && e.name.endsWith(".ts")) {
        out.push(path);
      }
    }
  }
  await walk(ffi, "");
  return out.sort();
}

/**
 * Lowercase hex SHA-256 of the sources, as `build_dist.ts` hashes the C sources: of the text
 * `sha256sum` would print for them, one `<hex>  <path>` line per file in path order.
 */
export async function sourceHash(): Promise<string> {
  let manifest = "";
  for (const path of await sourceFiles()) {
    manifest += `${await sha256Hex(await Deno.readFile(new URL(path, ffi)))}  ${path}\n`;
  }
  return sha256Hex(new TextEncoder().encode(manifest));
}

/** The source hash an entry of the bundle was built from, or undefined without one. */
export async function bundledHash(entry: string = "mod"): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(new URL(`${entry}.js`, BUNDLE_DIR));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  const line = text.split("\n", 3).find((l) => l.startsWith(HASH_PREFIX));
  return line?.slice(HASH_PREFIX.length).trim();
}

/**
 * The file's top-level function declarations named in `eager` as parenthesized function
 * expressions, `function f(a) {...}` as `var f = (function f(a) {...});`, and how many it
 * rewrote.
 *
 * Why: V8 compiles a function at its first call unless it is parenthesized, and the code cache
 * Deno keeps for a module is made when the module is compiled, so it holds the bytecode of the
 * eagerly compiled functions only. A first `readFile` compiled ~190 functions, ~2.8 ms of its
 * ~6.7 ms (measured with `--v8-flags=--no-lazy`). Made eager, a function's bytecode comes from the
 * cache instead, for ~1 us at every import whether it runs or not: so only the functions that
 * {@link startupFunctions} saw run are (`bench/README.md`, "Start-up"). Class members stay lazy:
 * V8 has no such hint for them.
 *
 * A declaration is hoisted and an expression is not: a function called while its file is still
 * being evaluated, above its definition, would be `undefined`. {@link bundle} imports every file
 * of the bundle after writing it, so such a call fails the build.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { eagerFunctions } from "./bundle.ts";
 * const src = "function f(a) {\n  return a;\n}\nfunction g() {\n}\n";
 * const { text, count } = eagerFunctions(src, new Set(["f"]));
 * assertEquals(text, "var f = (function f(a) {\n  return a;\n});\nfunction g() {\n}\n");
 * assertEquals(count, 1);
 * ```
 */
export function eagerFunctions(text: string, eager: Set<string>): { text: string; count: number } {
  const lines = text.split("\n");
  let count = 0;
  let open = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (open) {
      // the bundler indents bodies: the first `}` at column 0 closes the declaration
      if (line === "}") {
        lines[i] = "});";
        open = false;
      }
      continue;
    }
    const m = TOP_LEVEL_FUNCTION.exec(line);
    if (m === null || line.endsWith("}") || !eager.has(m[3])) continue;
    lines[i] = `var ${m[3]} = (${m[1] ?? ""}function${m[2]} ${m[3]}(${m[4]}`;
    open = true;
    count++;
  }
  if (open) throw new Error("eagerFunctions: a top-level function has no closing brace");
  return { text: lines.join("\n"), count };
}

/** A top-level function declaration as the bundler writes it: async, generator, name, rest. */
const TOP_LEVEL_FUNCTION = /^(async )?function(\*?) ([\w$]+)\((.*)$/;

/**
 * The top-level functions of each bundle file that run when `native/startup_workload.ts` (what a
 * short script does first: file functions, a file handle, a few ring ops) runs on the bundle: its
 * V8 coverage, from `deno run --coverage`, by file name.
 */
async function startupFunctions(): Promise<Map<string, Set<string>>> {
  const cov = await Deno.makeTempDir({ prefix: "deno_uring_coverage_" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--no-lock",
        "--no-config",
        `--coverage=${cov}`,
        new URL("startup_workload.ts", import.meta.url).pathname,
        new URL("mod.js", BUNDLE_DIR).href,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        "native/startup_workload.ts failed on the bundle (it needs the native library: run " +
          `"deno task build" first):\n${new TextDecoder().decode(out.stderr)}`,
      );
    }
    const ran = new Map<string, Set<string>>();
    for await (const e of Deno.readDir(cov)) {
      const report = JSON.parse(await Deno.readTextFile(`${cov}/${e.name}`)) as {
        url: string;
        functions: { functionName: string; ranges: { startOffset: number; count: number }[] }[];
      };
      if (!report.url.startsWith(BUNDLE_DIR.href)) continue;
      const text = await Deno.readTextFile(new URL(report.url));
      const names = new Set<string>();
      for (const fn of report.functions) {
        const [range] = fn.ranges;
        // a declaration at column 0 that ran: V8's offsets are the string's UTF-16 indexes
        if (range.count === 0 || (range.startOffset > 0 && text[range.startOffset - 1] !== "\n")) {
          continue;
        }
        const line = text.slice(range.startOffset, text.indexOf("\n", range.startOffset));
        const m = TOP_LEVEL_FUNCTION.exec(line);
        if (m !== null && m[3] === fn.functionName) names.add(m[3]);
      }
      ran.set(report.url.slice(BUNDLE_DIR.href.length), names);
    }
    return ran;
  } finally {
    await Deno.remove(cov, { recursive: true });
  }
}

/** Makes eager ({@link eagerFunctions}) the functions of the bundle that run at start-up. */
async function eagerStartup(): Promise<number> {
  let count = 0;
  for (const [rel, names] of await startupFunctions()) {
    const file = new URL(rel, BUNDLE_DIR);
    const done = eagerFunctions(await Deno.readTextFile(file), names);
    await Deno.writeTextFile(file, done.text);
    count += done.count;
  }
  return count;
}

/**
 * `text` with every character outside ASCII written as `\uXXXX` escapes (UTF-16 code units), which
 * mean the same in strings, regular expressions and identifiers, and are only text in comments.
 *
 * Why: V8 keeps an ASCII source as one byte per character, and any other character (a `µ` or an
 * arrow in a comment) makes it convert the whole file to two bytes per character when it loads
 * it, and scan that at every lazy compile: one such chunk cost ~0.6 ms of every import.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { asciiOnly } from "./bundle.ts";
 * assertEquals(asciiOnly('// 1 \u00b5s\nconst a = "\u2192";'), '// 1 \\u00b5s\nconst a = "\\u2192";');
 * ```
 */
export function asciiOnly(text: string): string {
  return text.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Copies the bundle from `tmp` into {@link BUNDLE_DIR}, with the header of each file. */
async function copyOut(tmp: string, dir: string, hash: string): Promise<void> {
  const generated = "// Generated by native/bundle.ts from the sources in ffi/: do not edit.\n";
  const entries = new Set<string>(ENTRIES.map((e) => `${e}.js`));
  for await (const e of Deno.readDir(`${tmp}/${dir}`)) {
    const rel = dir === "" ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory) {
      await copyOut(tmp, rel, hash);
      continue;
    }
    // the sources' doc examples run from the sources (`deno test --doc ffi/`), not again here
    let text = (await Deno.readTextFile(`${tmp}/${rel}`)).replaceAll("```ts\n", "```ts ignore\n");
    text = asciiOnly(text);
    if (entries.has(rel)) {
      const depth = rel.split("/").length - 1;
      const source = `${"../".repeat(depth + 1)}${rel.replace(/\.js$/, ".ts")}`;
      text = `// @ts-self-types="${source}"\n${HASH_PREFIX}${hash}\n${generated}${text}`;
    } else {
      text = generated + text;
    }
    const dest = new URL(rel, BUNDLE_DIR);
    await Deno.mkdir(new URL("./", dest), { recursive: true });
    await Deno.writeTextFile(dest, text);
  }
}

/** Bundles the entries into a fresh `ffi/_bundle/`. */
async function bundle(): Promise<void> {
  const hash = await sourceHash();
  const tmp = await Deno.makeTempDir({ prefix: "deno_uring_bundle_" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--no-lock",
        "--no-config",
        "--platform=deno",
        "--format=esm",
        "--code-splitting",

        "--outdir",
        tmp,
        ...ENTRIES.map((e) => new URL(`${e}.ts`, ffi).pathname),
      ],
      cwd: ffi.pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`deno bundle failed:\n${new TextDecoder().decode(out.stderr)}`);
    }
    await Deno.remove(BUNDLE_DIR, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    await copyOut(tmp, "", hash);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  const eager = await eagerStartup();
  await importAll();
  console.log(`ffi/_bundle/ written; ${eager} functions that run at start-up compile eagerly`);
}

/**
 * Imports every file of the bundle (the entries, the chunks, the parts loaded with `import()`) in
 * a child process: a function that {@link eagerFunctions} made an expression and that runs before
 * its definition while its file is evaluated fails here.
 */
async function importAll(): Promise<void> {
  const urls: string[] = [];
  const walk = async (dir: URL): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir));
      else if (e.name.endsWith(".js")) urls.push(new URL(e.name, dir).href);
    }
  };
  await walk(BUNDLE_DIR);
  const code = urls.map((u) => `await import(${JSON.stringify(u)});`).join("\n");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-lock", "--no-config", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `the bundle does not import:\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

if (import.meta.main) {
  if (Deno.args.includes("--check")) {
    const [want, got] = [await sourceHash(), await bundledHash()];
    if (want !== got) {
      console.error(
        `ffi/_bundle/ was built from other sources (${got ?? "none"}, the sources are ${want}): ` +
          `run "deno task bundle"`,
      );
      Deno.exit(1);
    }
  } else {
    await bundle();
  }
}
