// alignedBuffer(): alignment, argument checks, and an O_DIRECT read that needs it.
import { assert, assertEquals, assertObjectMatch, assertRejects, assertThrows } from "@std/assert";
import { alignedBuffer, AsyncRing, AT_FDCWD, OpenFlag, UringError } from "../../ffi/mod.ts";

const addr = (b: Uint8Array) => Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b)));

Deno.test("alignedBuffer() starts on the asked boundary, zeroed, with the asked size", () => {
  for (const align of [1, 8, 512, 4096, 1 << 21]) {
    for (const size of [0, 1, 4096, 10_000]) {
      const b = alignedBuffer(size, align);
      assertEquals(b.byteLength, size);
      if (size > 0) assertEquals(addr(b) % align, 0);
      assert(b.every((x) => x === 0));
    }
  }
  assertEquals(addr(alignedBuffer(100)) % 4096, 0);
});

Deno.test("alignedBuffer() rejects bad sizes and alignments with RangeError", () => {
  for (const size of [-1, 1.5, NaN, 2 ** 31 + 1]) {
    assertThrows(() => alignedBuffer(size), RangeError, "size must be an integer in 0..2**31");
  }
  for (const align of [0, 3, 4095, 1 << 22, -4096]) {
    assertThrows(
      () => alignedBuffer(16, align),
      RangeError,
      "align must be a power of two in 1..2**21",
    );
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
    assertEquals(await io.read(fd, page, 4096), 4096);
    assertEquals(new Uint8Array(page), data.subarray(4096));
    const skewed = alignedBuffer(4096 + 1).subarray(1);
    assertObjectMatch(await assertRejects(() => io.read(fd, skewed, 0), UringError), {
      code: "EINVAL",
    });
  } finally {
    await io.closeFd(fd);
    await Deno.remove(path);
  }
});
