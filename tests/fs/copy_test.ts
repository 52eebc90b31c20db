// copy(): the same trees copied by @std/fs's copy() and by the module's, compared entry by entry
// (contents, modes, link targets, times), and the errors of both for the same bad inputs.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { copy as stdCopy } from "@std/fs";
import { copy } from "../../ffi/mod.ts";
import { fdCount, patternBytes } from "../_helpers.ts";

interface Entry {
  kind: "file" | "dir" | "link";
  mode: number;
  bytes?: string;
  target?: string;
  mtime?: number;
}

/** Every entry under `root` by relative path: kind, mode, contents or link target, mtime. */
async function snapshot(root: string, times = false): Promise<Record<string, Entry>> {
  const out: Record<string, Entry> = {};
  const visit = async (dir: string, rel: string) => {
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    for (const name of names.sort()) {
      const p = `${dir}/${name}`, r = `${rel}${name}`;
      const st = await Deno.lstat(p);
      const mtime = times ? st.mtime!.getTime() : undefined;
      if (st.isSymlink) out[r] = { kind: "link", mode: 0, target: await Deno.readLink(p) };
      else if (st.isDirectory) {
        out[r] = { kind: "dir", mode: st.mode! & 0o7777, mtime };
        await visit(p, `${r}/`);
      } else {
        const bytes = await Deno.readFile(p);
        const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
        out[r] = { kind: "file", mode: st.mode! & 0o7777, bytes: hash.join(","), mtime };
      }
    }
  };
  await visit(root, "");
  return out;
}

/** A source tree with what copy() meets: sizes around the chunk, modes, links, nesting. */
async function makeTree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/a/b/c`, { recursive: true });
  await Deno.mkdir(`${root}/empty`);
  const sizes = [0, 1, 4095, 4096, 65535, 65536, 65537, 200_000, 1 << 20];
  for (const [i, n] of sizes.entries()) {
    await Deno.writeFile(`${root}/f${n}`, patternBytes(n, i + 1));
    await Deno.writeFile(`${root}/a/b/c/g${n}`, patternBytes(n, i + 7));
  }
  for (let i = 0; i < 300; i++) await Deno.writeTextFile(`${root}/a/many${i}`, `file ${i}\n`);
  await Deno.writeTextFile(`${root}/exec.sh`, "#!/bin/sh\n");
  await Deno.chmod(`${root}/exec.sh`, 0o755);
  await Deno.writeTextFile(`${root}/private`, "secret");
  await Deno.chmod(`${root}/private`, 0o600);
  await Deno.writeTextFile(`${root}/open`, "all may write"); // bits the umask takes off
  await Deno.chmod(`${root}/open`, 0o666);
  await Deno.writeTextFile(`${root}/a/ünïcødé name`, "u");
  await Deno.symlink("f4096", `${root}/rel-link`);
  await Deno.symlink("/nonexistent/target", `${root}/dangling`);
  await Deno.symlink("a/b", `${root}/dir-link`);
  const set = new Date("2001-02-03T04:05:06.789Z");
  await Deno.utime(`${root}/f4096`, set, set);
  await Deno.utime(`${root}/a/b/c`, set, set);
}

async function withTrees(fn: (dir: string, src: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await warmUp(dir);
    await makeTree(`${dir}/src`);
    await fn(dir, `${dir}/src`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** One copy first: the module's own ring (and its fds) is made by its first use. */
async function warmUp(dir: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/warm`, "w");
  await copy(`${dir}/warm`, `${dir}/warm2`);
  await Deno.remove(`${dir}/warm`);
  await Deno.remove(`${dir}/warm2`);
}

/**
 * Runs @std/fs's copy() with unhandled rejections ignored: its `copyDir` starts an entry's copy
 * before it attaches `Promise.all` to it, so an early failure rejects unhandled as well.
 */
async function stdQuiet(...args: Parameters<typeof stdCopy>): Promise<void> {
  const ignore = (e: PromiseRejectionEvent) => e.preventDefault();
  globalThis.addEventListener("unhandledrejection", ignore);
  try {
    await stdCopy(...args);
  } finally {
    await new Promise((r) => setTimeout(r, 50)); // what it left running
    globalThis.removeEventListener("unhandledrejection", ignore);
  }
}

/** What an error looks like to a caller: class, message, code. */
async function errorOf(p: Promise<unknown>): Promise<[string, string, string | undefined]> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { code?: string };
    return [err.constructor.name, err.message, err.code];
  }
  throw new Error("did not reject");
}

Deno.test("copy() of a tree gives what @std/fs copy() gives: contents, modes, links", async () => {
  await withTrees(async (dir, src) => {
    const before = fdCount();
    await copy(src, `${dir}/ours`);
    assertEquals(fdCount(), before);
    await stdCopy(src, `${dir}/std`);
    const ours = await snapshot(`${dir}/ours`);
    assertEquals(ours, await snapshot(`${dir}/std`));
    assertEquals(ours, await snapshot(src), "and both equal the source");
    assertEquals(ours["open"].mode, 0o666, "the source's bits, the umask notwithstanding");
  });
});

Deno.test("copy() of a single file, a link and a relative path matches @std/fs", async () => {
  await withTrees(async (dir, src) => {
    await copy(`${src}/exec.sh`, `${dir}/one`);
    await stdCopy(`${src}/exec.sh`, `${dir}/one-std`);
    assertEquals((await Deno.stat(`${dir}/one`)).mode, (await Deno.stat(`${dir}/one-std`)).mode);
    assertEquals(await Deno.readFile(`${dir}/one`), await Deno.readFile(`${src}/exec.sh`));
    await copy(`${src}/dangling`, `${dir}/link`);
    assertEquals(await Deno.readLink(`${dir}/link`), "/nonexistent/target");
    const cwd = Deno.cwd();
    Deno.chdir(dir);
    try {
      await copy("src/a/b", "./rel/../rel2");
    } finally {
      Deno.chdir(cwd);
    }
    assertEquals(await snapshot(`${dir}/rel2`), await snapshot(`${src}/a/b`));
    await copy(new URL(`file://${src}/f1`), new URL(`file://${dir}/url`));
    assertEquals(await Deno.readFile(`${dir}/url`), await Deno.readFile(`${src}/f1`));
  });
});

Deno.test("copy() with preserveTimestamps gives files and directories their source's times", async () => {
  await withTrees(async (dir, src) => {
    const srcTimes = await snapshot(src, true);
    const srcTop = (await Deno.stat(src)).mtime;
    await copy(src, `${dir}/ours`, { preserveTimestamps: true });
    const ours = await snapshot(`${dir}/ours`, true);
    for (const [path, e] of Object.entries(ours)) {
      if (e.kind === "link") continue; // links keep the time they are made at
      assertEquals(e.mtime, srcTimes[path].mtime, path);
    }
    assertEquals(ours["f4096"].mtime, Date.parse("2001-02-03T04:05:06.789Z"));
    // @std/fs gives files the same times (directories: before their contents are written).
    // @std/fs utimes through links: a dangling one, or one to a file not copied yet, fails.
    for (const link of ["dangling", "rel-link", "dir-link"]) await Deno.remove(`${src}/${link}`);
    await stdCopy(src, `${dir}/std`, { preserveTimestamps: true });
    const std = await snapshot(`${dir}/std`, true);
    for (const [path, e] of Object.entries(std)) {
      if (e.kind === "file") assertEquals(ours[path].mtime, e.mtime, path);
    }
    assertEquals((await Deno.stat(`${dir}/ours`)).mtime, srcTop);
    // A single file, to the nanosecond Deno.utime takes.
    await copy(`${src}/f4096`, `${dir}/single`, { preserveTimestamps: true });
    assertEquals((await Deno.stat(`${dir}/single`)).mtime, (await Deno.stat(`${src}/f4096`)).mtime);
  });
});

Deno.test("copy() with overwrite merges into an existing tree as @std/fs does", async () => {
  await withTrees(async (dir, src) => {
    for (const side of ["ours", "std"]) {
      await Deno.mkdir(`${dir}/${side}/a/b/c`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/${side}/f4096`,
        "old contents, longer than before ".repeat(200),
      );
      await Deno.chmod(`${dir}/${side}/f4096`, 0o640);
      await Deno.writeTextFile(`${dir}/${side}/extra`, "stays");
    }
    await copy(src, `${dir}/ours`, { overwrite: true });
    await stdCopy(src, `${dir}/std`, { overwrite: true });
    assertEquals(await snapshot(`${dir}/ours`), await snapshot(`${dir}/std`));
    assertEquals(await Deno.readTextFile(`${dir}/ours/extra`), "stays");
    assertEquals((await Deno.stat(`${dir}/ours/f4096`)).mode! & 0o777, 0o644);
  });
});

Deno.test("copy() rejects what @std/fs copy() rejects, with the same error", async () => {
  await withTrees(async (dir, src) => {
    await Deno.writeTextFile(`${dir}/file`, "x");
    await Deno.mkdir(`${dir}/existing`);
    const cases: [string, string, { overwrite?: boolean }?][] = [
      [src, src],
      [`${dir}/missing`, `${dir}/x`],
      [src, `${src}/a/inside`],
      [src, `${dir}/file`],
      [src, `${dir}/existing`],
      [`${src}/f1`, `${dir}/file`],
      [`${src}/f1`, `${dir}/no/such/dir/f1`],
      [`${src}/f1`, `${dir}/existing`, { overwrite: true }],
      [`${src}/rel-link`, `${dir}/file`],
      [`${src}/rel-link`, `${dir}/file`, { overwrite: true }],
      [src, `${dir}/file`, { overwrite: true }],
      [`${src}/f1`, `${src}/f1/x`],
    ];
    for (const [from, to, options] of cases) {
      const before = fdCount();
      const ours = await errorOf(copy(from, to, options));
      assertEquals(fdCount(), before);
      assertEquals(ours, await errorOf(stdQuiet(from, to, options)), `${from} -> ${to}`);
    }
  });
});

Deno.test("copy() of a tree into a destination with a file in the way fails as @std/fs", async () => {
  await withTrees(async (dir, src) => {
    for (const side of ["ours", "std"]) {
      await Deno.mkdir(`${dir}/${side}/a`, { recursive: true });
      await Deno.writeTextFile(`${dir}/${side}/a/b`, "a file where a directory goes");
    }
    const ours = await errorOf(copy(src, `${dir}/ours`, { overwrite: true }));
    const theirs = await errorOf(stdQuiet(src, `${dir}/std`, { overwrite: true }));
    assertEquals(ours, [
      "Error",
      `Cannot overwrite non-directory '${dir}/ours/a/b' with directory '${src}/a/b'`,
      undefined,
    ]);
    assertEquals(ours[1].replace("/ours/", "/std/"), theirs[1]);
    // Existing files without overwrite: AlreadyExists naming the file, as @std/fs.
    await Deno.mkdir(`${dir}/partial`);
    await Deno.writeTextFile(`${dir}/partial/f1`, "in the way");
    await Deno.remove(`${dir}/ours`, { recursive: true });
    await copy(`${dir}/partial`, `${dir}/ours`);
    assertEquals(
      await errorOf(copy(src, `${dir}/ours`, { overwrite: false })),
      ["AlreadyExists", `'${dir}/ours' already exists.`, undefined],
    );
  });
});

Deno.test("copy() refuses to overwrite a file with itself through a hard link", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/src`);
    await Deno.writeTextFile(`${dir}/src/a`, "keep me");
    await Deno.mkdir(`${dir}/dest`);
    await Deno.link(`${dir}/src/a`, `${dir}/dest/a`);
    const err = await errorOf(copy(`${dir}/src`, `${dir}/dest`, { overwrite: true }));
    assertEquals(err, [
      "TypeError",
      `Source and destination paths refer to the same file: copy '${dir}/src/a' -> '${dir}/dest/a'`,
      "EINVAL",
    ]);
    assertEquals(await Deno.readTextFile(`${dir}/src/a`), "keep me");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copy() of a file whose size statx gets wrong copies every byte", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // /proc files report size 0; /proc/self/status is read through the probe read.
    await copy("/proc/self/mountinfo", `${dir}/mountinfo`);
    const got = await Deno.readTextFile(`${dir}/mountinfo`);
    assert(got.length > 0 && got.endsWith("\n"));
    assertEquals(
      got.split("\n")[0],
      (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")[0],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copy() skips FIFOs inside a tree, as @std/fs does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/src`);
    await Deno.writeTextFile(`${dir}/src/a`, "a");
    const mk = new Deno.Command("mkfifo", { args: [`${dir}/src/fifo`] });
    assert((await mk.output()).success);
    await copy(`${dir}/src`, `${dir}/ours`);
    await stdCopy(`${dir}/src`, `${dir}/std`);
    assertEquals(await snapshot(`${dir}/ours`), await snapshot(`${dir}/std`));
    assertEquals(Object.keys(await snapshot(`${dir}/ours`)), ["a"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copy() checks --allow-read on the source and --allow-write on the destination", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a`, "a");
    const program = `
      import { copy } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
      const out = [];
      for (const [s, d] of [[${JSON.stringify(`${dir}/a`)}, "/tmp/not-allowed-copy"],
                            ["/etc/hostname", ${JSON.stringify(`${dir}/b`)}]]) {
        try { await copy(s, d); out.push("ok"); } catch (e) { out.push(e.constructor.name + ": " + e.message); }
      }
      console.log(JSON.stringify(out));`;
    const file = `${dir}/prog.ts`;
    await Deno.writeTextFile(file, program);
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-check",
        "--allow-ffi",
        "--allow-env",
        `--allow-read=${dir},${new URL("../../", import.meta.url).pathname}`,
        `--allow-write=${dir}`,
        file,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const out = JSON.parse(new TextDecoder().decode(stdout));
    assertEquals(out, [
      'NotCapable: Requires read access to "/tmp/not-allowed-copy", run again with the --allow-read flag',
      'NotCapable: Requires read access to "/etc/hostname", run again with the --allow-read flag',
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copy() of many small files in many directories equals the source", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await warmUp(dir);
    for (let d = 0; d < 20; d++) {
      await Deno.mkdir(`${dir}/src/d${d}`, { recursive: true });
      for (let f = 0; f < 50; f++) {
        await Deno.writeFile(`${dir}/src/d${d}/f${f}`, patternBytes(4096, d * 100 + f));
      }
    }
    const before = fdCount();
    await copy(`${dir}/src`, `${dir}/dest`);
    assertEquals(fdCount(), before);
    assertEquals(await snapshot(`${dir}/dest`), await snapshot(`${dir}/src`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copy() rejects a source that is missing with Deno.lstat's error", async () => {
  await assertRejects(
    () => copy("/nonexistent-copy-src", "/tmp/x"),
    Deno.errors.NotFound,
    "No such file or directory (os error 2): lstat '/nonexistent-copy-src'",
  );
});
