/**
 * Builds the C shim (`native/uring_shim.c`) into `native/build/libdeno_uring.so`, linking
 * Debian's `liburing.a` statically. Skips the compiler when the sources have not changed since
 * the last build (a SHA-256 of the sources and flags is kept beside the library).
 *
 * `--bench` also builds the C liburing baselines (`bench/native/liburing_bench.c`) into
 * `native/build/libliburing_bench.so`, loaded in-process by `bench/_common.ts`.
 *
 * `--asan` builds the shim with AddressSanitizer instead, into `native/build/asan/libdeno_uring.so`
 * (`deno task build:asan` then runs the test suite with it: `DENO_URING_LIB` points at it and
 * `libasan.so` is preloaded, since Deno itself is not instrumented).
 *
 * @module
 */

const here = new URL("./", import.meta.url);
const root = new URL("../", here);
const out = new URL("build/", here);
const CC = Deno.env.get("CC") ?? "cc";
const CFLAGS = ["-O2", "-Wall", "-Wextra", "-fPIC", "-fvisibility=hidden"];
/** AddressSanitizer: `-O1` keeps the reports' stack traces readable. */
const ASAN_CFLAGS = ["-fsanitize=address", "-fno-omit-frame-pointer", "-g", "-O1"];

function findLiburingA(): string | undefined {
  const dirs = [
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
  ];
  for (const d of dirs) {
    try {
      if (Deno.statSync(`${d}/liburing.a`).isFile) return `${d}/liburing.a`;
    } catch { /* next */ }
  }
  return undefined;
}

async function hasCompiler(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(CC, { args: ["--version"], stdout: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

async function sha256(parts: (string | Uint8Array)[]): Promise<string> {
  const enc = new TextEncoder();
  const chunks = parts.map((p) => typeof p === "string" ? enc.encode(p) : p);
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function compile(args: string[], what: string): Promise<void> {
  const { success, stderr } = await new Deno.Command(CC, { args, stderr: "piped" }).output();
  if (!success) {
    console.error(new TextDecoder().decode(stderr));
    throw new Error(`building ${what} failed`);
  }
}

/** Builds `sources` into `target` unless the stamp says it is up to date. */
async function build(target: string, sources: URL[], args: (lib: string) => string[]) {
  const lib = findLiburingA();
  if (lib === undefined || !(await hasCompiler())) {
    throw new Error(
      "Building the native shim needs gcc and liburing-dev: " +
        "apt-get install -y gcc liburing-dev (or set DENO_URING_LIB to a prebuilt library)",
    );
  }
  const texts = sources.map((s) => Deno.readFileSync(s));
  const hash = await sha256([...texts, CC, ...args(lib)]);
  const targetUrl = new URL(target, out);
  const stampUrl = new URL(`${target}.sha256`, out);
  try {
    if (Deno.readTextFileSync(stampUrl).trim() === hash && Deno.statSync(targetUrl).isFile) return;
  } catch { /* build */ }
  Deno.mkdirSync(out, { recursive: true });
  await compile([...args(lib), "-o", targetUrl.pathname], target);
  Deno.writeTextFileSync(stampUrl, hash + "\n");
  console.error(`built native/build/${target}`);
}

/** Builds `src` into the shared library `name`, with liburing.a linked in and kept private. */
function buildShared(name: string, src: URL, extra: string[] = []): Promise<void> {
  return build(name, [src], (lib) => [
    ...CFLAGS,
    ...extra,
    "-shared",
    src.pathname,
    lib,
    "-Wl,--exclude-libs,ALL",
  ]);
}

if (Deno.args.includes("--asan")) {
  Deno.mkdirSync(new URL("asan/", out), { recursive: true });
  await buildShared("asan/libdeno_uring.so", new URL("uring_shim.c", here), ASAN_CFLAGS);
} else {
  await buildShared("libdeno_uring.so", new URL("uring_shim.c", here));
}

if (Deno.args.includes("--bench")) {
  // The C liburing baselines, one shared library that bench/_common.ts loads with Deno.dlopen so
  // that C and TypeScript rounds run interleaved in one process.
  await buildShared("libliburing_bench.so", new URL("bench/native/liburing_bench.c", root));
  // The limit of bench/files_bench.ts (readFiles): linked open/read/close chains.
  await buildShared("libfiles_bench.so", new URL("bench/native/files_bench.c", root));
}
