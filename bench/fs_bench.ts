// The Deno-shaped file functions (ffi/fs/) beside Deno's own, 1 000 calls at once with
// Promise.all per iteration: mkdir, rename, remove, makeTempFile, and copyFile of 4 KiB files.
// Only the Promise.all is timed (b.start()/b.end()); making and clearing the files is not.
import { copyFile, makeTempFile, mkdir, remove, rename } from "../mod.ts";

const TMP = Deno.env.get("TMPDIR") ?? "/tmp";
const N = 1000;
const root = Deno.makeTempDirSync({ dir: TMP, prefix: "deno_uring_fs_bench_" });
let serial = 0;

/** A fresh empty directory for one iteration. */
function freshDir(): string {
  const dir = `${root}/${serial++}`;
  Deno.mkdirSync(dir);
  return dir;
}

/** A fresh directory holding files 0..N-1 of `size` bytes. */
function dirWithFiles(size: number): string {
  const dir = freshDir();
  const data = new Uint8Array(size);
  for (let i = 0; i < N; i++) Deno.writeFileSync(`${dir}/${i}`, data);
  return dir;
}

const sources = dirWithFiles(4096);
for (let i = 0; i < N; i++) Deno.readFileSync(`${sources}/${i}`); // in the page cache

type Fns = {
  mkdir: (p: string) => Promise<void>;
  rename: (a: string, b: string) => Promise<void>;
  remove: (p: string) => Promise<void>;
  makeTempFile: (o: Deno.MakeTempOptions) => Promise<string>;
  copyFile: (a: string, b: string) => Promise<void>;
};
const deno: Fns = Deno;
const ours: Fns = { mkdir, rename, remove, makeTempFile, copyFile };

for (const [name, fns, baseline] of [["Deno", deno, true], ["deno-uring", ours, false]] as const) {
  Deno.bench({ group: "mkdir x1000", name, baseline, n: 10, warmup: 2 }, async (b) => {
    const dir = freshDir();
    const paths = Array.from({ length: N }, (_, i) => `${dir}/${i}`);
    b.start();
    await Promise.all(paths.map((p) => fns.mkdir(p)));
    b.end();
    Deno.removeSync(dir, { recursive: true });
  });

  Deno.bench({ group: "rename x1000", name, baseline, n: 10, warmup: 2 }, async (b) => {
    const dir = dirWithFiles(0);
    const names = Array.from({ length: N }, (_, i) => i);
    b.start();
    await Promise.all(names.map((i) => fns.rename(`${dir}/${i}`, `${dir}/r${i}`)));
    b.end();
    Deno.removeSync(dir, { recursive: true });
  });

  Deno.bench({ group: "remove x1000", name, baseline, n: 10, warmup: 2 }, async (b) => {
    const dir = dirWithFiles(0);
    const paths = Array.from({ length: N }, (_, i) => `${dir}/${i}`);
    b.start();
    await Promise.all(paths.map((p) => fns.remove(p)));
    b.end();
    Deno.removeSync(dir, { recursive: true });
  });

  Deno.bench({ group: "makeTempFile x1000", name, baseline, n: 10, warmup: 2 }, async (b) => {
    const dir = freshDir();
    b.start();
    await Promise.all(Array.from({ length: N }, () => fns.makeTempFile({ dir })));
    b.end();
    Deno.removeSync(dir, { recursive: true });
  });

  Deno.bench({ group: "copyFile x1000 4KiB", name, baseline, n: 10, warmup: 2 }, async (b) => {
    const dir = freshDir();
    const names = Array.from({ length: N }, (_, i) => i);
    b.start();
    await Promise.all(names.map((i) => fns.copyFile(`${sources}/${i}`, `${dir}/${i}`)));
    b.end();
    Deno.removeSync(dir, { recursive: true });
  });
}

globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
