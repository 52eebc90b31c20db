// The loader reads and checks a library before Deno.dlopen maps it: a truncated, corrupted,
// non-ELF or wrong-architecture file must be an error that names the file and what to do, never
// a SIGBUS or SIGILL inside dlopen. Each case loads the library in a subprocess, the way a user's
// program would, with the permissions a user would grant (--allow-ffi alone in a clone).
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { copyClone } from "../_helpers.ts";
import { elfProblem, sha256Hex } from "../../ffi/sys/_library_check.ts";
import { DIST_SHA256 } from "../../ffi/sys/dist_pin.ts";
import { distLibName, LIB_NAME } from "../../ffi/sys/loader.ts";

const root = new URL("../../", import.meta.url);
const DIST = new URL(`native/dist/${distLibName()}`, root);
const hasDist = DIST_SHA256[Deno.build.arch] !== undefined;
const good = hasDist ? Deno.readFileSync(DIST) : new Uint8Array();
const USER = `import { Ring } from "./mod.ts";
using ring = new Ring({ entries: 4 });
ring.getSqe()!.prepNop();
console.log("submitted", ring.submitAndWait(1));
`;

/** A temp dir that holds `mod.ts`, `ffi/` and `native/dist/` as a clone does, plus `user.ts`. */
function clone(): { dir: string } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "uring_libcheck_" });
  copyClone(dir);
  Deno.writeTextFileSync(`${dir}/user.ts`, USER);
  return { dir, [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }) };
}

interface Outcome {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** Runs `<dir>/user.ts` with `flags`, in `dir`, with `DENO_URING_LIB` set to `lib` (or empty). */
async function run(dir: string, flags: string[], lib = ""): Promise<Outcome> {
  const { code, signal, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, `${dir}/user.ts`],
    cwd: dir,
    env: { DENO_URING_LIB: lib, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code, signal, stdout: dec.decode(stdout), stderr: dec.decode(stderr) };
}

/** The process ended with an error (exit code 1), not a signal, and said `...parts`. */
function assertRefused(o: Outcome, ...parts: (string | RegExp)[]): void {
  assertEquals(o.signal, null, `killed by ${o.signal}: ${o.stderr}`);
  assertEquals(o.code, 1, o.stderr);
  for (const p of parts) {
    if (typeof p === "string") assertStringIncludes(o.stderr, p);
    else assertMatch(o.stderr, p);
  }
}

const ENV_FLAGS = ["--allow-ffi", "--allow-env=DENO_URING_LIB"];
const ENV_FIX = `unset DENO_URING_LIB, or point it at a ${LIB_NAME} built for linux-`;

/** [offset, end) of the `.text` section of an ELF64 little-endian file. */
function textSection(bytes: Uint8Array): [number, number] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const shoff = Number(dv.getBigUint64(40, true));
  const shnum = dv.getUint16(60, true), shstrndx = dv.getUint16(62, true);
  const strtab = Number(dv.getBigUint64(shoff + shstrndx * 64 + 24, true));
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * 64;
    const nameAt = strtab + dv.getUint32(at, true);
    const name = new TextDecoder().decode(bytes.subarray(nameAt, bytes.indexOf(0, nameAt)));
    if (name === ".text") {
      const off = Number(dv.getBigUint64(at + 24, true));
      return [off, off + Number(dv.getBigUint64(at + 32, true))];
    }
  }
  throw new Error("no .text section");
}

Deno.test({
  name: "native() refuses a truncated DENO_URING_LIB with an error, not SIGBUS",
  ignore: !hasDist,
  async fn() {
    using c = clone();
    Deno.writeFileSync(`${c.dir}/truncated.so`, good.subarray(0, good.length >> 1));
    // Read through libc (no --allow-read), then through Deno.readFileSync.
    for (const flags of [ENV_FLAGS, [...ENV_FLAGS, `--allow-read=${c.dir}`]]) {
      const o = await run(c.dir, flags, `${c.dir}/truncated.so`);
      assertRefused(o, `DENO_URING_LIB=${c.dir}/truncated.so is truncated or damaged`, ENV_FIX);
    }
  },
});

Deno.test({
  name: "native() refuses a prebuilt library in native/dist whose bytes differ from the pin",
  ignore: !hasDist,
  async fn() {
    using c = clone();
    const bytes = good.slice();
    const [from, to] = textSection(bytes);
    // Code that traps wherever it runs (ud2 on x86-64; on aarch64 a zero word is udf #0).
    for (let i = from; i < to; i++) {
      bytes[i] = Deno.build.arch === "x86_64" ? [0x0f, 0x0b][i & 1] : 0;
    }
    const path = `${c.dir}/native/dist/${distLibName()}`;
    Deno.writeFileSync(path, bytes);
    const o = await run(c.dir, ["--allow-ffi"]);
    assertRefused(
      o,
      `${path} has SHA-256 ${sha256Hex(bytes)}, but ffi/sys/dist_pin.ts pins ${
        DIST_SHA256[Deno.build.arch]
      }`,
      `restore it with "git checkout -- native/dist"`,
    );
  },
});

Deno.test({
  name: "native() refuses a truncated local build in native/build, naming it",
  ignore: !hasDist,
  async fn() {
    using c = clone();
    Deno.mkdirSync(`${c.dir}/native/build`);
    const path = `${c.dir}/native/build/${LIB_NAME}`;
    Deno.writeFileSync(path, good.subarray(0, good.length - 1000));
    const o = await run(c.dir, ["--allow-ffi"]);
    assertRefused(o, `${path} is truncated or damaged`, `rebuild it with "deno task build"`);
  },
});

Deno.test("native() refuses a DENO_URING_LIB that is not an ELF file", async () => {
  using c = clone();
  Deno.writeTextFileSync(
    `${c.dir}/notelf.so`,
    "#!/bin/sh\n" + "echo this is a shell script\n".repeat(9),
  );
  Deno.writeTextFileSync(`${c.dir}/empty.so`, "");
  let o = await run(c.dir, ENV_FLAGS, `${c.dir}/notelf.so`);
  assertRefused(o, `DENO_URING_LIB=${c.dir}/notelf.so is not an ELF file`, ENV_FIX);
  o = await run(c.dir, ENV_FLAGS, `${c.dir}/empty.so`);
  assertRefused(o, `DENO_URING_LIB=${c.dir}/empty.so is 0 bytes, too small`, ENV_FIX);
});

Deno.test({
  name: "native() refuses a DENO_URING_LIB built for another architecture",
  ignore: !hasDist,
  async fn() {
    using c = clone();
    const other = Deno.build.arch === "x86_64" ? 183 : 62;
    const bytes = good.slice();
    new DataView(bytes.buffer).setUint16(18, other, true); // e_machine
    Deno.writeFileSync(`${c.dir}/other.so`, bytes);
    const o = await run(c.dir, ENV_FLAGS, `${c.dir}/other.so`);
    assertRefused(
      o,
      `is built for ${other === 62 ? "x86_64" : "aarch64"}, but this machine is ${Deno.build.arch}`,
      ENV_FIX,
    );
  },
});

Deno.test({
  name: "native() takes a relative DENO_URING_LIB from the working directory",
  ignore: !hasDist,
  async fn() {
    using c = clone();
    Deno.mkdirSync(`${c.dir}/lib`);
    Deno.writeFileSync(`${c.dir}/lib/mine.so`, good);
    for (const flags of [ENV_FLAGS, [...ENV_FLAGS, `--allow-read`]]) {
      const o = await run(c.dir, flags, "lib/mine.so");
      assertEquals(o.signal, null);
      assertEquals(o.code, 0, o.stderr);
      assertEquals(o.stdout.trim(), "submitted 1");
    }
    // A relative path that names nothing says where it looked.
    const o = await run(c.dir, [...ENV_FLAGS, "--allow-read"], "lib/none.so");
    assertRefused(o, `DENO_URING_LIB=${c.dir}/lib/none.so: no such file`, ENV_FIX);
  },
});

Deno.test({
  name: "native() loads an intact native/dist library in a clone with --allow-ffi alone",
  ignore: !hasDist,
  async fn() {
    using c = clone();
    const o = await run(c.dir, ["--allow-ffi"]);
    assertEquals(o.code, 0, o.stderr);
    assertEquals(o.stdout.trim(), "submitted 1");
  },
});

Deno.test("sha256Hex() matches crypto.subtle around every padding boundary", async () => {
  const data = new Uint8Array(70_000).map((_, i) => (i * 131 + (i >> 8)) & 0xff);
  const lengths = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 70_000];
  for (const n of lengths) {
    const d = new Uint8Array(await crypto.subtle.digest("SHA-256", data.subarray(0, n)));
    const want = Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
    assertEquals(sha256Hex(data.subarray(0, n)), want, `length ${n}`);
  }
});

Deno.test({
  name: "elfProblem() accepts the shipped library and names what is wrong with damaged headers",
  ignore: !hasDist,
  fn() {
    assertEquals(elfProblem(good), undefined);
    const patched = (set: (dv: DataView) => void) => {
      const b = good.slice();
      set(new DataView(b.buffer));
      return elfProblem(b);
    };
    assertMatch(patched((dv) => dv.setUint8(4, 1))!, /32-bit/);
    assertMatch(patched((dv) => dv.setUint8(5, 2))!, /big-endian/);
    assertMatch(patched((dv) => dv.setUint16(16, 2, true))!, /executable.*not a shared/);
    assertMatch(
      patched((dv) => dv.setBigUint64(40, BigInt(good.length - 64), true))!,
      /section header table ends at byte/,
    );
    assertMatch(
      patched((dv) => dv.setBigUint64(32, BigInt(good.length), true))!,
      /program headers end at byte/,
    );
    assert(elfProblem(good, "riscv64") !== undefined);
  },
});
