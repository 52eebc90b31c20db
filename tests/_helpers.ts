// Shared test helpers: real fds made through io_uring itself (Deno exposes no raw fds).
import { type Cqe, CqeBatch, OpenFlag, Ring, type Sqe } from "../ffi/mod.ts";

let nextUserData = 1_000_000;

/**
 * Runs one SQE on `ring` to completion (blocking) and returns its CQE. CQEs of other ops that
 * arrive first (late multishot or notification CQEs of an earlier test) are skipped.
 */
export function runOne(ring: Ring, prep: (sqe: Sqe) => void, userData?: number): Cqe {
  const sqe = ring.getSqe();
  if (sqe === null) throw new Error("SQ full");
  prep(sqe);
  const ud = userData ?? nextUserData++;
  sqe.userData = ud;
  ring.submit();
  for (;;) {
    const cqe = ring.waitCqe(5000);
    if (cqe === null) throw new Error("no CQE within 5 s");
    if (cqe.userData === ud) return cqe;
  }
}

let shared: Ring | undefined;
function helperRing(): Ring {
  if (shared === undefined || shared.closed) shared = new Ring({ entries: 8 });
  return shared;
}

/** Opens `path` with openat(2) through io_uring and returns a real fd. */
export function openFd(path: string, flags: number = OpenFlag.RDONLY, mode = 0o644): number {
  const cqe = runOne(helperRing(), (s) => s.prepOpenat(-100, path, flags | OpenFlag.CLOEXEC, mode));
  if (cqe.res < 0) throw new Error(`openat ${path}: ${cqe.res}`);
  return cqe.res;
}

/** Closes a real fd through io_uring. */
export function closeFd(fd: number): void {
  const cqe = runOne(helperRing(), (s) => s.prepClose(fd));
  if (cqe.res < 0) throw new Error(`close ${fd}: ${cqe.res}`);
}

/** A pipe as [readFd, writeFd], made with IORING_OP_PIPE. */
export function makePipe(): [number, number] {
  const fds = new Int32Array(2);
  const cqe = runOne(helperRing(), (s) => s.prepPipe(fds, OpenFlag.CLOEXEC));
  if (cqe.res < 0) throw new Error(`pipe: ${cqe.res}`);
  return [fds[0], fds[1]];
}

/** A temp file holding `content`, removed by the returned disposer. */
export function tempFile(content: Uint8Array | string = ""): { path: string } & Disposable {
  const path = Deno.makeTempFileSync({ prefix: "uring_test_" });
  if (typeof content === "string") Deno.writeTextFileSync(path, content);
  else Deno.writeFileSync(path, content);
  return {
    path,
    [Symbol.dispose]() {
      try {
        Deno.removeSync(path);
      } catch { /* already gone */ }
    },
  };
}

/** Number of open fds of this process. */
export function fdCount(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

/** Deterministic pseudo-random bytes. */
export function patternBytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Gets an SQE, lets `prep` fill it, ORs in `flags` and sets `userData`; submits nothing. */
export function pushSqe(ring: Ring, userData: number, prep: (s: Sqe) => void, flags = 0): void {
  const sqe = ring.getSqe();
  if (sqe === null) throw new Error("SQ full");
  prep(sqe);
  sqe.flags |= flags;
  sqe.userData = userData;
}

/** Reaps CQEs (blocking) until at least `n` came, as [userData, res] in posting order. */
export function reapPairs(ring: Ring, n: number): [number, number][] {
  const batch = new CqeBatch(64);
  const out: [number, number][] = [];
  while (out.length < n) {
    ring.copyCqes(batch, 1);
    for (const c of batch) out.push([c.userData, c.res]);
  }
  return out;
}

/** Runs `source` as a `deno run` child; returns its exit status and how long it took. */
export async function runChild(source: string): Promise<{ code: number; ms: number; out: string }> {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, source);
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", file],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const out = await child.output();
  clearTimeout(killer);
  await Deno.remove(file);
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, ms: performance.now() - t0, out: text };
}

/** The repository's root. */
export const REPO_ROOT: URL = new URL("../", import.meta.url);

/** Every file under `sub/` of the repository, as paths relative to the root (recursive). */
export function repoFiles(sub: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(new URL(`${rel}/`, REPO_ROOT))) {
      if (e.isDirectory) walk(`${rel}/${e.name}`);
      else if (e.isFile) out.push(`${rel}/${e.name}`);
    }
  };
  walk(sub);
  return out;
}

/** Copies `mod.ts`, `ffi/` and `native/dist/` into `dir`, as a clone of the repository has them. */
export function copyClone(dir: string): void {
  for (const f of ["mod.ts", ...repoFiles("ffi"), ...repoFiles("native/dist")]) {
    Deno.mkdirSync(`${dir}/${f.slice(0, f.lastIndexOf("/") + 1)}`, { recursive: true });
    Deno.copyFileSync(new URL(f, REPO_ROOT), `${dir}/${f}`);
  }
}
