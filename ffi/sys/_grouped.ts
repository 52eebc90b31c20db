/**
 * A foreign library's symbol table opened a group at a time. `Deno.dlopen` compiles a call stub
 * for every symbol it opens (0.07-0.35 ms each), so a table opens the group a first op needs at
 * once, as plain properties, and each other group at the first use of one of its symbols, through
 * accessors that never change (the table keeps its shape: one getter call per use).
 *
 * A `Deno.test` with `permissions` revokes `--allow-ffi` while it runs: a group first needed
 * there cannot be opened, and the error says to open everything beforehand.
 *
 * @internal
 * @module
 */

/** A table from {@link openGrouped}, and how to open the rest of it now. */
export interface GroupedTable {
  readonly table: Record<string, unknown>;
  /** Opens every group not opened yet. */
  openAll(): void;
}

/**
 * Opens `groups[eager]` of `symbols` from `path` now and the other groups on first use. Where
 * `--allow-ffi` is missing, the `NotCapable` error says what to call beforehand.
 *
 * @param owner how an error names the library ("the C library")
 * @param remedy what an error says to call before permissions are dropped
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { openGrouped } from "./_grouped.ts";
 * const { table, openAll } = openGrouped(
 *   "libc.so.6",
 *   { getpid: { parameters: [], result: "i32" }, getppid: { parameters: [], result: "i32" } },
 *   { now: ["getpid"], later: ["getppid"] },
 *   "now",
 *   "the C library",
 *   "openAll()",
 * );
 * assertEquals((table.getpid as () => number)(), Deno.pid);
 * openAll();
 * assertEquals((table.getppid as () => number)(), Deno.ppid);
 * ```
 */
export function openGrouped<G extends string>(
  path: string,
  symbols: Deno.ForeignLibraryInterface,
  groups: Record<G, readonly string[]>,
  eager: NoInfer<G>,
  owner: string,
  remedy: string,
): GroupedTable {
  const open = (group: G): Record<string, unknown> => {
    const wanted: Deno.ForeignLibraryInterface = {};
    for (const name of groups[group]) wanted[name] = symbols[name];
    try {
      return Deno.dlopen(path, wanted).symbols;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotCapable)) throw e;
      throw new Deno.errors.NotCapable(
        `opening ${owner}'s ${group} functions needs --allow-ffi, which is revoked here (a ` +
          `Deno.test with \`permissions\`?): call ${remedy} before permissions are dropped`,
        { cause: e },
      );
    }
  };
  const table: Record<string, unknown> = { ...open(eager) };
  const opened: Partial<Record<G, Record<string, unknown>>> = {};
  const lazy = (Object.keys(groups) as G[]).filter((g) => g !== eager);
  for (const group of lazy) {
    for (const name of groups[group]) {
      Object.defineProperty(table, name, {
        get: () => (opened[group] ??= open(group))[name],
        enumerable: true,
      });
    }
  }
  return {
    table,
    openAll() {
      for (const group of lazy) opened[group] ??= open(group);
    },
  };
}
