// A foreign table's two tiers (ffi/sys/_grouped.ts, "Tiers"): its first calls go through Deno's
// generic path, one scalar parameter declared as a one-field struct, and after FAST_AFTER calls it
// moves to fast calls. Both tiers must pass every value as the plain declaration does, and the
// move must keep the table working, also where --allow-ffi is revoked by then.
import { assert, assertEquals, assertNotStrictEquals, assertStrictEquals } from "@std/assert";
import { FAST_AFTER, openGrouped } from "../../ffi/sys/_grouped.ts";
import { fastNative, native } from "../../ffi/sys/mod.ts";
import { Ring } from "../../ffi/mod.ts";

const LIBC_SYMBOLS = {
  abs: { parameters: ["i32"], result: "i32" },
  llabs: { parameters: ["i64"], result: "i64" },
  // two scalars: the first is the one declared as a struct
  strtoul: { parameters: ["buffer", "buffer", "i32"], result: "u64" },
  getpid: { parameters: [], result: "i32" },
  labs: { parameters: ["i64"], result: "i64" },
} as const satisfies Deno.ForeignLibraryInterface;

type Fn = (...args: unknown[]) => unknown;

function libcTable(onFast?: (g: Record<string, unknown>) => void) {
  return openGrouped(
    "libc.so.6",
    LIBC_SYMBOLS,
    { now: ["abs", "llabs", "strtoul", "getpid"], later: ["labs"] },
    "now",
    "the C library",
    "openAll()",
    onFast,
  );
}

/** Lets the microtask that moves a table to fast calls run. */
const turn = () => new Promise((r) => setTimeout(r, 0));

/** Values at the edges of each width, and their expected results. */
function checkValues(t: Record<string, unknown>): void {
  const abs = t.abs as Fn, llabs = t.llabs as Fn, strtoul = t.strtoul as Fn;
  for (const v of [0, 1, -1, 2 ** 31 - 1, -(2 ** 31) + 1, -123456]) {
    assertEquals(abs(v), Math.abs(v), `abs(${v})`);
  }
  for (const v of [0n, -1n, 2n ** 62n, -(2n ** 63n) + 1n, -(2n ** 40n) - 7n]) {
    assertEquals(llabs(v), v < 0n ? -v : v, `llabs(${v})`);
  }
  const text = new TextEncoder().encode("ffff\0");
  assertEquals(strtoul(text, null, 16), 0xffffn);
  assertEquals(strtoul(text, null, 10), 0n); // base 10 reads no digit of "ffff"
  assertEquals((t.getpid as Fn)(), Deno.pid);
}

Deno.test("ffi tiers: the generic tier passes values of every width as the plain declaration", () => {
  const { table } = libcTable();
  const before = table.abs;
  checkValues(table);
  assertStrictEquals(table.abs, before, "still on the generic tier");
});

Deno.test("ffi tiers: after FAST_AFTER calls the table moves to fast calls, values unchanged", () => {
  let fastGroup: Record<string, unknown> | undefined;
  const { table } = libcTable((g) => fastGroup = g);
  const generic = table.abs as Fn;
  for (let i = 0; i < FAST_AFTER - 1; i++) assertEquals(generic(-i), i);
  assertEquals(fastGroup, undefined);
  // the last generic call moves the table, without waiting for the task to end
  assertEquals(generic(-3), 3);
  assert(fastGroup !== undefined, "onFast was called");
  assertNotStrictEquals(table.abs, generic);
  assertStrictEquals(table.abs, fastGroup.abs);
  checkValues(table);
  // a lazy group opened after the move has fast calls at once, and still works
  assertEquals((table.labs as Fn)(-5n), 5n);
  // the generic function still works for a caller that kept it
  assertEquals(generic(-7), 7);
});

Deno.test("ffi tiers: openAll() moves to fast calls at once", () => {
  let moved = false;
  const { table, openAll } = libcTable(() => moved = true);
  const generic = table.abs;
  openAll();
  assert(moved);
  assertNotStrictEquals(table.abs, generic);
  checkValues(table);
});

// opened while --allow-ffi is granted, moved while it is revoked
const revokedTable = libcTable();
Deno.test({
  name: "ffi tiers: with --allow-ffi revoked the table stays on the generic tier and works",
  permissions: { ffi: false, read: true },
  async fn() {
    const generic = revokedTable.table.abs as Fn;
    for (let i = 0; i < FAST_AFTER + 10; i++) assertEquals(generic(-i), i);
    await turn();
    assertStrictEquals(revokedTable.table.abs, generic);
    checkValues(revokedTable.table);
  },
});

Deno.test("ffi tiers: a ring submits across the library's move to fast calls", async () => {
  using ring = new Ring({ entries: 8 });
  const cqes = () => {
    ring.submitAndWait(1);
    const cqe = ring.waitCqe()!;
    return [cqe.userData, cqe.res]; // waitCqe() took it
  };
  // enough submits for the move, whatever ran in this process before
  for (let i = 0; i < FAST_AFTER + 1; i++) {
    const sqe = ring.getSqe()!;
    sqe.prepNop();
    sqe.userData = i;
    assertEquals(cqes(), [i, 0]);
    if (i % 64 === 0) await turn();
  }
  await turn();
  const fast = fastNative();
  assert(fast !== undefined, "the shim moved to fast calls");
  assertStrictEquals(native().uring_submit, fast.uring_submit);
  for (let i = 0; i < 100; i++) {
    const sqe = ring.getSqe()!;
    sqe.prepNop();
    sqe.userData = 1000 + i;
    assertEquals(cqes(), [1000 + i, 0]);
  }
});
