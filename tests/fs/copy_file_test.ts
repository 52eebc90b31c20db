// copyFile() against Deno.copyFile on the same inputs: bytes, modes, errors, fds.
import { assertEquals } from "@std/assert";
import { copyFile } from "../../ffi/mod.ts";
import { assertSame, fdCount, tree, twin } from "./_compare.ts";

function random(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

const big = random(3 * 1024 * 1024 + 3);

function fixture(d: string) {
  Deno.writeTextFileSync(`${d}/file`, "hello");
  Deno.writeFileSync(`${d}/empty`, new Uint8Array(0));
  Deno.writeFileSync(`${d}/big`, big);
  Deno.writeFileSync(`${d}/8k`, big.subarray(0, 8192));
  Deno.writeFileSync(`${d}/8k1`, big.subarray(0, 8193));
  Deno.writeTextFileSync(`${d}/exec`, "#!/bin/sh\n", { mode: 0o755 });
  Deno.chmodSync(`${d}/exec`, 0o755);
  Deno.writeTextFileSync(`${d}/shared`, "rw", { mode: 0o666 });
  Deno.chmodSync(`${d}/shared`, 0o666);
  Deno.writeTextFileSync(`${d}/private`, "old contents, longer", { mode: 0o600 });
  Deno.chmodSync(`${d}/private`, 0o600);
  Deno.mkdirSync(`${d}/dir`);
  Deno.symlinkSync("file", `${d}/link`);
  Deno.symlinkSync("new-target", `${d}/dangling`);
}

const cases: [string, (d: string) => [string | URL, string | URL]][] = [
  ["a small file to a new name", (d) => [`${d}/file`, `${d}/copy`]],
  ["an empty file", (d) => [`${d}/empty`, `${d}/copy`]],
  ["a file of 3 MiB and 3 bytes", (d) => [`${d}/big`, `${d}/copy`]],
  ["a file of 8 KiB (the pooled buffer's size)", (d) => [`${d}/8k`, `${d}/copy`]],
  ["a file of 8 KiB and 1 byte", (d) => [`${d}/8k1`, `${d}/copy`]],
  ["non-ASCII names", (d) => [`${d}/file`, `${d}/é${"ü".repeat(60)}`]],
  ["paths longer than a pooled slot (1 KiB)", (d) => [
    `${d}/${"./".repeat(300)}file`,
    `${d}/${"./".repeat(300)}copy`,
  ]],
  ["mode 0o755", (d) => [`${d}/exec`, `${d}/copy`]],
  ["mode 0o666 (more than the umask lets open make)", (d) => [`${d}/shared`, `${d}/copy`]],
  ["onto a longer file of another mode", (d) => [`${d}/exec`, `${d}/private`]],
  ["onto a file through a symlink", (d) => [`${d}/exec`, `${d}/link`]],
  ["onto a dangling symlink", (d) => [`${d}/file`, `${d}/dangling`]],
  ["from a symlink", (d) => [`${d}/link`, `${d}/copy`]],
  ["onto itself", (d) => [`${d}/file`, `${d}/file`]],
  ["onto itself through a symlink", (d) => [`${d}/link`, `${d}/file`]],
  ["onto itself through ..", (d) => [`${d}/file`, `${d}/dir/../file`]],
  ["from a directory", (d) => [`${d}/dir`, `${d}/copy`]],
  ["a directory onto itself", (d) => [`${d}/dir`, `${d}/dir`]],
  ["onto a directory", (d) => [`${d}/file`, `${d}/dir`]],
  ["from a missing file", (d) => [`${d}/nope`, `${d}/copy`]],
  ["into a missing directory", (d) => [`${d}/file`, `${d}/no/copy`]],
  ["a NUL byte", (d) => [`${d}/file`, `${d}/c\0`]],
  ["file: URLs", (d) => [new URL(`file://${d}/file`), new URL(`file://${d}/url%20copy`)]],
  ["a /proc file (its size says 0)", (d) => ["/proc/self/mountinfo", `${d}/copy`]],
];

for (const [what, args] of cases) {
  Deno.test(`copyFile() does what Deno.copyFile does for ${what}`, async () => {
    using t = twin(fixture);
    const fds = fdCount();
    await assertSame(
      () => copyFile(...args(t.ours)),
      () => Deno.copyFile(...args(t.deno)),
      t.ours,
      t.deno,
    );
    assertEquals(fdCount(), fds);
    if (what.includes("/proc")) {
      assertEquals(Deno.statSync(`${t.ours}/copy`).size > 0, true);
      return; // its contents differ between two reads
    }
    assertEquals(tree(t.ours), tree(t.deno));
    for (const name of Object.keys(tree(t.ours))) {
      if (Deno.lstatSync(`${t.ours}/${name}`).isFile) {
        assertEquals(
          Deno.readFileSync(`${t.ours}/${name}`),
          Deno.readFileSync(`${t.deno}/${name}`),
        );
      }
    }
  });
}

Deno.test("copyFile() copies 700 files at once (more than its pooled buffers), byte for byte", async () => {
  using t = twin((d) => {
    for (let i = 0; i < 700; i++) Deno.writeFileSync(`${d}/s${i}`, random(i * 37));
  });
  const fds = fdCount();
  await Promise.all(
    Array.from({ length: 700 }, (_, i) => copyFile(`${t.ours}/s${i}`, `${t.ours}/c${i}`)),
  );
  assertEquals(fdCount(), fds);
  for (let i = 0; i < 700; i++) {
    assertEquals(Deno.readFileSync(`${t.ours}/c${i}`), Deno.readFileSync(`${t.ours}/s${i}`));
  }
});
