// Description: AsyncRing.unrefFd()/refFd(): ops on an unref'd fd do not keep the process alive,
// on each wake-up a ring can be on (the worker thread it starts on, which it then leaves; the
// eventfd bell; the poll bell), and refFd() while they wait makes them count again.
import { assert, assertEquals } from "@std/assert";
import { runChild } from "../_helpers.ts";
import { AsyncRing } from "../../ffi/mod.ts";

const MOD = JSON.stringify(new URL("../../ffi/mod.ts", import.meta.url).href);
const ENGINE = JSON.stringify(new URL("../../ffi/engine/mod.ts", import.meta.url).href);

/** A child that reads an idle pipe with its read end unref'd, on the wake-up `setup` picks. */
function idleRead(setup: string, after = ""): string {
  return `import { AsyncRing } from ${MOD};
    import { _wakeSettings } from ${ENGINE};
    ${setup}
    const io = new AsyncRing({ entries: 8 });
    const [r, w] = await io.pipe();
    io.unrefFd(r);
    console.log("reading");
    io.read(r, new Uint8Array(8)).then((n) => console.log("read " + n));
    ${after}`;
}

const SETUPS: [string, string][] = [
  ["starts on the worker thread", ""],
  ["eventfd bell", `_wakeSettings.upgradeAfter = 0; _wakeSettings.strategy = "eventfd";`],
  ["poll bell", `_wakeSettings.upgradeAfter = 0; _wakeSettings.strategy = "socket";`],
];

for (const [name, setup] of SETUPS) {
  Deno.test(`AsyncRing.unrefFd(): a pending read lets the process exit (${name})`, async () => {
    // upgradeAfter 0: the ring moves to the bell at its first idle wake (a timer wakes it first)
    const warm = setup === "" ? "" : `await io.timeout(1);`;
    const { code, ms, out } = await runChild(
      idleRead(setup).replace(`const [r, w]`, `${warm}\n    const [r, w]`),
    );
    assertEquals(code, 0, out);
    assertEquals(out.trim(), "reading");
    assert(ms < 10_000, `took ${ms} ms`);
  });

  Deno.test(`AsyncRing.refFd() while the read waits: the process waits for it (${name})`, async () => {
    const { code, out } = await runChild(idleRead(
      setup,
      `await new Promise((r) => setTimeout(r, 100));
      io.refFd(r);
      // only the read keeps the process now; the write comes from a timer that does not
      Deno.unrefTimer(setTimeout(() => io.write(w, new Uint8Array(3)), 200));`,
    ));
    assertEquals(code, 0, out);
    assertEquals(out.trim().split("\n"), ["reading", "read 3"]);
  });
}

Deno.test("AsyncRing.unrefFd(): the ops still complete, and other fds' ops still count", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  const [r2, w2] = await io.pipe();
  io.unrefFd(r);
  const a = io.read(r, new Uint8Array(8));
  const b = io.read(r2, new Uint8Array(8));
  await io.write(w, new Uint8Array([1, 2]));
  await io.write(w2, new Uint8Array([3]));
  assertEquals(await Promise.all([a, b]), [2, 1]);
  io.refFd(r);
  io.refFd(r); // twice: no-op
  for (const fd of [r, w, r2, w2]) await io.closeFd(fd);
});
