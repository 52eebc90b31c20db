// alignedBuffer(): alignment, argument checks, and an O_DIRECT read that needs it.
import assert from "node:assert/strict";
import { alignedBuffer, AsyncRing, AT_FDCWD, OpenFlag, UringError } from "../mod.ts";

const addr = (b: Uint8Array) => Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b)));

Deno.test("alignedBuffer() starts on the asked boundary, zeroed, with the asked size", () => {
  for (const align of [1, 8, 512, 4096, 1 << 21]) {
    for (const size of [0, 1, 4096, 10_000]) {
      const b = alignedBuffer(size, align);
      assert.equal(b.byteLength, size);
      if (size > 0) assert.equal(addr(b) % align, 0);
      assert.ok(b.every((x) => x === 0));
    }
  }
  assert.equal(addr(alignedBuffer(100)) % 4096, 0);
});

Deno.test("alignedBuffer() rejects bad sizes and alignments with RangeError", () => {
  for (const size of [-1, 1.5, NaN, 2 ** 31 + 1]) {
    assert.throws(() => alignedBuffer(size), RangeError);
  }
  for (const align of [0, 3, 4095, 1 << 22, -4096]) {
    assert.throws(() => alignedBuffer(16, align), RangeError);
  }
});

Deno.test("an O_DIRECT read needs an aligned buffer: EINVAL without, data with", async () => {
  const path = await Deno.makeTempFile({ dir: "/var/tmp" });
  const data = new Uint8Array(8192).map((_, i) => i % 251);
  await Deno.writeFile(path, data);
  await using io = new AsyncRing({ entries: 8 });
  const fd = await io.openat(AT_FDCWD, path, OpenFlag.RDONLY | OpenFlag.DIRECT | OpenFlag.CLOEXEC);
  try {
    const page = alignedBuffer(4096);
    assert.equal(await io.read(fd, page, 4096), 4096);
    assert.deepEqual(page, data.subarray(4096));
    const skewed = alignedBuffer(4096 + 1).subarray(1);
    await assert.rejects(
      io.read(fd, skewed, 0),
      (e) => e instanceof UringError && e.code === "EINVAL",
    );
  } finally {
    await io.closeFd(fd);
    await Deno.remove(path);
  }
});
