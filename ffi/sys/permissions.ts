/**
 * Deno's permission checks for the Deno-shaped layers (file system, network).
 *
 * FFI code is not subject to `--allow-read`/`--allow-write`/`--allow-net`: `--allow-ffi` is full
 * trust. The drop-in functions check the same permission Deno's own function would, before
 * anything reaches the kernel, and fail with the same `Deno.errors.NotCapable` message, so a
 * program that scopes its access keeps that scope when it switches.
 *
 * Access granted everywhere (`-A`, or `--allow-read` with no list) is the common case: the
 * answer of one `Deno.permissions.querySync({ name })` is kept until the current task's
 * microtasks have run, so a burst of calls made in one turn (a `Promise.all` of a thousand
 * `mkdir`s) pays one query. It is not kept longer because permissions change between tasks
 * (`Deno.permissions.revoke()`, and the per-test permissions of `Deno.test`).
 *
 * @module
 */

/** A permission the Deno-shaped layers check. */
export type PermissionKind = "read" | "write" | "net";

const everywhere: Record<PermissionKind, boolean | undefined> = {
  read: undefined,
  write: undefined,
  net: undefined,
};
let clearing = false;

function clear(): void {
  clearing = false;
  everywhere.read = everywhere.write = everywhere.net = undefined;
}

function grantedEverywhere(name: PermissionKind): boolean {
  let granted = everywhere[name];
  if (granted === undefined) {
    // `partial`: granted with a --deny-* list, which the per-path check must see
    const status = Deno.permissions.querySync({ name });
    granted = status.state === "granted" && !status.partial;
    everywhere[name] = granted;
    if (!clearing) {
      clearing = true;
      queueMicrotask(clear);
    }
  }
  return granted;
}

function allowed(desc: Deno.PermissionDescriptor): boolean {
  let state = Deno.permissions.querySync(desc).state;
  // "prompt": ask as Deno's own op would (denied at once without a terminal or with --no-prompt).
  if (state === "prompt") state = Deno.permissions.requestSync(desc).state;
  return state === "granted";
}

/**
 * `path` as Deno's permission errors show it: an absolute path normalized (`.` and `..`
 * resolved, `//` and a trailing `/` dropped), but one that begins with `//`, and a relative
 * path, as given.
 */
export function _shownPath(path: string): string {
  if (path[0] !== "/" || path.charCodeAt(1) === 47) return path;
  const trailing = path.length > 1 && path.charCodeAt(path.length - 1) === 47;
  if (!trailing && !path.includes("//") && !path.includes("/.")) return path;
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/**
 * Throws `Deno.errors.NotCapable` as Deno does when `path` may not be read (or written).
 *
 * @param name `"read"` or `"write"`
 * @param path the path as the caller gave it (Deno's message quotes it as given)
 * @throws {Deno.errors.NotCapable} `Requires read access to "<path>", run again with the
 *   --allow-read flag`
 *
 * @example
 * ```ts
 * import { checkPath } from "./permissions.ts";
 * checkPath("read", "/etc/hostname"); // the tests run with -A: nothing thrown
 * ```
 */
export function checkPath(name: "read" | "write", path: string): void {
  if (grantedEverywhere(name)) return;
  if (!allowed({ name, path })) {
    throw new Deno.errors.NotCapable(
      `Requires ${name} access to "${_shownPath(path)}", run again with the --allow-${name} flag`,
    );
  }
}

/**
 * Throws `Deno.errors.NotCapable` as Deno does when `host:port` may not be reached or bound.
 *
 * @param hostname the host as the caller gave it
 * @param port the port (omitted for a host-only check)
 * @throws {Deno.errors.NotCapable} `Requires net access to "<host>:<port>", run again with the
 *   --allow-net flag`
 *
 * @example
 * ```ts
 * import { checkNet } from "./permissions.ts";
 * checkNet("127.0.0.1", 8080); // the tests run with -A: nothing thrown
 * ```
 */
export function checkNet(hostname: string, port?: number): void {
  if (grantedEverywhere("net")) return;
  const host = port === undefined ? hostname : `${hostname}:${port}`;
  if (!allowed({ name: "net", host })) {
    throw new Deno.errors.NotCapable(
      `Requires net access to "${host}", run again with the --allow-net flag`,
    );
  }
}
