/**
 * Finds and opens the native shim: the one `Deno.dlopen` call of the project.
 *
 * Where the library comes from, first match wins:
 *
 * 1. `DENO_URING_LIB`: the path in this environment variable, when `--allow-env` grants it (a
 *    missing grant is not an error, the variable is then ignored).
 * 2. A `file:` module (a clone): the local build `native/build/libdeno_uring.so` (`deno task
 *    build`, needs gcc and liburing-dev), else the prebuilt `native/dist/libdeno_uring.linux-<arch>.so`
 *    committed beside it. This path is synchronous and costs a `stat` or two; it needs only
 *    `--allow-ffi` (without `--allow-read` the candidates are told apart by `dlopen`).
 * 3. An `http:`/`https:` module (a URL import, no compiler needed): the prebuilt library is fetched
 *    from beside the module (`native/dist/`), kept in a cache directory, and checked against the
 *    SHA-256 pinned in `ffi/dist_pin.ts` before it is opened, on every load: a corrupted cached
 *    copy is fetched again, and a download that does not match the pin is refused with an error
 *    naming both hashes. This happens while the module is imported (top-level await), so the
 *    synchronous `new Ring()` finds the library ready.
 * 4. Otherwise an error that says what to install or set.
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
import { DIST_SHA256, DIST_VERSION } from "./dist_pin.ts";
import { type Native, SHIM_VERSION, symbols } from "./symbols.ts";

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
 * @param base URL of this module (`ffi/loader.ts`); its host is what `--allow-import` and
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
 * A `file:` checkout's libraries in the order they are tried: the local build, then the committed
 * prebuilt one. Without `--allow-read` for them both are kept (`dlopen` tells which exists).
 */
function fileCandidates(base: URL): string[] {
  const local = decodeURIComponent(new URL(`../native/build/${LIB_NAME}`, base).pathname);
  const prebuilt = decodeURIComponent(new URL(`../native/dist/${distLibName()}`, base).pathname);
  const out = exists(local) ? [local] : [];
  if (DIST_SHA256[Deno.build.arch] !== undefined && exists(prebuilt)) out.push(prebuilt);
  return out;
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
 * prebuilt library.
 *
 * @param base URL of this module; defaults to `import.meta.url`.
 * @returns An absolute path to a shared library.
 * @throws {Error} When `DENO_URING_LIB` names no file, when a `file:` checkout has neither a local
 *   build nor a prebuilt library for this architecture, or for an `http(s):` module (those are
 *   resolved by fetching, while the module is imported).
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { resolveLibrary } from "./loader.ts";
 * const path = resolveLibrary(); // native/build/libdeno_uring.so in a built clone
 * assert(path.endsWith(".so"));
 * ```
 */
export function resolveLibrary(base: URL = new URL(import.meta.url)): string {
  const override = readEnv(LIB_ENV);
  // Not checked with stat: that would need --allow-read for a path only --allow-ffi is used on.
  if (override !== undefined) return override;
  if (base.protocol === "file:") {
    const [first] = fileCandidates(base);
    if (first !== undefined) return first;
    throw notBuilt();
  }
  throw new Error(
    `Cannot load ${LIB_NAME} for a module at a ${base.protocol} URL: import it from a file: ` +
      `or http(s): URL, or set ${LIB_ENV} to its path (and grant --allow-env=${LIB_ENV})`,
  );
}

async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
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
  const url = new URL(`../native/dist/${name}`, base);
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
    if (await sha256Hex(await Deno.readFile(path)) === want) return path;
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
  const got = await sha256Hex(bytes);
  if (got !== want) {
    throw new Error(
      `The prebuilt library ${url} has SHA-256 ${got}, but ffi/dist_pin.ts pins ${want}: ` +
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

/** A library whose `uring_shim_version()` is not {@link SHIM_VERSION}: rebuilding fixes it. */
class ShimVersionError extends Error {}

function open(path: string, flags?: string): Native {
  let opened: Native;
  try {
    opened = Deno.dlopen(path, symbols).symbols;
  } catch (e) {
    if (isPermissionError(e)) {
      throw new Error(
        `Opening ${path} needs --allow-ffi` + (flags ? `: run with ${flags}` : ""),
        { cause: e },
      );
    }
    if (path === readEnv(LIB_ENV)) {
      throw new Error(
        `${LIB_ENV}=${path} could not be opened (${(e as Error).message}): unset it or point ` +
          `it at ${LIB_NAME}`,
        { cause: e },
      );
    }
    throw e;
  }
  const version = opened.uring_shim_version();
  if (version !== SHIM_VERSION) {
    throw new ShimVersionError(
      `${path} is shim version ${version}, this module needs ${SHIM_VERSION}: rebuild it ` +
        `("deno task build")`,
    );
  }
  return opened;
}

/**
 * For a module imported from an http(s) URL: the library, fetched, verified and opened while the
 * module graph loads, or the error that stopped it (thrown by {@link native} on first use, so
 * that importing types and constants never fails).
 */
const remote: { lib: Native } | { error: unknown } | undefined = await (async () => {
  const base = new URL(import.meta.url);
  if (base.protocol !== "http:" && base.protocol !== "https:") return undefined;
  if (Deno.build.os !== "linux" || readEnv(LIB_ENV) !== undefined) return undefined;
  try {
    const path = await fetchPrebuilt(base);
    return { lib: open(path, remoteFlags(base, cacheRoot())) };
  } catch (error) {
    return { error };
  }
})();

/**
 * The shim's functions, loading the library on first use (see the module doc for the order).
 *
 * @returns The symbols of the opened library.
 * @throws {Error} Off Linux; when no library can be found, fetched or verified (the message says
 *   what to install, set or grant); when the library's shim version is not the one this module
 *   needs.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { native } from "./loader.ts";
 * import { SHIM_VERSION } from "./symbols.ts";
 * assertEquals(native().uring_shim_version(), SHIM_VERSION);
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
  const base = new URL(import.meta.url);
  if (base.protocol === "file:" && readEnv(LIB_ENV) === undefined) {
    // The local build may be missing where stat was not allowed: then the prebuilt one is next.
    let cause: unknown;
    for (const path of fileCandidates(base)) {
      try {
        lib = open(path);
        return lib;
      } catch (e) {
        if (e instanceof ShimVersionError || !(e instanceof Error) || isPermissionError(e)) throw e;
        cause = e;
      }
    }
    throw notBuilt(cause);
  }
  lib = open(resolveLibrary(base));
  return lib;
}
