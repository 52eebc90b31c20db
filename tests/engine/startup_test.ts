// Importing the module loads no part of Deno's Node compatibility layer: every `node:` module in
// the static module graph of the sources is a type-only or dynamic import (the event-loop wake-up
// loads `node:net` with `import()` once a ring proves long-lived); and what mod.ts loads at run
// time is the bundle, a handful of files. Checked on the graph Deno itself builds
// (`deno info --json`), not by timing.
import { assert, assertEquals } from "@std/assert";

interface Dep {
  specifier: string;
  code?: unknown;
  isDynamic?: boolean;
}

interface Graph {
  roots: string[];
  modules: { specifier: string; dependencies?: (Dep & { maybeCode?: unknown })[] }[];
}

async function graphOf(path: string): Promise<Graph> {
  const mod = new URL(path, import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--no-lock", "--node-modules-dir=none", mod],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout)) as Graph;
}

Deno.test("startup: no node: module is loaded when the sources are imported", async () => {
  const graph = await graphOf("../../ffi/mod.ts");
  assert(graph.modules.length > 10, "the graph lists the module's files");
  const eager: string[] = [];
  let lazy = 0;
  for (const m of graph.modules) {
    for (const d of m.dependencies ?? []) {
      if (!d.specifier.startsWith("node:") || d.code === undefined) continue;
      if (d.isDynamic) lazy++;
      else eager.push(`${m.specifier} imports ${d.specifier}`);
    }
  }
  assertEquals(eager, []);
  assertEquals(lazy, 1, "node:net, loaded with import() by the event-loop wake-up");
});

Deno.test("startup: mod.ts loads the bundle only, without node: modules", async () => {
  const graph = await graphOf("../../mod.ts");
  const byName = new Map(graph.modules.map((m) => [m.specifier, m]));
  // the modules reached through code imports (not @ts-self-types, not import())
  const seen = new Set<string>();
  const todo = [...graph.roots];
  while (todo.length > 0) {
    const s = todo.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of byName.get(s)?.dependencies ?? []) {
      const code = d.code as { specifier?: string } | undefined;
      if (code?.specifier !== undefined && !d.isDynamic) todo.push(code.specifier);
    }
  }
  const loaded = [...seen].map((s) => s.slice(s.indexOf("/ffi/") + 1 || s.lastIndexOf("/") + 1));
  assert(loaded.every((s) => s === "mod.ts" || s.startsWith("ffi/_bundle/")), loaded.join(", "));
  // each file costs ~0.1 ms: mod.ts, the bundle's mod.js and its one chunk
  assert(loaded.length <= 3, `mod.ts loads ${loaded.length} files: ${loaded.join(", ")}`);
});
