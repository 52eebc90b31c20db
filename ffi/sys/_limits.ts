/**
 * Resource limits as the kernel applies them, for errors that say which limit stopped a call,
 * its current value and the command that raises it.
 *
 * @internal
 * @module
 */

/** `/proc/self/limits` rows of the limits these errors name. */
const ROWS = {
  RLIMIT_NOFILE: { row: "Max open files", unit: "", raise: "ulimit -n 4096" },
  RLIMIT_MEMLOCK: { row: "Max locked memory", unit: " bytes", raise: "ulimit -l unlimited" },
} as const;

/** The text of a `/proc` file, or `""` when it cannot be read (or `--allow-read` lacks it). */
export function readProc(path: string): string {
  try {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return "";
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** `/proc/self/limits` as last read: at `EMFILE` there is no fd left to read it again. */
let lastLimits = "";

/** Reads `/proc/self/limits` once, so that an error at `EMFILE` can still name the value. */
export function primeLimits(): void {
  if (lastLimits === "") lastLimits = readProc("/proc/self/limits");
}

/** The soft value of `limit` in `/proc/self/limits` ("unlimited", a number), or undefined. */
export function softLimit(limit: keyof typeof ROWS): string | undefined {
  const row = ROWS[limit].row;
  const now = readProc("/proc/self/limits");
  if (now !== "") lastLimits = now;
  for (const line of lastLimits.split("\n")) {
    if (line.startsWith(row)) return line.slice(row.length).trim().split(/\s+/)[0];
  }
  return undefined;
}

/**
 * "the open-file limit RLIMIT_NOFILE is 24; raise it with `ulimit -n 4096`": the limit, its
 * current value (when `/proc/self/limits` is readable) and the shell command that raises it.
 */
export function limitAdvice(limit: keyof typeof ROWS): string {
  const { unit, raise } = ROWS[limit];
  const what = limit === "RLIMIT_NOFILE" ? "the open-file limit" : "the locked-memory limit";
  const now = softLimit(limit);
  const value = now === undefined ? "" : ` is ${now}${now === "unlimited" ? "" : unit}`;
  const unitKey = limit === "RLIMIT_NOFILE" ? "LimitNOFILE" : "LimitMEMLOCK";
  return `${what} ${limit}${value}; raise it with \`${raise}\` (${unitKey}= in a systemd ` +
    "unit, --ulimit with docker run)";
}
