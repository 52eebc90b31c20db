// Importing the module loads no part of Deno's Node compatibility layer: every `node:` module in
// the static module graph of mod.ts is a type-only or dynamic import (the event-loop wake-up
// loads `node:net` with `import()` once a ring proves long-lived). Checked on the graph Deno
// itself builds (`deno info --json`), not by timing.
import { assert, assertEquals } from "@std/assert";

interface Dep {
  specifier: string;
  code?: unknown;
  isDynamic?: boolean;
}

Deno.test("startup: no node: module is loaded when mod.ts is imported", async () => {
  const mod = new URL("../../mod.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--no-lock", "--node-modules-dir=none", mod],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string; dependencies?: Dep[] }[];
  };
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
