// visitFiles(): every file's bytes equal Deno.readFile's, lent for the callback's duration only,
// from memory that cannot be detached; errors as Deno's; aborts; no fd left open.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { AsyncRing, visitFiles } from "../../ffi/mod.ts";
import { fsOn } from "../../ffi/mod.ts";
import { fdCount, patternBytes } from "../_helpers.ts";

async function withFiles(
  sizes: number[],
  fn: (paths: string[]) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const paths = sizes.map((_, i) => `${dir}/f${i}`);
    await Promise.all(paths.map((p, i) => Deno.writeFile(p, patternBytes(sizes[i], i + 1))));
    await fn(paths);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("visitFiles() hands each file's bytes equal to Deno.readFile's, once each", async () => {
  const sizes = [0, 1, 100, 4096, 16383, 16384, 16385, 65536, 100_000, 1 << 20];
  for (let i = 0; i < 600; i++) sizes.push(i * 37 % 20000);
  await withFiles(sizes, async (paths) => {
    const all = [...paths, "/proc/self/stat", "/proc/self/mountinfo", "/dev/null"];
    await visitFiles([], () => {
      throw new Error("not called");
    });
    await visitFiles(all, () => {}, { concurrency: 64 }); // the module's ring and reader, made once
    const before = fdCount();
    const seen = new Map<number, Uint8Array>();
    await visitFiles(all, (path, bytes, i) => {
      assertEquals(path, all[i]);
      assert(!seen.has(i), "once each");
      seen.set(i, bytes.slice());
    }, { concurrency: 64 });
    assertEquals(fdCount(), before);
    assertEquals(seen.size, all.length);
    for (let i = 0; i < paths.length; i++) {
      assertEquals(seen.get(i), await Deno.readFile(paths[i]), paths[i]);
    }
    const stat = new TextDecoder().decode(seen.get(paths.length));
    assertEquals(stat.split(" ")[0], String(Deno.pid));
    assert(seen.get(paths.length + 1)!.length > 0);
    assertEquals(seen.get(paths.length + 2)!.length, 0);
  });
});

Deno.test("visitFiles() lends bytes only while the callback (or its promise) runs", async () => {
  await withFiles(Array.from({ length: 300 }, () => 4096), async (paths) => {
    // Async callbacks that wait: every view must still hold its own file when they resume, though
    // other files are read meanwhile (few slots, so each slot is reused many times).
    const expected = await Promise.all(paths.map((p) => Deno.readFile(p)));
    let concurrent = 0, most = 0;
    await visitFiles(paths, async (_p, bytes, i) => {
      const copy = bytes.slice();
      concurrent++;
      most = Math.max(most, concurrent);
      await new Promise((r) => setTimeout(r, i % 3));
      concurrent--;
      assertEquals(bytes, copy, "not overwritten while lent");
      assertEquals(bytes, expected[i]);
    }, { concurrency: 4 });
    assert(most <= 4, `at most concurrency files lent at once, saw ${most}`);
    // A view kept past its callback sees other bytes later: the documented contract.
    const kept: [number, Uint8Array][] = [];
    await visitFiles(paths, (_p, bytes, i) => void kept.push([i, bytes]), { concurrency: 2 });
    assertEquals(kept.length, paths.length);
    const stale = kept.filter(([i, b]) => !b.every((x, k) => x === expected[i][k])).length;
    assert(stale > 0, "the memory holds other files once the callbacks are done");
  });
});

Deno.test("visitFiles() lends memory that cannot be detached, and that crypto.subtle takes", async () => {
  await withFiles([4096, 50_000], async (paths) => {
    const errors: unknown[] = [];
    const digests: string[] = [];
    await visitFiles(paths, async (_p, bytes, i) => {
      assert(bytes.buffer instanceof ArrayBuffer);
      if (i === 0) {
        for (
          const detach of [
            () => bytes.buffer.transfer(),
            () => structuredClone(bytes.buffer, { transfer: [bytes.buffer] }),
          ]
        ) {
          try {
            detach();
          } catch (e) {
            errors.push(e);
          }
        }
      }
      const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      digests[i] = d.join(",");
    });
    // The small file's view is over scratch memory: it refuses to be detached. (A long file's
    // buffer is its own, read to the end before it is lent: detaching it harms no read.)
    assertEquals(errors.length, 2, "detaching the scratch memory must throw");
    for (const e of errors) assert(e instanceof TypeError, String(e));
    for (const [i, p] of paths.entries()) {
      const want = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(p)));
      assertEquals(digests[i], want.join(","));
    }
    // And the next visit still reads correctly into the same memory.
    await visitFiles(paths, async (_p, bytes, i) => {
      assertEquals(bytes, await Deno.readFile(paths[i]));
    });
  });
});

Deno.test("visitFiles() rejects with Deno.readFile's error, or hands errors to onError", async () => {
  await withFiles([10, 20], async (paths) => {
    const dir = paths[0].slice(0, paths[0].lastIndexOf("/"));
    const list = [paths[0], `${dir}/missing`, paths[1], dir, `${dir}/missing2`];
    const before = fdCount();
    const readError = await Deno.readFile(`${dir}/missing`).catch((e) => e);
    const err = await assertRejects(() => visitFiles(list, () => {}), Deno.errors.NotFound);
    assertEquals(err.message, readError.message);
    assertEquals((err as { code?: string }).code, "ENOENT");
    assertEquals(fdCount(), before);
    const failed: [string, string, string, number][] = [];
    const got: number[] = [];
    await visitFiles(list, (_p, _b, i) => void got.push(i), {
      onError: (e, path, i) => failed.push([e.constructor.name, e.message, path, i]),
    });
    const dirError = await Deno.readFile(dir).catch((e) => e);
    failed.sort((a, b) => a[3] - b[3]);
    assertEquals(failed, [
      ["NotFound", readError.message, `${dir}/missing`, 1],
      [dirError.constructor.name, dirError.message, dir, 3],
      ["NotFound", readError.message.replace("missing", "missing2"), `${dir}/missing2`, 4],
    ]);
    assertEquals(got.sort(), [0, 2]);
    assertEquals(fdCount(), before);
  });
});

Deno.test("visitFiles() stops at a callback's throw or rejection and rejects with it", async () => {
  await withFiles(Array.from({ length: 200 }, () => 100), async (paths) => {
    const before = fdCount();
    let calls = 0;
    await assertRejects(
      () =>
        visitFiles(paths, () => {
          if (++calls === 5) throw new RangeError("stop here");
        }, { concurrency: 4 }),
      RangeError,
      "stop here",
    );
    assert(calls < paths.length, `nothing new starts after the throw (${calls} calls)`);
    let settled = 0;
    await assertRejects(
      () =>
        visitFiles(paths, async (_p, _b, i) => {
          await new Promise((r) => setTimeout(r, 1));
          settled++;
          if (i === 3) throw new Error("async stop");
        }, { concurrency: 4 }),
      Error,
      "async stop",
    );
    const atReject = settled;
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(settled, atReject, "no callback runs on after the call settled");
    assertEquals(fdCount(), before);
  });
});

Deno.test("visitFiles() aborts with the signal's reason; nothing stays open", async () => {
  await withFiles(Array.from({ length: 500 }, () => 4096), async (paths) => {
    const before = fdCount();
    const pre = new AbortController();
    pre.abort(new Error("before"));
    await assertRejects(() => visitFiles(paths, () => {}, pre), Error, "before");
    const c = new AbortController();
    let calls = 0;
    const err = await assertRejects(() =>
      visitFiles(paths, async () => {
        if (++calls === 10) c.abort(new Error("mid-way"));
        await new Promise((r) => setTimeout(r, 0));
      }, { signal: c.signal, concurrency: 8 })
    );
    assertEquals((err as Error).message, "mid-way");
    assert(calls < paths.length);
    assertEquals(fdCount(), before);
  });
});

Deno.test("visitFiles() checks its arguments before reading anything", async () => {
  await assertRejects(() => visitFiles("x" as unknown as string[], () => {}), TypeError);
  await assertRejects(
    () => visitFiles(["/etc/hostname"], undefined as unknown as () => void),
    TypeError,
  );
  await assertRejects(
    () => visitFiles(["/etc/hostname"], () => {}, { concurrency: 0 }),
    RangeError,
  );
  await assertRejects(() => visitFiles(["a\0b"], () => {}), TypeError, "NUL");
  assertThrows(() => {
    // A path with no read permission would throw NotCapable synchronously in a scoped process;
    // here (-A) a bad URL scheme is the synchronous failure.
    void fsOn(new AsyncRing()).visitFiles([new URL("http://x/")], () => {}).catch(() => {});
  }, TypeError);
});

Deno.test("visitFiles() on another ring, and many times over one", async () => {
  await using io = new AsyncRing();
  await withFiles([5, 6, 7], async (paths) => {
    for (let round = 0; round < 20; round++) {
      let total = 0;
      await fsOn(io).visitFiles(paths, (_p, b) => void (total += b.length));
      assertEquals(total, 18);
    }
  });
});
