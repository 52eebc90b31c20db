/**
 * Finds and opens the native shim: the one `Deno.dlopen` call of the project.
 *
 * Where the library comes from, first match wins:
 *
 * 1. `DENO_URING_LIB`: the path in this environment variable, when `--allow-env` grants it (a
 *    missing grant is not an error, the variable is then ignored).
 * 2. A `file:` module (a clone): the local build `native/build/libdeno_uring.so` (`deno task
 *    build`, needs gcc and liburing-dev), else the prebuilt `native/dist/libdeno_uring.linux-<arch>.so`
 *    committed beside it. This path is synchronous; it needs only `--allow-ffi` (without
 *    `--allow-read` the library is read for its checks through libc, see below).
 * 3. An `http:`/`https:` module (a URL import, no compiler needed): the prebuilt library is fetched
 *    from beside the module (`native/dist/`), kept in a cache directory, and checked against the
 *    SHA-256 pinned in `ffi/sys/dist_pin.ts` before it is opened, on every load: a corrupted cached
 *    copy is fetched again, and a download that does not match the pin is refused with an error
 *    naming both hashes. This happens while the module is imported (top-level await), so the
 *    synchronous `new Ring()` finds the library ready.
 * 4. Otherwise an error that says what to install or set.
 *
 * Whatever the source, the file is read and checked before `Deno.dlopen` maps it (see
 * `_library_check.ts`): its size and ELF header (a 64-bit little-endian shared library for this
 * machine, whose program headers, segments and section header table lie inside the file), and for
 * a prebuilt library (`native/dist/` in a clone, the URL cache) its SHA-256 against the pin. A
 * file that fails is an error naming it and what to do, never a crash inside `dlopen`. A relative
 * `DENO_URING_LIB` is taken from the working directory.
 *
 * The cache directory is `$DENO_DIR/deno_uring/` when `DENO_DIR` is set, else
 * `$XDG_CACHE_HOME/deno_uring/`, else `$HOME/.cache/deno_uring/`; each build sits in
 * `<version>-<first 16 hex digits of its SHA-256>/`.
 *
 * The permissions a URL import needs (`HOST` is the host and port the module is served from,
 * `CACHE` the cache directory above):
 *
 * ```sh
 * deno run --allow-import=HOST --allow-net=HOST \
 *   --allow-env=DENO_URING_LIB,DENO_DIR,XDG_CACHE_HOME,HOME \
 *   --allow-read=CACHE --allow-write=CACHE --allow-ffi script.ts
 * ```
 *
 * `--allow-import` is for the modules (not needed for hosts Deno allows by default, such as
 * jsr.io), `--allow-net` for the one fetch of the library; read and write are only ever used in
 * `CACHE`. `--allow-ffi` cannot be narrowed to `CACHE`: a path-scoped grant covers `dlopen` but
 * not the pointer APIs (`Deno.UnsafePointer`) the ring needs. Nothing is fetched while the cached
 * copy matches the pin, so later runs work offline. With `DENO_URING_LIB` set, only
 * `--allow-env=DENO_URING_LIB` and `--allow-ffi` are needed besides `--allow-import`.
 *
 * @module
 */
import { type GroupedTable, openGrouped } from "./_grouped.ts";
import { openLibc } from "./_libc.ts";
import { elfProblem, readLibrary, sha256Hex } from "./_library_check.ts";
import { DIST_SHA256, DIST_VERSION } from "./dist_pin.ts";
import { type Native, SHIM_VERSION, SYMBOL_GROUPS, symbols } from "./symbols.ts";

/** Name of the environment variable that overrides where the shared library is loaded from. */
export const LIB_ENV = "DENO_URING_LIB";
/** File name of the local build (`native/build/`) on Linux. */
export const LIB_NAME = "libdeno_uring.so";
/** The environment variables the loader reads, each only when `--allow-env` grants it. */
export const LOADER_ENV = [LIB_ENV, "DENO_DIR", "XDG_CACHE_HOME", "HOME"] as const;

/**
 * File name of the prebuilt library for an architecture, as shipped in `native/dist/`.
 *
 * @param arch A `Deno.build.arch` value; defaults to this machine's.
 * @returns For example `"libdeno_uring.linux-x86_64.so"`.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { distLibName } from "./loader.ts";
 * assertEquals(distLibName("x86_64"), "libdeno_uring.linux-x86_64.so");
 * ```
 */
export function distLibName(arch: string = Deno.build.arch): string {
  return `libdeno_uring.linux-${arch}.so`;
}

function readEnv(name: string): string | undefined {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
      return undefined;
    }
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

/** Whether `path` is a file; `true` when `--allow-read` does not cover it (dlopen will tell). */
function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (e) {
    return e instanceof Deno.errors.NotCapable;
  }
}

/**
 * The directory that holds fetched libraries, from the environment variables `--allow-env`
 * grants: `$DENO_DIR/deno_uring`, `$XDG_CACHE_HOME/deno_uring` or `$HOME/.cache/deno_uring`.
 *
 * @returns The absolute path, or `undefined` when none of those variables can be read.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { cacheRoot } from "./loader.ts";
 * const dir = cacheRoot(); // e.g. "/home/me/.cache/deno_uring"
 * assert(dir === undefined || dir.endsWith("/deno_uring"));
 * ```
 */
export function cacheRoot(): string | undefined {
  const denoDir = readEnv("DENO_DIR");
  if (denoDir !== undefined) return `${denoDir.replace(/\/+$/, "")}/deno_uring`;
  const xdg = readEnv("XDG_CACHE_HOME");
  if (xdg !== undefined) return `${xdg.replace(/\/+$/, "")}/deno_uring`;
  const home = readEnv("HOME");
  if (home !== undefined) return `${home.replace(/\/+$/, "")}/.cache/deno_uring`;
  return undefined;
}

/**
 * The `deno run` flags a URL import of this module needs, for error messages and docs.
 *
 * @param base URL of this module (`ffi/sys/loader.ts`); its host is what `--allow-import` and
 *   `--allow-net` name.
 * @param root The cache directory, or a placeholder when it is not known.
 * @returns A flag string such as `--allow-import=example.com --allow-net=example.com ...`.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { remoteFlags } from "./loader.ts";
 * const flags = remoteFlags(new URL("https://example.com/deno_uring/ffi/loader.ts"), "/c");
 * assert(flags.includes("--allow-net=example.com") && flags.includes("--allow-read=/c"));
 * ```
 */
export function remoteFlags(base: URL, root: string = "$HOME/.cache/deno_uring"): string {
  return `--allow-import=${base.host} --allow-net=${base.host} ` +
    `--allow-env=${LOADER_ENV.join(",")} ` +
    `--allow-read=${root} --allow-write=${root} --allow-ffi`;
}

/**
 * A library the loader may open: its path, where it comes from (which decides what an error
 * about it tells the user to do) and, for a prebuilt one, the SHA-256 it must have.
 */
interface Candidate {
  path: string;
  kind: "env" | "build" | "dist" | "cache";
  pin?: string;
  /** The `deno run` flags to name when opening is denied. */
  flags?: string;
}

/** `DENO_URING_LIB`, made absolute: a relative path is taken from the working directory. */
function overridePath(): string | undefined {
  const value = readEnv(LIB_ENV);
  if (value === undefined || value.startsWith("/")) return value;
  try {
    // Deno.cwd() needs --allow-read; without it "./x" still names x in the working directory.
    if (Deno.permissions.querySync({ name: "read", path: "." }).state === "granted") {
      return `${Deno.cwd().replace(/\/+$/, "")}/${value}`;
    }
  } catch { /* keep it relative */ }
  return `./${value}`;
}

/**
 * A `file:` checkout's libraries in the order they are tried: the local build, then the committed
 * prebuilt one (when this architecture has a pin). Whether they exist is not asked here: reading
 * a library for its checks tells (`verify()`).
 *
 * @param base the `file:` URL of a module two levels below the checkout's root (`ffi/sys/`, or
 *   `ffi/_bundle/` once bundled), as a string: no `URL` object on the way to the first op
 */
function fileCandidates(base: string): Candidate[] {
  const file = decodeURIComponent(base.slice("file://".length));
  let root = file;
  for (let up = 0; up < 3; up++) root = root.slice(0, root.lastIndexOf("/"));
  const out: Candidate[] = [{ path: `${root}/native/build/${LIB_NAME}`, kind: "build" }];
  const pin = DIST_SHA256[Deno.build.arch];
  if (pin !== undefined) {
    out.push({ path: `${root}/native/dist/${distLibName()}`, kind: "dist", pin });
  }
  return out;
}

/** What to do about a library that is missing, damaged or for another machine. */
function remedy(c: Candidate): string {
  switch (c.kind) {
    case "env":
      return `unset ${LIB_ENV}, or point it at a ${LIB_NAME} built for linux-${Deno.build.arch} ` +
        `("deno task build" makes native/build/${LIB_NAME})`;
    case "build":
      return `rebuild it with "deno task build", or delete it to use the prebuilt library in ` +
        `native/dist`;
    case "dist":
      return `restore it with "git checkout -- native/dist", or build your own with ` +
        `"deno task build" (needs gcc and liburing-dev)`;
    case "cache":
      return `delete it, and it is fetched again`;
  }
}

/**
 * Reads `c` and checks it before `dlopen` maps it: size and ELF headers, and the pin when it has
 * one. Returns false when there is no such file.
 */
function verify(c: Candidate): boolean {
  const name = c.kind === "env" ? `${LIB_ENV}=${c.path}` : c.path;
  let bytes: Uint8Array | undefined;
  try {
    bytes = readLibrary(c.path);
  } catch (e) {
    throw new Error(`${name} cannot be read (${(e as Error).message}): ${remedy(c)}`, { cause: e });
  }
  if (bytes === undefined) return false;
  const problem = elfProblem(bytes);
  if (problem !== undefined) throw new Error(`${name} ${problem}: ${remedy(c)}`);
  if (c.pin !== undefined) {
    const got = sha256Hex(bytes);
    if (got !== c.pin) {
      throw new Error(
        `${name} has SHA-256 ${got}, but ffi/sys/dist_pin.ts pins ${c.pin}: refusing to load it (the ` +
          `file is damaged or is not this version's build); ${remedy(c)}`,
      );
    }
  }
  return true;
}

function notBuilt(cause?: unknown): Error {
  return new Error(
    `The native shim is not built and no prebuilt library for linux-${Deno.build.arch} ` +
      `is in native/dist: run "deno task build" (needs gcc and liburing-dev: ` +
      `apt-get install gcc liburing-dev), or set ${LIB_ENV} to the path of ${LIB_NAME}`,
    { cause },
  );
}

/**
 * Where the library will be loaded from for a module at `base`, without touching the network:
 * the `DENO_URING_LIB` override, else for a `file:` module the local build or the committed
 * prebuilt library. Nothing is read or checked here: {@link native} checks the library before it
 * opens it. A relative `DENO_URING_LIB` comes back absolute (taken from the working directory;
 * `./`-prefixed without `--allow-read`).
 *
 * @param base URL of this module; defaults to `import.meta.url`.
 * @returns The path of a shared library.
 * @throws {Error} When a `file:` checkout has neither a local build nor a prebuilt library for
 *   this architecture, or for an `http(s):` module (those are resolved by fetching, while the
 *   module is imported).
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { resolveLibrary } from "./loader.ts";
 * const path = resolveLibrary(); // native/build/libdeno_uring.so in a built clone
 * assert(path.endsWith(".so"));
 * ```
 */
export function resolveLibrary(base: URL = new URL(import.meta.url)): string {
  const override = overridePath();
  // Not checked with stat: that would need --allow-read for a path only --allow-ffi is used on.
  if (override !== undefined) return override;
  if (base.protocol === "file:") {
    const first = fileCandidates(base.href).find((c) => exists(c.path));
    if (first !== undefined) return first.path;
    throw notBuilt();
  }
  throw new Error(
    `Cannot load ${LIB_NAME} for a module at a ${base.protocol} URL: import it from a file: ` +
      `or http(s): URL, or set ${LIB_ENV} to its path (and grant --allow-env=${LIB_ENV})`,
  );
}

function isPermissionError(e: unknown): boolean {
  return e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied;
}

/** Fetches the pinned prebuilt library next to `base` into the cache; returns its path. */
async function fetchPrebuilt(base: URL): Promise<string> {
  const arch = Deno.build.arch;
  const name = distLibName(arch);
  const want = DIST_SHA256[arch];
  if (want === undefined) {
    throw new Error(
      `No prebuilt ${LIB_NAME} for linux-${arch} ships with this module: in a clone, run ` +
        `"deno task build" (needs gcc and liburing-dev) and set ${LIB_ENV} to ` +
        `native/build/${LIB_NAME}`,
    );
  }
  const url = new URL(`../../native/dist/${name}`, base);
  const root = cacheRoot();
  if (root === undefined) {
    throw new Error(
      `No cache directory for ${name}: grant --allow-env=${LOADER_ENV.join(",")} ` +
        `(the flags are ${remoteFlags(base)}), or set ${LIB_ENV} to a local ${LIB_NAME}`,
    );
  }
  const dir = `${root}/${DIST_VERSION}-${want.slice(0, 16)}`;
  const path = `${dir}/${name}`;
  const flags = remoteFlags(base, root);
  try {
    // The cached copy is checked on every load: a corrupted one is fetched again.
    if (sha256Hex(await Deno.readFile(path)) === want) return path;
  } catch (e) {
    if (isPermissionError(e)) {
      throw new Error(`Reading the cached ${path} was denied: run with ${flags}`, { cause: e });
    }
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    const res = await fetch(url);
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(
        `Fetching the prebuilt library ${url} failed with HTTP ${res.status}: the server does ` +
          `not serve native/dist/ beside the module; set ${LIB_ENV} to a local ${LIB_NAME} ` +
          `(build one with "deno task build", which needs gcc and liburing-dev)`,
      );
    }
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    if (isPermissionError(e)) {
      throw new Error(`Fetching ${url} was denied: run with ${flags}`, { cause: e });
    }
    if (e instanceof TypeError) {
      throw new Error(
        `Fetching the prebuilt library ${url} failed (${e.message}); set ${LIB_ENV} to a local ` +
          `${LIB_NAME} to run without it`,
        { cause: e },
      );
    }
    throw e;
  }
  const got = sha256Hex(bytes);
  if (got !== want) {
    throw new Error(
      `The prebuilt library ${url} has SHA-256 ${got}, but ffi/sys/dist_pin.ts pins ${want}: ` +
        `refusing to load it (the server holds a different build than this module's source)`,
    );
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
    const tmp = `${path}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
    await Deno.writeFile(tmp, bytes, { mode: 0o755 });
    await Deno.rename(tmp, path);
  } catch (e) {
    if (isPermissionError(e)) {
      throw new Error(`Writing ${path} was denied: run with ${flags}`, { cause: e });
    }
    throw e;
  }
  return path;
}

let lib: Native | undefined;
/** The functions of the library's first group ({@link SYMBOL_GROUPS}`.ring`). */
export type NativeRing = Pick<Native, (typeof SYMBOL_GROUPS)["ring"][number]>;
let fastLib: NativeRing | undefined;

/**
 * The ring group's functions with fast calls once the library has moved to them (`_grouped.ts`,
 * "Tiers"), else undefined: for a hot call site of its own.
 */
export function fastNative(): NativeRing | undefined {
  return fastLib;
}

/** A library whose `uring_shim_abi` is not {@link SHIM_VERSION}: rebuilding fixes it. */
class ShimVersionError extends Error {}

/** Opens the groups of the library opened last that are not open yet; undefined before. */
let openMore: (() => void) | undefined;

/** Opens `c`, which {@link verify} has checked: the ring group now, the rest at first use. */
function openCandidate(c: Candidate): Native {
  const { path, flags } = c;
  let grouped: GroupedTable;
  try {
    grouped = openGrouped(
      path,
      symbols,
      SYMBOL_GROUPS,
      "ring",
      path,
      "preloadNative()",
      (fast) => fastLib = fast as NativeRing,
    );
  } catch (e) {
    if (isPermissionError(e)) {
      throw new Error(
        `Opening ${path} needs --allow-ffi` + (flags ? `: run with ${flags}` : ""),
        { cause: e },
      );
    }
    if (c.kind === "env") {
      throw new Error(
        `${LIB_ENV}=${path} could not be opened (${(e as Error).message}): unset it or point ` +
          `it at ${LIB_NAME}`,
        { cause: e },
      );
    }
    throw e;
  }
  const opened = grouped.table as Native;
  const version = opened.uring_shim_abi;
  if (version !== SHIM_VERSION) {
    throw new ShimVersionError(
      `${path} is shim version ${version ?? "4 or older"}, this module needs ${SHIM_VERSION}: ` +
        `rebuild it ("deno task build")`,
    );
  }
  openMore = grouped.openAll;
  return opened;
}

/**
 * For a module imported from an http(s) URL: the library, fetched, verified and opened while the
 * module graph loads, or the error that stopped it (thrown by {@link native} on first use, so
 * that importing types and constants never fails).
 */
/** This module's URL: where the library is looked for (or fetched from). */
const here = import.meta.url;
const remote: { lib: Native } | { error: unknown } | undefined = !here.startsWith("https:") &&
    !here.startsWith("http:")
  // a clone: nothing to fetch, and no async function run while the module is evaluated (it cost
  // ~0.4 ms of every import, most of it Deno's first URL object)
  ? undefined
  : await (async () => {
    const base = new URL(here);
    if (Deno.build.os !== "linux" || readEnv(LIB_ENV) !== undefined) return undefined;
    try {
      // fetchPrebuilt checked the pin on the bytes it read: verify() checks the headers only.
      const c: Candidate = {
        path: await fetchPrebuilt(base),
        kind: "cache",
        flags: remoteFlags(base, cacheRoot()),
      };
      if (!verify(c)) throw new Error(`${c.path} vanished after it was fetched: ${remedy(c)}`);
      return { lib: openCandidate(c) };
    } catch (error) {
      return { error };
    }
  })();

/**
 * The shim's functions, loading the library on first use (see the module doc for the order).
 *
 * @returns The symbols of the opened library.
 * @throws {Error} Off Linux; when no library can be found, fetched or verified (the message says
 *   what to install, set or grant); when the library is truncated, damaged, not an ELF shared
 *   library for this machine, or (a prebuilt one) not the pinned build, naming the file and what
 *   to do; when the library's shim version is not the one this module needs.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { native } from "./loader.ts";
 * import { SHIM_VERSION } from "./symbols.ts";
 * assertEquals(native().uring_shim_abi, SHIM_VERSION);
 * ```
 */
export function native(): Native {
  if (lib !== undefined) return lib;
  if (Deno.build.os !== "linux") {
    throw new Error(`io_uring needs Linux; this is ${Deno.build.os}`);
  }
  if (remote !== undefined) {
    if ("error" in remote) throw remote.error;
    lib = remote.lib;
    return lib;
  }
  const override = overridePath();
  if (override !== undefined) {
    const c: Candidate = { path: override, kind: "env" };
    if (!verify(c)) {
      throw new Error(`${LIB_ENV}=${override}: no such file (or it cannot be read): ${remedy(c)}`);
    }
    lib = openCandidate(c);
    return lib;
  }
  if (here.startsWith("file:")) {
    // A library that is not there is skipped; one that is there but fails its checks is an
    // error, not a reason to try the next.
    let cause: unknown;
    for (const c of fileCandidates(here)) {
      if (!verify(c)) continue;
      try {
        lib = openCandidate(c);
        return lib;
      } catch (e) {
        if (e instanceof ShimVersionError || !(e instanceof Error) || isPermissionError(e)) throw e;
        cause = e;
      }
    }
    throw notBuilt(cause);
  }
  resolveLibrary(); // throws: a module at another kind of URL
  throw notBuilt();
}

/**
 * Loads the native library and opens every C function the module may call, now rather than at
 * their first use. Call it before code that runs without `--allow-ffi`: a `Deno.test` with
 * `permissions` revokes it while the test runs, and a library or a group of C functions first
 * needed there cannot be opened (the call then throws `Deno.errors.NotCapable` saying so).
 * Functions opened before keep working under revoked permissions.
 *
 * @throws {Error} As {@link native} does.
 * @example
 * ```ts
 * import { preloadNative } from "../../mod.ts";
 * // at the top of a test file whose tests drop --allow-ffi with `permissions`
 * preloadNative();
 * ```
 */
export function preloadNative(): void {
  native();
  openMore?.();
  openLibc();
}
