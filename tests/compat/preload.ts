/**
 * `deno test --preload` module that runs Deno's own unit tests (denoland/deno `tests/unit/`)
 * against this module: it replaces `Deno.<name>` by the module's export of the same name for each
 * drop-in name the module offers in Deno's shape, and leaves the rest as Deno's.
 *
 * Where the functions come from, first match wins for each name:
 * - `COMPAT_MODULES` (comma-separated paths or URLs) when set: every listed module is trusted to
 *   export Deno-shaped functions.
 * - otherwise the file-system and network layers, `ffi/fs/mod.ts` and `ffi/net/mod.ts`, where they
 *   exist (their exports are Deno-shaped by contract), then the root `mod.ts`. An export of
 *   `mod.ts` is swapped only if `mod.ts` exports a `denoShaped` list naming it, or (with no such
 *   list) if its `length` is no more than Deno's, so that today's ring-first functions
 *   (`readFile(io, path)`) are left alone.
 *
 * Environment (read once, at load):
 * - `COMPAT_SWAP=0`: swap nothing, to measure Deno's own functions (the baseline).
 * - `COMPAT_SKIP_SYNC=0`: keep the tests of the `*Sync` functions (dropped by default: the module
 *   replaces the async functions only, so those tests would measure Deno).
 * - `COMPAT_DROP_PERMISSIONS=1`: run every test with the process's permissions (`-A`), ignoring
 *   its `permissions` option. A test's permissions also revoke `--allow-ffi`, under which every
 *   `Deno.UnsafePointer*` call throws `NotCapable`; this separates that from other differences
 *   (the tests that expect `NotCapable` then fail, as they should).
 * - `COMPAT_SKIP=<regex>`: leave out the tests whose names match (cases of features the module does
 *   not have, such as HTTP/2 or TLS, whose clients would otherwise wait forever).
 * - `COMPAT_SKIP_DEFAULT=0`: keep the tests {@link DEFAULT_SKIP} leaves out by default.
 * - `COMPAT_PREVIEW_RING=1`: also swap `mod.ts`'s ring-first functions, bound to one `AsyncRing`
 *   opened here. A preview of how far today's functions are from Deno's, not a compatibility run.
 *
 * What was swapped is printed to stderr, once, as one line starting with `compat:`.
 *
 * @module
 */

/**
 * Tests left out unless `COMPAT_SKIP_DEFAULT=0`: they cannot pass against the module and would
 * stop the tests after them, so that a file's figure would not count those.
 * - `serve_test`'s HTTP/2 cases (`httpServerHttp2*`): the client speaks HTTP/2 with prior
 *   knowledge, which `serve()` does not (it serves HTTP/1.x, see `ffi/net/serve.ts`), and waits
 *   for a response that never comes: the file then runs into its timeout.
 * - `serve_test`'s cases that hand the module's objects to Deno's internals
 *   (`Deno[Deno.internal].serveHttpOnListener`, `serveHttpOnConnection`, `upgradeHttpRaw`,
 *   `addTrailers`), which take Deno's own listener, connection or response only: the first leaves
 *   its port bound, and every later test on that port fails.
 */
export const DEFAULT_SKIP: RegExp =
  /^httpServerHttp2|^(httpServerOnListener|httpServerOnConnection|httpServerWebSocketRaw|httpServerTrailers)$/;

/** The Deno functions the module may replace. */
export const DROP_IN_NAMES = [
  "open",
  "create",
  "readFile",
  "readTextFile",
  "writeFile",
  "writeTextFile",
  "stat",
  "lstat",
  "mkdir",
  "remove",
  "rename",
  "link",
  "symlink",
  "truncate",
  "copyFile",
  "readDir",
  "realPath",
  "readLink",
  "chmod",
  "chown",
  "utime",
  "makeTempFile",
  "makeTempDir",
  "listen",
  "connect",
  "serve",
  "upgradeWebSocket",
] as const;

/** Tests of async functions whose names contain `Sync` for another reason (`FsFile.sync()`). */
const ASYNC_TESTS_NAMED_SYNC = new Set([
  "fsFileSyncSuccess",
  "fsFileUtimeSyncSuccess",
]);

/**
 * Whether a Deno unit test exercises the `*Sync` API, judged by its name: Deno names them
 * `mkdirSyncPerm`, `createSyncFile`, `fsFileSyncSyncSuccess`; the async ones lack `Sync`.
 */
export function isSyncTestName(name: string): boolean {
  if (ASYNC_TESTS_NAMED_SYNC.has(name)) return false;
  return /Sync(?=[A-Z0-9_]|$)/.test(name);
}

type AnyFn = (...args: unknown[]) => unknown;
type Exports = Record<string, unknown>;

const env = (key: string) => Deno.env.get(key);
const root = new URL("../../", import.meta.url);

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
}

interface Source {
  label: string;
  exports: Exports;
  /** Exports are Deno-shaped by contract (a layer module or one named in `COMPAT_MODULES`). */
  trusted: boolean;
}

async function loadSources(): Promise<Source[]> {
  const listed = env("COMPAT_MODULES");
  if (listed) {
    const out: Source[] = [];
    for (const spec of listed.split(",").map((s) => s.trim()).filter(Boolean)) {
      const url = /^[a-z]+:/.test(spec) ? new URL(spec) : new URL(spec, `file://${Deno.cwd()}/`);
      out.push({ label: spec, exports: await import(url.href), trusted: true });
    }
    return out;
  }
  const out: Source[] = [];
  for (const layer of ["ffi/fs/mod.ts", "ffi/net/mod.ts"]) {
    const url = new URL(layer, root);
    if (await exists(url)) {
      out.push({ label: layer, exports: await import(url.href), trusted: true });
    }
  }
  out.push({
    label: "ffi/mod.ts",
    exports: await import(new URL("ffi/mod.ts", root).href),
    trusted: false,
  });
  return out;
}

/** Why `fn` from `src` cannot stand in for `Deno[name]`, or `null` if it can. */
function unfit(src: Source, name: string, fn: unknown): string | null {
  if (typeof fn !== "function") return "not a function";
  const list = src.exports.denoShaped;
  if (list !== undefined) {
    return [...(list as Iterable<string>)].includes(name) ? null : "not in its denoShaped list";
  }
  if (src.trusted) return null;
  const denoLength = (Deno as unknown as Record<string, AnyFn>)[name].length;
  return fn.length > denoLength ? `length ${fn.length} > Deno's ${denoLength} (ring-first?)` : null;
}

function replace(name: string, fn: unknown): void {
  // Deno.serve is an accessor; defineProperty replaces either kind.
  Object.defineProperty(Deno, name, {
    value: fn,
    writable: true,
    configurable: true,
    enumerable: true,
  });
}

async function swap(): Promise<string> {
  const sources = await loadSources();
  const swapped: string[] = [];
  const skipped: string[] = [];
  for (const name of DROP_IN_NAMES) {
    let why = "not exported";
    for (const src of sources) {
      if (!(name in src.exports)) continue;
      const fn = src.exports[name];
      const reason = unfit(src, name, fn);
      if (reason === null) {
        replace(name, fn);
        swapped.push(`${name}<-${src.label}`);
        why = "";
        break;
      }
      why = `${src.label}: ${reason}`;
    }
    if (why) skipped.push(`${name} (${why})`);
  }
  if (env("COMPAT_PREVIEW_RING") === "1") {
    const mod = sources.find((s) => s.label === "ffi/mod.ts")?.exports ??
      await import(new URL("ffi/mod.ts", root).href);
    // One ring for the whole run, opened while the process still has every permission.
    const io = new (mod.AsyncRing as new () => unknown)();
    for (const entry of [...skipped]) {
      const name = entry.slice(0, entry.indexOf(" "));
      const fn = mod[name];
      if (typeof fn !== "function") continue;
      replace(name, (...args: unknown[]) => (fn as AnyFn)(io, ...args));
      swapped.push(`${name}<-mod.ts(ring-first, preview)`);
      skipped.splice(skipped.indexOf(entry), 1);
    }
  }
  // A test's permissions revoke --allow-ffi, so the native library, libc's functions and the
  // module's ring, opened lazily inside a test, would fail to load there; open them now, while
  // the process has every permission.
  let warm = "";
  if (swapped.length > 0) {
    const sys = await import(new URL("ffi/sys/mod.ts", root).href);
    (sys.preloadNative as () => void)();
    const async = await import(new URL("ffi/async/mod.ts", root).href);
    (async.defaultRing as () => unknown)();
    warm = " (default ring opened before the tests)";
    if (swapped.some((s) => s.startsWith("stat<-"))) await Deno.stat(new URL(".", import.meta.url));
  }
  return `swapped ${swapped.length}${warm}: ${
    swapped.join(", ") || "none"
  }; kept Deno's ${skipped.length}: ${skipped.join(", ") || "none"}`;
}

/**
 * `Deno.test` with its registrations filtered: without the tests of `*Sync` functions when
 * `skipSync`, and with each test's `permissions` removed when `dropPermissions` (the test then runs
 * with the process's, `-A`). Keeps `.ignore` and `.only`.
 */
function filteredTest(
  test: typeof Deno.test,
  { skipSync, dropPermissions, skip }: {
    skipSync: boolean;
    dropPermissions: boolean;
    skip: RegExp | null;
  },
): typeof Deno.test {
  const nameOf = (args: unknown[]): string => {
    const [a, b] = args;
    if (typeof a === "string") return a;
    if (typeof a === "function") return a.name;
    const named = (a as { name?: string } | undefined)?.name;
    if (named) return named;
    return typeof b === "function" ? b.name : "";
  };
  const withoutPermissions = (arg: unknown) => {
    if (arg === null || typeof arg !== "object" || !("permissions" in arg)) return arg;
    const { permissions: _, ...rest } = arg as Record<string, unknown>;
    return rest;
  };
  const wrap = (register: AnyFn) => (...args: unknown[]) => {
    if (skipSync && isSyncTestName(nameOf(args))) return undefined;
    if (skip !== null && skip.test(nameOf(args))) return undefined;
    return register(...(dropPermissions ? args.map(withoutPermissions) : args));
  };
  const fn = wrap(test as AnyFn) as unknown as typeof Deno.test;
  fn.ignore = wrap(test.ignore as AnyFn) as typeof Deno.test.ignore;
  fn.only = wrap(test.only as AnyFn) as typeof Deno.test.only;
  return fn;
}

const report = env("COMPAT_SWAP") === "0" ? "swap off (Deno's own functions)" : await swap();
const skipSync = env("COMPAT_SKIP_SYNC") !== "0";
const dropPermissions = env("COMPAT_DROP_PERMISSIONS") === "1";
const skipText = env("COMPAT_SKIP");
const skipSources = [
  ...(skipText ? [skipText] : []),
  ...(env("COMPAT_SKIP_DEFAULT") === "0" ? [] : [DEFAULT_SKIP.source]),
];
const skip = skipSources.length === 0 ? null : new RegExp(skipSources.join("|"));
if (skipSync || dropPermissions || skip !== null) {
  Object.defineProperty(Deno, "test", {
    value: filteredTest(Deno.test, { skipSync, dropPermissions, skip }),
  });
}
console.error(`compat: ${report}`);
