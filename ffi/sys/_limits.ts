/**
 * Resource limits as the kernel applies them, for errors that say which limit stopped a call,
 * its current value and the command that raises it.
 *
 * @internal
 * @module
 */
import { libc } from "./_libc.ts";

/** The limits these errors name: their `RLIMIT_*` number (the same on x86-64 and aarch64). */
const LIMITS = {
  RLIMIT_NOFILE: { resource: 7, unit: "", raise: "ulimit -n 4096" },
  RLIMIT_MEMLOCK: { resource: 8, unit: " bytes", raise: "ulimit -l unlimited" },
} as const;

/** `RLIM_INFINITY`: all bits set. */
const INFINITY = 0xffff_ffff_ffff_ffffn;

/** The text of a `/proc` file, or `""` when it cannot be read (or `--allow-read` lacks it). */
export function readProc(path: string): string {
  try {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return "";
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/**
 * The soft value of `limit` ("unlimited", a number), or undefined when it cannot be asked (the C
 * library's functions cannot be opened where `--allow-ffi` is revoked). Asked with `getrlimit`,
 * which needs no file descriptor: the value is right at `EMFILE` too.
 */
export function softLimit(limit: keyof typeof LIMITS): string | undefined {
  const out = new BigUint64Array(2);
  try {
    if (libc().getrlimit(LIMITS[limit].resource, new Uint8Array(out.buffer)) !== 0) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  return out[0] === INFINITY ? "unlimited" : String(out[0]);
}

/**
 * "the open-file limit RLIMIT_NOFILE is 24; raise it with `ulimit -n 4096`": the limit, its
 * current value (when `getrlimit` can be asked) and the shell command that raises it.
 */
export function limitAdvice(limit: keyof typeof LIMITS): string {
  const { unit, raise } = LIMITS[limit];
  const what = limit === "RLIMIT_NOFILE" ? "the open-file limit" : "the locked-memory limit";
  const now = softLimit(limit);
  const value = now === undefined ? "" : ` is ${now}${now === "unlimited" ? "" : unit}`;
  const unitKey = limit === "RLIMIT_NOFILE" ? "LimitNOFILE" : "LimitMEMLOCK";
  return `${what} ${limit}${value}; raise it with \`${raise}\` (${unitKey}= in a systemd ` +
    "unit, --ulimit with docker run)";
}
