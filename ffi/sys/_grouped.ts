/**
 * A foreign library's symbol table opened a group at a time. `Deno.dlopen` compiles a call stub
 * for every symbol it opens (0.07-0.35 ms each), so a table opens the group a first op needs at
 * once, as plain properties, and each other group at the first use of one of its symbols, through
 * accessors that never change (the table keeps its shape: one getter call per use).
 *
 * Tiers: Deno compiles a fast-call stub for a function without struct parameters, and its first
 * such stub in a process costs ~0.45 ms (then ~0.08 ms each); a function declared with a struct
 * parameter goes through its generic path instead, ~60 ns slower a call, with no stub. A table
 * starts with one scalar parameter of each function declared as a one-field struct (the same
 * registers and stack slots in the x86-64 and AArch64 calling conventions) behind a wrapper that
 * packs the value, and after {@link FAST_AFTER} calls it opens what it has opened again with the
 * plain declarations: a short script pays no stub, a long one has fast calls after its first
 * milliseconds.
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
  /** Opens every group not opened yet, with fast calls. */
  openAll(): void;
}

/** Calls through the generic path after which a table moves to fast calls. */
export const FAST_AFTER = 256;

/** The byte size of the scalar types a one-field struct parameter can stand for. */
const SCALAR_BYTES: Partial<Record<Deno.NativeType & string, number>> = {
  // not 1- or 2-byte ones: who widens them to a register (caller or callee) is the compiler's call
  u32: 4,
  i32: 4,
  u64: 8,
  i64: 8,
  usize: 8,
  isize: 8,
};

/**
 * The index of `def`'s first scalar parameter passed in a register on both architectures (the
 * first six), or -1: the one the generic tier declares as a struct.
 */
function structParameter(def: Deno.ForeignFunction): number {
  if (def.nonblocking) return -1;
  return def.parameters.findIndex((p, i) =>
    i < 6 && typeof p === "string" && SCALAR_BYTES[p] !== undefined
  );
}

/** `value` as the bytes of a one-field struct of 4 or 8 bytes (two's complement, this machine's order). */
function structOf(value: number | bigint, bytes: number): Uint8Array {
  if (bytes === 8) return new Uint8Array(BigInt64Array.of(BigInt.asIntN(64, BigInt(value))).buffer);
  return new Uint8Array(Int32Array.of(Number(value) | 0).buffer);
}

/**
 * Opens `groups[eager]` of `symbols` from `path` now and the other groups on first use. Where
 * `--allow-ffi` is missing, the `NotCapable` error says what to call beforehand.
 *
 * @param owner how an error names the library ("the C library")
 * @param remedy what an error says to call before permissions are dropped
 * @param onFast called with the eager group's fast functions when the table moves to them: a hot
 *   call site that already called a generic-tier wrapper should call these at a site of its own
 *   (V8 makes a fast call only where one function was ever called)
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
  onFast?: (eagerGroup: Record<string, unknown>) => void,
): GroupedTable {
  let calls = 0;
  let fast = false;
  const dlopen = (group: G): Record<string, unknown> => {
    const wanted: Deno.ForeignLibraryInterface = {};
    const slow = new Map<string, [number, number]>();
    for (const name of groups[group]) {
      const def = symbols[name];
      wanted[name] = def;
      if (fast || !("parameters" in def)) continue;
      const at = structParameter(def);
      if (at < 0) continue;
      const type = def.parameters[at] as Deno.NativeType & string;
      slow.set(name, [at, SCALAR_BYTES[type]!]);
      wanted[name] = { ...def, parameters: def.parameters.with(at, { struct: [type] }) };
    }
    const opened = Deno.dlopen(path, wanted).symbols as Record<string, unknown>;
    if (slow.size === 0) return opened;
    const out = { ...opened };
    for (const [name, [at, bytes]] of slow) {
      const f = opened[name] as (...args: unknown[]) => unknown;
      out[name] = (...args: unknown[]) => {
        args[at] = structOf(args[at] as number | bigint, bytes);
        const ret = f(...args);
        // now, not in a microtask: a loop that never awaits would stay on the generic tier
        if (++calls === FAST_AFTER) tierUp();
        return ret;
      };
    }
    return out;
  };
  const open = (group: G): Record<string, unknown> => {
    try {
      return dlopen(group);
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
  /** The groups opened so far, opened again with fast calls; kept generic if that is refused. */
  function tierUp(): void {
    if (fast) return;
    fast = true;
    try {
      const first = dlopen(eager);
      const again = lazy.filter((g) => opened[g] !== undefined).map((g) => [g, dlopen(g)] as const);
      for (const name of groups[eager]) table[name] = first[name];
      for (const [g, symbols] of again) opened[g] = symbols;
      onFast?.(first);
    } catch {
      fast = false; // --allow-ffi revoked (a Deno.test with permissions): stay on the generic path
      calls = -Infinity;
    }
  }
  return {
    table,
    openAll() {
      tierUp();
      for (const group of lazy) opened[group] ??= open(group);
    },
  };
}
