// chmod(), chown(), utime() against Deno's on the same inputs.
import { assertEquals } from "@std/assert";
import { chmod, chown, utime } from "../../ffi/mod.ts";
import { assertSame, twin } from "./_compare.ts";

function fixture(d: string) {
  Deno.writeTextFileSync(`${d}/file`, "x");
  Deno.symlinkSync("file", `${d}/link`);
}

function info(path: string) {
  const st = Deno.statSync(path);
  return { mode: st.mode, uid: st.uid, gid: st.gid, atime: st.atime, mtime: st.mtime };
}

type Call = (d: string) => Promise<unknown>;
const cases: [string, Call, Call][] = [
  ["chmod of a file", (d) => chmod(`${d}/file`, 0o640), (d) => Deno.chmod(`${d}/file`, 0o640)],
  ["chmod through a link", (d) => chmod(`${d}/link`, 0o700), (d) => Deno.chmod(`${d}/link`, 0o700)],
  ["chmod of a missing file", (d) => chmod(`${d}/no`, 0o640), (d) => Deno.chmod(`${d}/no`, 0o640)],
  ["chmod with a NUL byte", (d) => chmod(`${d}/\0`, 0o640), (d) => Deno.chmod(`${d}/\0`, 0o640)],
  [
    "chmod of a file: URL",
    (d) => chmod(new URL(`file://${d}/file`), 0o604),
    (d) => Deno.chmod(new URL(`file://${d}/file`), 0o604),
  ],
  [
    "chown to the same owner",
    (d) => chown(`${d}/file`, Deno.uid(), Deno.gid()),
    (d) => Deno.chown(`${d}/file`, Deno.uid(), Deno.gid()),
  ],
  [
    "chown with nulls",
    (d) => chown(`${d}/file`, null, null),
    (d) => Deno.chown(`${d}/file`, null, null),
  ],
  [
    "chown of a missing file",
    (d) => chown(`${d}/no`, null, null),
    (d) => Deno.chown(`${d}/no`, null, null),
  ],
  [
    "chown to another owner",
    (d) => chown(`${d}/file`, 12345, 12345),
    (d) => Deno.chown(`${d}/file`, 12345, 12345),
  ],
  [
    "utime with numbers",
    (d) => utime(`${d}/file`, 1_000_000.5, 2_000_000.25),
    (d) => Deno.utime(`${d}/file`, 1_000_000.5, 2_000_000.25),
  ],
  [
    "utime with Dates",
    (d) => utime(`${d}/file`, new Date(1e12), new Date(-1e9)),
    (d) => Deno.utime(`${d}/file`, new Date(1e12), new Date(-1e9)),
  ],
  [
    "utime of a missing file",
    (d) => utime(`${d}/no`, 1, 1),
    (d) => Deno.utime(`${d}/no`, 1, 1),
  ],
];

for (const [what, ours, deno] of cases) {
  Deno.test(`${what.split(" ")[0]}() does what Deno's does: ${what}`, async () => {
    using t = twin(fixture);
    await assertSame(() => ours(t.ours), () => deno(t.deno), t.ours, t.deno);
    assertEquals(info(`${t.ours}/file`).mode, info(`${t.deno}/file`).mode);
    assertEquals(info(`${t.ours}/file`).uid, info(`${t.deno}/file`).uid);
    if (what.startsWith("utime") && !what.includes("missing")) {
      assertEquals(info(`${t.ours}/file`).mtime, info(`${t.deno}/file`).mtime);
      assertEquals(info(`${t.ours}/file`).atime, info(`${t.deno}/file`).atime);
    }
  });
}
