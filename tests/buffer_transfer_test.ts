// Memory safety when a caller transfers a buffer while the kernel uses it (issue 11, item 1).
// The work runs in a child process with --expose-gc (tests/_transfer_child.ts), so that a crash
// is seen as a failed exit instead of killing the test runner.
import { assert, assertEquals, assertMatch } from "@std/assert";

interface Line {
  name: string;
  size: number;
  result: string;
  dirty?: boolean;
  intact?: boolean;
  refused?: string;
}

async function runChild(): Promise<Line[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("./_transfer_child.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  const err = new TextDecoder().decode(out.stderr);
  assertEquals(out.signal, null, `child died by ${out.signal}: ${err}`);
  assertEquals(out.code, 0, `child failed: ${err}`);
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test("AsyncRing: a buffer transferred while its op is in flight is never written by the kernel", async () => {
  const lines = await runChild();
  const reads = lines.filter((l) => /^(read|readv|link\.read|recv)/.test(l.name));
  // read via transfer(), structuredClone and postMessage; readv; link read; recv
  assertEquals(reads.length, 3 * 3 + 3 + 3 + 1);
  for (const l of reads) {
    assertEquals(l.dirty, false, `${l.name} ${l.size}: the kernel wrote into freed memory`);
    assertMatch(l.result, /^TypeError:the buffer was detached .* bytes read were dropped/);
  }
  const writes = lines.filter((l) => l.name === "write");
  assertEquals(writes.length, 3);
  for (const l of writes) {
    assertMatch(l.result, /^ok:\d+$/);
    assert(l.intact, `${l.name} ${l.size}: the kernel wrote other bytes than the caller's`);
  }
  const ring = lines.find((l) => l.name === "Ring/alignedBuffer")!;
  assertEquals(ring.refused, "DataCloneError", "alignedBuffer() memory cannot be transferred");
  assertEquals(ring.result, "ok:4096");
  assert(ring.intact && ring.dirty === false);
});
