// Helpers for the tests that run the module's file functions and Deno's on the same inputs.
import { assertEquals } from "@std/assert";
import { stat, writeFile } from "../../ffi/mod.ts";
import { defaultRing } from "../../ffi/async/mod.ts";

// The module's own ring (and writeFile's ring of its own) hold a few fds for as long as the
// process runs: make them before the tests count fds.
await stat("/");
const warm = Deno.makeTempFileSync();
await writeFile(warm, new Uint8Array(1));
Deno.removeSync(warm);
// The test runner keeps one process for all files: the rings (and their registered ring fds,
// 16 at most per thread) must not outlive this file.
globalThis.addEventListener("unload", () => defaultRing().close());

/** What a call did: its value, or its error's class, message and code. */
export type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; class: string; name: string; message: string; code: unknown };

/**
 * Runs `fn` and describes what it did; `dirs` (sandbox paths) are replaced by `$D` in strings so
 * that two sandboxes compare equal.
 */
export async function outcome(fn: () => Promise<unknown>, ...dirs: string[]): Promise<Outcome> {
  const clean = (s: string) => dirs.reduce((t, d) => t.replaceAll(d, "$D"), s);
  try {
    const value = await fn();
    return { ok: true, value: typeof value === "string" ? clean(value) : value };
  } catch (e) {
    const err = e as Error & { code?: unknown };
    return {
      ok: false,
      class: err.constructor.name,
      name: err.name,
      message: clean(err.message),
      code: err.code,
    };
  }
}

/** Asserts that `ours` and `deno` (the same call, each on its own sandbox) did the same. */
export async function assertSame(
  ours: () => Promise<unknown>,
  deno: () => Promise<unknown>,
  oursDir: string,
  denoDir: string,
): Promise<Outcome> {
  const a = await outcome(ours, oursDir);
  const b = await outcome(deno, denoDir);
  assertEquals(a, b);
  return a;
}

/** A description of everything under `dir`: path → type, size, mode, link target. */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(`${dir}/${rel}`)) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      const st = Deno.lstatSync(`${dir}/${r}`);
      const mode = (st.mode! & 0o7777).toString(8);
      if (st.isSymlink) out[r] = `link -> ${Deno.readLinkSync(`${dir}/${r}`)}`;
      else if (st.isDirectory) {
        out[r] = `dir ${mode}`;
        walk(r);
      } else {out[r] = `file ${mode} ${st.size} ${
          new TextDecoder().decode(Deno.readFileSync(`${dir}/${r}`)).slice(0, 32)
        }`;}
    }
  };
  walk("");
  return out;
}

/** Two sandboxes with the same content, made by `fill`; removed by the disposer. */
export function twin(fill: (dir: string) => void): { ours: string; deno: string } & Disposable {
  const ours = Deno.makeTempDirSync({ prefix: "uring_fs_ours_" });
  const deno = Deno.makeTempDirSync({ prefix: "uring_fs_deno_" });
  fill(ours);
  fill(deno);
  return {
    ours,
    deno,
    [Symbol.dispose]() {
      for (const d of [ours, deno]) {
        try {
          Deno.chmodSync(d, 0o755);
          Deno.removeSync(d, { recursive: true });
        } catch { /* gone */ }
      }
    },
  };
}

/** Number of open fds of this process. */
export function fdCount(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}
