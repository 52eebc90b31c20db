/**
 * Finds and opens the native shim: the one `Deno.dlopen` call of the project.
 *
 * Order: (1) the path in the `DENO_URING_LIB` environment variable (read only when
 * `--allow-env` grants it); (2) when this module is a `file:` URL, the local build in
 * `native/build/` next to it (made by `deno task build`); otherwise an error that says what to do.
 *
 * @module
 */
import { type Native, SHIM_VERSION, symbols } from "./symbols.ts";

/** Name of the environment variable that overrides where the shared library is loaded from. */
export const LIB_ENV = "DENO_URING_LIB";
/** File name of the shim on Linux. */
export const LIB_NAME = "libdeno_uring.so";

function envOverride(): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: LIB_ENV }).state;
    if (state !== "granted") return undefined;
    return Deno.env.get(LIB_ENV) || undefined;
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Where the library will be loaded from, or an `Error` saying what is missing. */
export function resolveLibrary(base: URL = new URL(import.meta.url)): string {
  const override = envOverride();
  if (override !== undefined) {
    if (!exists(override)) {
      throw new Error(`${LIB_ENV}=${override} does not name a file; unset it or build the shim`);
    }
    return override;
  }
  if (base.protocol === "file:") {
    const local = new URL(`../native/build/${LIB_NAME}`, base);
    const path = decodeURIComponent(local.pathname);
    if (exists(path)) return path;
    throw new Error(
      `The native shim is not built: run "deno task build" (needs gcc and liburing-dev), ` +
        `or set ${LIB_ENV} to the path of ${LIB_NAME}`,
    );
  }
  throw new Error(
    `Cannot load ${LIB_NAME} for a module at ${base.protocol} URL; set ${LIB_ENV} to its path`,
  );
}

let lib: Native | undefined;

/** The shim's functions, loading it on first use. */
export function native(): Native {
  if (lib !== undefined) return lib;
  if (Deno.build.os !== "linux") {
    throw new Error(`io_uring needs Linux; this is ${Deno.build.os}`);
  }
  const path = resolveLibrary();
  const opened = Deno.dlopen(path, symbols).symbols;
  const version = opened.uring_shim_version();
  if (version !== SHIM_VERSION) {
    throw new Error(
      `${path} is shim version ${version}, this module needs ${SHIM_VERSION}: rebuild it`,
    );
  }
  lib = opened;
  return lib;
}
