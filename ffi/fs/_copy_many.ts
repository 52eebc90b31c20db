/**
 * The engine of `copy()`: many regular files copied with linked chains on a ring of its own.
 *
 * Per file, a `statx` of the source (its mode and size are needed to prepare the rest), then
 * one linked chain `openat_direct(src) -> openat_direct(dest, O_CREAT | O_EXCL, mode) ->
 * read(src, n) -> write(dest, n) -> read(src, 1 byte)` (the last read tells the end of the file
 * from a file that grew since the `statx`), then `close_direct` of both with the next submit. A
 * file larger than a slot's buffer goes on in `read -> write` pairs at explicit offsets. Slots
 * are indices into typed arrays and user data is `slot * 16 + step`, as in `_FileReader`; all
 * paths are encoded into one arena. The kernel runs `O_CREAT` opens and `statx` in its io-wq
 * workers, so many slots are in flight at once and the wait is on a worker thread
 * (`waitAsync`).
 *
 * Every op posts a CQE, also one cancelled by a broken link, so a slot knows when its chain has
 * ended (`#wait`); the memory the kernel uses (the arena, the scratch buffers) is referenced
 * here until `run()` settles, which it does only once nothing is in flight.
 *
 * @internal
 * @module
 */
import { addressOf, alignedBuffer, type Fixed, fixed } from "../sys/mod.ts";
import { Op, OpenFlag, SqeFlag, StatxMask } from "../sys/mod.ts";
import { AT_FDCWD, Ring, STATX_SIZE } from "../ring/mod.ts";
import { encodePaths, immediate } from "../engine/mod.ts";

/** Bytes one `read -> write` pair moves, at most (a slot's buffer). */
const CHUNK = 64 * 1024;
const STAT = 0, OPEN_SRC = 1, OPEN_DEST = 2, READ = 3, WRITE = 4, PROBE = 5, CLOSE = 6;
const STAT_DEST = 7;
const STEPS = 16;
const ECANCELED = 125, EEXIST = 17;
const YIELD_MS = 4;
const STATX_MASK = StatxMask.BASIC_STATS;
const SRC_FLAGS = OpenFlag.RDONLY;
const NEW_FLAGS = OpenFlag.WRONLY | OpenFlag.CREAT | OpenFlag.EXCL;
const TRUNC_FLAGS = OpenFlag.WRONLY | OpenFlag.CREAT | OpenFlag.TRUNC;

/** What a slot's chain in flight is. */
const P_STAT = 1, P_OPEN = 2, P_STAT_DEST = 3, P_PAIR = 4, P_WRITE = 5, P_CLOSE = 6;

/** How a file failed (beside an errno): the kinds of errors `copy()` builds. */
export const FailKind = { ERRNO: 0, EXISTS: 1, SAME_FILE: 2 } as const;

/** The first failure of a `run()`, by the lowest file index. */
export interface CopyFailure {
  index: number;
  kind: number;
  errno: number;
}

/** Per file, what `copy()` does after the data: `chmod` (mode bits, or -1) and the times. */
export interface CopyOutcome {
  /** The source's permission bits where the destination must get them by `chmod`, else -1. */
  chmod: Int32Array;
  /** The source's access and modification times, seconds since the epoch (with the fraction). */
  atime: Float64Array;
  mtime: Float64Array;
}

const TWO32 = 4294967296;

/** Copies regular files on a private ring; one `run()` at a time, then `close()`. */
export class _CopyFiles {
  readonly #slots: number;
  readonly #ring: Ring;
  readonly #data: Uint8Array;
  readonly #dataAddr: number;
  readonly #statx: Uint8Array;
  readonly #statxAddr: number;
  readonly #statxView: DataView;
  readonly #probe: Uint8Array;
  readonly #probeAddr: number;
  readonly #src: Fixed[] = [];
  readonly #dest: Fixed[] = [];

  // per slot
  readonly #job: Int32Array;
  readonly #phase: Uint8Array;
  readonly #wait: Int32Array;
  readonly #res: Int32Array;
  readonly #srcOpen: Uint8Array;
  readonly #destOpen: Uint8Array;
  /** File offset of the buffer's first byte, bytes valid in it, bytes of it written. */
  readonly #at: Float64Array;
  readonly #len: Int32Array;
  readonly #written: Int32Array;
  readonly #size: Float64Array;
  readonly #perm: Int32Array;
  readonly #ino: Float64Array;
  readonly #dev: Float64Array;
  /** The pair in flight ends with a probe read. */
  readonly #probing: Uint8Array;
  readonly #free: Int32Array;
  #freeTop = 0;
  readonly #todo: Int32Array;
  #todoTop = 0;

  // per run
  #arena: Uint8Array = new Uint8Array(0);
  #arenaAddr = 0;
  #offsets = new Float64Array(0);
  #count = 0;
  #next = 0;
  #inflight = 0;
  #overwrite = false;
  #umask = 0;
  #failure: CopyFailure | undefined;
  #outcome: CopyOutcome | undefined;

  /** @param slots files in flight at once */
  constructor(slots: number) {
    this.#slots = slots;
    let entries = 8;
    while (entries < slots * 6 + 4) entries *= 2;
    this.#ring = new Ring({ entries, cqEntries: entries * 2 });
    try {
      this.#ring.registerFiles(slots * 2);
    } catch (e) {
      this.#ring.close();
      throw e;
    }
    this.#data = alignedBuffer(slots * CHUNK);
    this.#dataAddr = addressOf(this.#data);
    this.#statx = alignedBuffer(slots * STATX_SIZE);
    this.#statxAddr = addressOf(this.#statx);
    this.#statxView = new DataView(this.#statx.buffer, this.#statx.byteOffset, slots * STATX_SIZE);
    this.#probe = alignedBuffer(slots);
    this.#probeAddr = addressOf(this.#probe);
    this.#job = new Int32Array(slots);
    this.#phase = new Uint8Array(slots);
    this.#wait = new Int32Array(slots);
    this.#res = new Int32Array(slots * STEPS);
    this.#srcOpen = new Uint8Array(slots);
    this.#destOpen = new Uint8Array(slots);
    this.#at = new Float64Array(slots);
    this.#len = new Int32Array(slots);
    this.#written = new Int32Array(slots);
    this.#size = new Float64Array(slots);
    this.#perm = new Int32Array(slots);
    this.#ino = new Float64Array(slots);
    this.#dev = new Float64Array(slots);
    this.#probing = new Uint8Array(slots);
    this.#free = new Int32Array(slots);
    this.#todo = new Int32Array(slots);
    for (let i = slots - 1; i >= 0; i--) this.#free[this.#freeTop++] = i;
    for (let i = 0; i < slots; i++) {
      this.#src.push(fixed(2 * i));
      this.#dest.push(fixed(2 * i + 1));
    }
  }

  /**
   * Copies `srcs[i]` to `dests[i]` (regular files, checked absolute paths). A destination that
   * exists fails (`FailKind.EXISTS`) unless `overwrite`, when it is truncated (and refused,
   * `SAME_FILE`, when it is the source). New files are created with the source's permission
   * bits; where the umask takes bits off, or an existing file is overwritten, `outcome.chmod`
   * names the bits to set. After a failure no new file starts; `run()` resolves once nothing is
   * in flight, with the failure of the lowest index, if any.
   */
  async run(
    srcs: readonly string[],
    dests: readonly string[],
    overwrite: boolean,
    umask: number,
  ): Promise<{ failure: CopyFailure | undefined; outcome: CopyOutcome }> {
    const n = srcs.length;
    const { bytes, offsets } = encodePaths([...srcs, ...dests]);
    this.#arena = bytes; // read by the kernel: kept until nothing is in flight
    this.#arenaAddr = addressOf(bytes);
    this.#offsets = offsets;
    this.#count = n;
    this.#next = 0;
    this.#overwrite = overwrite;
    this.#umask = umask;
    this.#failure = undefined;
    const outcome: CopyOutcome = {
      chmod: new Int32Array(n).fill(-1),
      atime: new Float64Array(n),
      mtime: new Float64Array(n),
    };
    this.#outcome = outcome;
    const ring = this.#ring;
    let lastYield = performance.now();
    try {
      for (;;) {
        this.#fill();
        if (this.#inflight === 0) break;
        if (ring.sqReady() > 0) ring.submit();
        if (performance.now() - lastYield > YIELD_MS) {
          await new Promise<void>((r) => immediate(r));
          lastYield = performance.now();
        }
        if (this.#reap() === 0) await ring.waitAsync(1);
      }
    } finally {
      this.#arena = new Uint8Array(0);
      this.#outcome = undefined;
      if (this.#inflight !== 0) this.close(); // the ring failed: closing it ends every op
    }
    return { failure: this.#failure, outcome };
  }

  /** Closes the ring and its file table. */
  close(): void {
    this.#ring.close();
  }

  /** Prepares what slots wait to do next, then new files while slots are free. */
  #fill(): void {
    for (let k = 0; k < this.#todoTop; k++) this.#advance(this.#todo[k]);
    this.#todoTop = 0;
    while (this.#freeTop > 0 && this.#next < this.#count && this.#failure === undefined) {
      const slot = this.#free[--this.#freeTop];
      const job = this.#next++;
      this.#job[slot] = job;
      this.#srcOpen[slot] = 0;
      this.#destOpen[slot] = 0;
      this.#phase[slot] = P_STAT;
      const s = this.#sqe(slot, STAT);
      s.prepRw(
        Op.STATX,
        AT_FDCWD,
        this.#path(job),
        STATX_MASK,
        this.#statxAddr + slot * STATX_SIZE,
      );
      this.#wait[slot] = 1;
    }
  }

  #path(i: number): number {
    return this.#arenaAddr + this.#offsets[i];
  }

  #sqe(slot: number, step: number) {
    const s = this.#ring.getSqe()!;
    s.userData = slot * STEPS + step;
    this.#res[slot * STEPS + step] = -ECANCELED;
    this.#inflight++;
    return s;
  }

  /** `openat_direct` of the source, then of the destination, linked to a first pair. */
  #prepOpen(slot: number, destFlags: number): void {
    const job = this.#job[slot];
    if (destFlags === NEW_FLAGS) {
      const o = this.#sqe(slot, OPEN_SRC);
      o.prepRw(Op.OPENAT, AT_FDCWD, this.#path(job), 0, 0);
      o.opFlags = SRC_FLAGS;
      o.fileIndex = 2 * slot + 1;
      o.flags = SqeFlag.IO_LINK;
      this.#wait[slot] = 1;
    } else this.#wait[slot] = 0;
    const d = this.#sqe(slot, OPEN_DEST);
    d.prepRw(Op.OPENAT, AT_FDCWD, this.#path(this.#count + job), this.#perm[slot], 0);
    d.opFlags = destFlags;
    d.fileIndex = 2 * slot + 2;
    d.flags = SqeFlag.IO_LINK;
    this.#wait[slot]++;
    this.#phase[slot] = P_OPEN;
    this.#prepPair(slot, 0, true);
  }

  /**
   * `read -> write` of the next piece at `at` (after the ops already linked before it), and a
   * 1-byte probe read after it when the piece reaches the expected end of the file.
   */
  #prepPair(slot: number, at: number, linked: boolean): void {
    const size = this.#size[slot];
    const len = size - at >= CHUNK ? CHUNK : Math.max(size - at, 0);
    const probe = at + len >= size;
    this.#at[slot] = at;
    this.#len[slot] = len;
    this.#written[slot] = 0;
    this.#probing[slot] = probe ? 1 : 0;
    if (!linked) {
      this.#wait[slot] = 0;
      this.#phase[slot] = P_PAIR;
    }
    const buf = this.#dataAddr + slot * CHUNK;
    if (len > 0) {
      const r = this.#sqe(slot, READ);
      r.prepRw(Op.READ, this.#src[slot], buf, len, at);
      r.flags |= SqeFlag.IO_LINK;
      const w = this.#sqe(slot, WRITE);
      w.prepRw(Op.WRITE, this.#dest[slot], buf, len, at);
      if (probe) w.flags |= SqeFlag.IO_LINK;
      this.#wait[slot] += 2;
    }
    if (probe) {
      const p = this.#sqe(slot, PROBE);
      p.prepRw(Op.READ, this.#src[slot], this.#probeAddr + slot, 1, at + len);
      this.#wait[slot]++;
    }
  }

  /** The rest of the buffer, written alone (after a short write or a short read). */
  #prepWrite(slot: number): void {
    const done = this.#written[slot];
    const w = this.#sqe(slot, WRITE);
    w.prepRw(
      Op.WRITE,
      this.#dest[slot],
      this.#dataAddr + slot * CHUNK + done,
      this.#len[slot] - done,
      this.#at[slot] + done,
    );
    this.#wait[slot] = 1;
    this.#phase[slot] = P_WRITE;
  }

  #prepClose(slot: number): void {
    this.#phase[slot] = P_CLOSE;
    this.#wait[slot] = 0;
    if (this.#srcOpen[slot]) {
      this.#sqe(slot, CLOSE).prepCloseDirect(2 * slot);
      this.#wait[slot]++;
    }
    if (this.#destOpen[slot]) {
      this.#sqe(slot, CLOSE).prepCloseDirect(2 * slot + 1);
      this.#wait[slot]++;
    }
    if (this.#wait[slot] === 0) this.#free[this.#freeTop++] = slot;
  }

  #reap(): number {
    const ring = this.#ring;
    const view = ring.peekCqes();
    const n = view.length;
    for (let i = 0; i < n; i++) {
      const ud = view.userData(i);
      const slot = Math.floor(ud / STEPS);
      this.#res[ud] = view.res(i);
      this.#inflight--;
      if (--this.#wait[slot] === 0) this.#todo[this.#todoTop++] = slot;
    }
    if (n > 0) ring.cqAdvance(n);
    return n;
  }

  #fail(slot: number, kind: number, errno: number): void {
    const index = this.#job[slot];
    const f = this.#failure;
    if (f === undefined || index < f.index) this.#failure = { index, kind, errno };
    this.#prepClose(slot);
  }

  /** A slot's chain has ended (every op posted its CQE): on to what comes next. */
  #advance(slot: number): void {
    const res = this.#res, base = slot * STEPS;
    switch (this.#phase[slot]) {
      case P_STAT: {
        const r = res[base + STAT];
        if (r < 0) return this.#fail(slot, FailKind.ERRNO, -r);
        this.#stated(slot);
        if (this.#failure !== undefined) return this.#prepClose(slot);
        return this.#prepOpen(slot, NEW_FLAGS);
      }
      case P_OPEN: {
        if (this.#srcOpen[slot] === 0) {
          const r = res[base + OPEN_SRC];
          if (r < 0) return this.#fail(slot, FailKind.ERRNO, -r);
          this.#srcOpen[slot] = 1;
        }
        const d = res[base + OPEN_DEST];
        if (d === -EEXIST && this.#overwrite) {
          // Overwriting: is the destination the source itself (a hard link, a symlink to it)?
          this.#phase[slot] = P_STAT_DEST;
          const s = this.#sqe(slot, STAT_DEST);
          s.prepRw(
            Op.STATX,
            AT_FDCWD,
            this.#path(this.#count + this.#job[slot]),
            STATX_MASK,
            this.#statxAddr + slot * STATX_SIZE,
          );
          this.#wait[slot] = 1;
          return;
        }
        if (d === -EEXIST) return this.#fail(slot, FailKind.EXISTS, EEXIST);
        if (d < 0) return this.#fail(slot, FailKind.ERRNO, -d);
        this.#destOpen[slot] = 1;
        return this.#pairDone(slot);
      }
      case P_STAT_DEST: {
        const r = res[base + STAT_DEST];
        const job = this.#job[slot];
        if (r >= 0) {
          const v = this.#statxView, o = slot * STATX_SIZE;
          const ino = v.getUint32(o + 36, true) * TWO32 + v.getUint32(o + 32, true);
          const dev = v.getUint32(o + 136, true) * TWO32 + v.getUint32(o + 140, true);
          if (ino === this.#ino[slot] && dev === this.#dev[slot]) {
            return this.#fail(slot, FailKind.SAME_FILE, 22);
          }
          const mode = v.getUint16(o + 28, true);
          // Rust's fs::copy sets the source's bits on an existing regular file.
          if ((mode & 0o170000) === 0o100000 && (mode & 0o7777) !== this.#perm[slot]) {
            this.#outcome!.chmod[job] = this.#perm[slot];
          }
        } else if ((this.#perm[slot] & this.#umask) !== 0) {
          this.#outcome!.chmod[job] = this.#perm[slot]; // a dangling link: a new file after all
        }
        return this.#prepOpen(slot, TRUNC_FLAGS);
      }
      case P_PAIR:
        return this.#pairDone(slot);
      case P_WRITE: {
        const w = res[base + WRITE];
        if (w < 0) return this.#fail(slot, FailKind.ERRNO, -w);
        if (w === 0) return this.#fail(slot, FailKind.ERRNO, 28); // nothing more fits: ENOSPC
        this.#written[slot] += w;
        if (this.#written[slot] < this.#len[slot]) return this.#prepWrite(slot);
        return this.#onward(slot, this.#at[slot] + this.#len[slot]);
      }
      case P_CLOSE:
        this.#free[this.#freeTop++] = slot;
        return;
    }
  }

  /** The source's `statx`: permission bits, size, identity, times. */
  #stated(slot: number): void {
    const v = this.#statxView, o = slot * STATX_SIZE;
    const mode = v.getUint16(o + 28, true);
    const perm = mode & 0o7777;
    this.#perm[slot] = perm;
    this.#size[slot] = v.getUint32(o + 44, true) * TWO32 + v.getUint32(o + 40, true);
    this.#ino[slot] = v.getUint32(o + 36, true) * TWO32 + v.getUint32(o + 32, true);
    this.#dev[slot] = v.getUint32(o + 136, true) * TWO32 + v.getUint32(o + 140, true);
    const job = this.#job[slot];
    const out = this.#outcome!;
    out.atime[job] = timeAt(v, o + 64);
    out.mtime[job] = timeAt(v, o + 112);
    // open(2) applies the umask (and may drop set-id bits): then chmod, as Rust's fchmod does.
    if ((perm & this.#umask) !== 0 || (perm & 0o7000) !== 0) out.chmod[job] = perm;
  }

  /** A `read -> write [-> probe]` chain ended. */
  #pairDone(slot: number): void {
    const res = this.#res, base = slot * STEPS;
    const len = this.#len[slot], at = this.#at[slot];
    if (len > 0) {
      const r = res[base + READ];
      if (r < 0) return this.#fail(slot, FailKind.ERRNO, -r);
      if (r < len) {
        // The file shrank since its statx: what was read is written alone, then a probe.
        if (r === 0) return this.#prepClose(slot);
        this.#len[slot] = r;
        this.#size[slot] = at + r;
        return this.#prepWrite(slot);
      }
      const w = res[base + WRITE];
      if (w < 0) return this.#fail(slot, FailKind.ERRNO, -w);
      if (w < len) {
        if (w === 0) return this.#fail(slot, FailKind.ERRNO, 28);
        this.#written[slot] = w;
        return this.#prepWrite(slot);
      }
    }
    if (this.#probing[slot]) {
      const p = res[base + PROBE];
      if (p < 0) return this.#fail(slot, FailKind.ERRNO, -p);
      if (p === 0) return this.#done(slot);
      // The file grew: on in pieces until a probe finds its end.
      this.#size[slot] = at + len + CHUNK;
    }
    this.#onward(slot, at + len);
  }

  /** The buffer is written up to `at`: the next piece, or a probe at the expected end. */
  #onward(slot: number, at: number): void {
    if (this.#failure !== undefined) return this.#prepClose(slot);
    this.#prepPair(slot, at, false);
  }

  #done(slot: number): void {
    this.#prepClose(slot);
  }
}

/** A `statx_timestamp` at `off` as seconds since the epoch, with the fraction. */
function timeAt(v: DataView, off: number): number {
  const sec = v.getInt32(off + 4, true) * TWO32 + v.getUint32(off, true);
  return sec + v.getUint32(off + 8, true) / 1e9;
}
