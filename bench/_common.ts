// Shared bench set-up: the cached data file, fds through io_uring, and the C baselines.
import { OpenFlag, type Ring } from "../mod.ts";

/** Size of the random-read file. */
export const FILE_SIZE = 256 * 1024 * 1024;
/** The random-read file, made once and then served from the page cache. */
export const DATA_FILE = `${Deno.env.get("TMPDIR") ?? "/tmp"}/deno_uring_bench_256M`;

/** Makes the 256 MiB data file when missing and reads it once so it is cached. */
export function ensureDataFile(): string {
  let size = -1;
  try {
    size = Deno.statSync(DATA_FILE).size;
  } catch { /* create */ }
  if (size !== FILE_SIZE) {
    using f = Deno.openSync(DATA_FILE, { write: true, create: true, truncate: true });
    const chunk = new Uint8Array(1 << 20);
    for (let i = 0; i < FILE_SIZE / chunk.length; i++) {
      crypto.getRandomValues(chunk.subarray(0, 65536));
      chunk.copyWithin(65536, 0, 65536 * 15);
      f.writeSync(chunk);
    }
  }
  using f = Deno.openSync(DATA_FILE);
  const buf = new Uint8Array(1 << 20);
  while (f.readSync(buf)) { /* warm the page cache */ }
  return DATA_FILE;
}

/** A real fd for `path`, opened with IORING_OP_OPENAT. */
export function openFd(ring: Ring, path: string, flags: number = OpenFlag.RDONLY): number {
  const sqe = ring.getSqe()!;
  sqe.prepOpenat(-100, path, flags | OpenFlag.CLOEXEC, 0);
  ring.submitAndWait(1);
  const cqe = ring.waitCqe()!;
  if (cqe.res < 0) throw new Error(`openat failed: ${cqe.res}`);
  return cqe.res;
}

/** Runs a C baseline from native/build and returns the number it printed after `key`. */
export function runNative(name: string, args: string[], key: string): number {
  const bin = new URL(`../native/build/${name}`, import.meta.url).pathname;
  const out = new Deno.Command(bin, { args, stdout: "piped", stderr: "inherit" }).outputSync();
  const text = new TextDecoder().decode(out.stdout);
  const m = text.match(new RegExp(`${key} (\\d+)`));
  if (!out.success || !m) throw new Error(`${name} failed: ${text}`);
  return Number(m[1]);
}

/** Best rate (ops/s) of `rounds` timed runs of `fn`, which performs `ops` operations. */
export function bestRate(ops: number, rounds: number, fn: () => void): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn();
    const rate = ops / ((performance.now() - t0) / 1000);
    if (rate > best) best = rate;
  }
  return best;
}

/** Prints one comparison line of a bench run. */
export function report(what: string, ours: number, theirs: number, unit: string, vs: string) {
  const fmt = (n: number) => n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} K`;
  console.log(
    `${what}: ${fmt(ours)}${unit} vs ${vs} ${fmt(theirs)}${unit} = ${(ours / theirs).toFixed(2)}x`,
  );
}

/** xorshift64-style random block index generator without BigInt. */
export function makeRandomOffsets(n: number, blocks: number, seed = 12345): Float64Array {
  const out = new Float64Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) % blocks) * 4096;
  }
  return out;
}
