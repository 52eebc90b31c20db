// Shared bench set-up: the cached data file, fds through io_uring, the in-process C baselines
// and the interleaved C/TypeScript rounds.
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

/** The C liburing baselines of `bench/native/liburing_bench.c`, called in-process. */
export interface CBench {
  /**
   * Rate (ops/s) of one round of `batches` x (`batch` NOPs, one submit, reap them all) on a C
   * ring of `batch` entries set up with `setupFlags`.
   */
  nop(batch: number, batches: number, setupFlags: number): number;
  /**
   * Rate (IOPS) of one round of `reads` 4 KiB reads of `fd` at `blocks[k++] * 4096` into `qd`
   * page-aligned buffers, on a C ring of `entries` entries set up with `setupFlags`. `fixed`:
   * registered file and buffers, READ_FIXED. `continuous`: `qd` always in flight (else rounds of
   * `qd`, one submit each, all reaped before the next).
   */
  read(o: {
    fd: number;
    entries: number;
    qd: number;
    blocks: Uint32Array<ArrayBuffer>;
    reads: number;
    fixed: boolean;
    continuous: boolean;
    setupFlags: number;
  }): number;
  /** Tears down the C rings and unloads the library. */
  close(): void;
}

/** Loads `native/build/libliburing_bench.so` (built by `native/build.ts --bench`). */
export function loadCBench(): CBench {
  const path = new URL("../native/build/libliburing_bench.so", import.meta.url).pathname;
  const lib = Deno.dlopen(path, {
    bench_nop: { parameters: ["u32", "u32", "u32"], result: "f64" },
    bench_read: {
      parameters: ["i32", "u32", "u32", "buffer", "u32", "u32", "i32", "i32", "u32"],
      result: "f64",
    },
    bench_close: { parameters: [], result: "void" },
  });
  const rate = (ops: number, seconds: number, what: string) => {
    if (!(seconds > 0)) {
      throw new Error(`C ${what} failed: ${seconds === -1e9 ? "short read" : `errno ${-seconds}`}`);
    }
    return ops / seconds;
  };
  return {
    nop: (batch, batches, setupFlags) =>
      rate(batch * batches, lib.symbols.bench_nop(batch, batches, setupFlags), "bench_nop"),
    read: (o) => {
      const qd = o.qd, reads = o.continuous ? o.reads : Math.ceil(o.reads / qd) * qd;
      const t = lib.symbols.bench_read(
        o.fd,
        o.entries,
        qd,
        o.blocks,
        o.blocks.length,
        reads,
        o.fixed ? 1 : 0,
        o.continuous ? 1 : 0,
        o.setupFlags,
      );
      return rate(reads, t, "bench_read");
    },
    close: () => {
      lib.symbols.bench_close();
      lib.close();
    },
  };
}

/** Rate (ops/s) of one run of `fn`, which performs `ops` operations. */
export function rateOf(ops: number, fn: () => void): number {
  const t0 = performance.now();
  fn();
  return ops / ((performance.now() - t0) / 1000);
}

/** Rate (ops/s) of one run of the async `fn`, which performs `ops` operations. */
export async function rateOfAsync(ops: number, fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return ops / ((performance.now() - t0) / 1000);
}

/**
 * The rates of {@link interleaved} rounds, per side, and the ratio of two sides as the median over
 * the rounds of their quotient in the same round. Rounds run back to back see the same machine, so
 * each round's quotient is little affected by load elsewhere, and the median drops the rounds
 * where a burst hit one side only: on the shared 2-core machine it moves by 1-3% between runs,
 * where the quotient of the two best rounds moves by 5-10%.
 */
export class Rounds<K extends string> {
  constructor(readonly rates: Readonly<Record<K, readonly number[]>>) {}

  /** How many rounds each side ran. */
  get count(): number {
    return (Object.values(this.rates) as number[][])[0].length;
  }

  /** The best round of `side` (ops/s). */
  best(side: K): number {
    return Math.max(...this.rates[side]);
  }

  /** The median round of `side` (ops/s). */
  median(side: K): number {
    return median(this.rates[side]);
  }

  /** `a` / `b`: the median over the rounds of the rate of `a` over that of `b`. */
  ratio(a: K, b: K): number {
    const rb = this.rates[b];
    return median(this.rates[a].map((x, i) => x / rb[i]));
  }
}

function median(xs: readonly number[]): number {
  const q = [...xs].sort((x, y) => x - y);
  const m = q.length >> 1;
  return q.length & 1 ? q[m] : (q[m - 1] + q[m]) / 2;
}

/**
 * Runs `rounds` rounds of every side, one after the other within a round, the side that goes
 * first rotating from round to round: a burst of load elsewhere on the machine then costs every
 * side a round or two, not one side a whole run. Each side's function runs one short round
 * (10-30 ms) and returns its rate.
 */
export function interleaved<K extends string>(
  rounds: number,
  sides: Record<K, () => number>,
): Rounds<K> {
  const keys = Object.keys(sides) as K[];
  const rates = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(r + i) % keys.length];
      rates[k].push(sides[k]());
    }
  }
  return new Rounds(rates);
}

/** {@link interleaved} with async sides (TypeScript rounds), awaited between the others. */
export async function interleavedAsync<K extends string>(
  rounds: number,
  sides: Record<K, () => number | Promise<number>>,
): Promise<Rounds<K>> {
  const keys = Object.keys(sides) as K[];
  const rates = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(r + i) % keys.length];
      rates[k].push(await sides[k]());
    }
  }
  return new Rounds(rates);
}

const fmt = (n: number) => n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} K`;

/**
 * Prints the comparison line of two sides of an {@link interleaved} run: the median round of each
 * and their paired ratio ({@link Rounds.ratio}). The medians, not the best rounds: the quotient of
 * the two best rounds is what moves between runs, and printing them beside the paired ratio
 * would show figures that disagree with it.
 */
export function reportRounds<K extends string>(
  what: string,
  r: Rounds<K>,
  ours: K,
  theirs: K,
  unit: string,
  vs: string,
) {
  console.log(
    `${what}: ${fmt(r.median(ours))}${unit} vs ${vs} ${fmt(r.median(theirs))}${unit} = ` +
      `${r.ratio(ours, theirs).toFixed(2)}x (medians of ${r.count} interleaved rounds)`,
  );
}

/**
 * `n` random block indices below `blocks` (xorshift, without BigInt): the read offsets, as
 * `block * 4096`, of the TypeScript and the C side alike.
 */
export function makeRandomBlocks(
  n: number,
  blocks: number,
  seed = 12345,
): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) % blocks;
  }
  return out;
}
