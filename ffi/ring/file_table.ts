/**
 * `FileTable`: a ring's registered (fixed) files, used by index with `fixed(i)`, and the home of
 * direct descriptors (files that ops such as `prepOpenatDirect`, `prepAcceptDirect` and
 * `prepSocketDirect` open straight into a slot, with no fd in the process' fd table).
 *
 * @module
 */
import { RegisterOp } from "../sys/mod.ts";
import { UringError } from "../sys/mod.ts";
import { addressOf } from "../sys/mod.ts";
import { limitAdvice } from "../sys/mod.ts";
import { rsrcRegister, setU64 } from "./register.ts";
import type { RingHandle } from "./_handle.ts";

/** `IORING_MAX_FIXED_FILES`. */
const MAX_FILES = 1 << 20;
const token = Symbol("FileTable");

function checkFd(fd: number, what: string): void {
  if (!Number.isInteger(fd) || fd < -2 || fd > 0x7fffffff) {
    throw new RangeError(
      `${what} must be an fd, -1 (empty) or REGISTER_FILES_SKIP (-2), got ${fd}`,
    );
  }
}

/**
 * The registered file table of one ring (`IORING_REGISTER_FILES2`, Linux 5.13; sparse tables
 * 5.19). A ring has at most one; `close()` unregisters it, closing every direct descriptor still
 * in it.
 *
 * Registering takes the kernel's own reference to each file: the original fd can be closed
 * afterwards and the slot keeps working. Slots are used with `fixed(i)` wherever an fd goes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fixed, OpenFlag, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 8 });
 * using files = ring.registerFiles(4); // four empty slots
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "direct");
 * ring.getSqe()!.prepOpenatDirect(-100, path, OpenFlag.RDONLY, 0, 2); // no fd is made
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, 0);
 * const buf = new Uint8Array(6);
 * ring.getSqe()!.prepRead(fixed(2), buf, 0);
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, 6);
 * files.remove(2); // closes the file
 * Deno.removeSync(path);
 * ```
 */
export class FileTable implements Disposable {
  /** Number of slots. */
  readonly count: number;
  #ring: RingHandle;
  #closed = false;

  /** @internal Made by `Ring.registerFiles()` only. */
  constructor(key: symbol, ring: RingHandle, count: number) {
    if (key !== token) throw new TypeError("FileTables are made by ring.registerFiles()");
    this.#ring = ring;
    this.count = count;
    ring._onClose(() => {
      if (this.#closed) return;
      this.#closed = true;
      ring.register(RegisterOp.UNREGISTER_FILES, null, 0);
    });
  }

  /** True once `close()` ran (or the ring closed). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Puts `fd` into slot `index`, replacing (and closing) what was there. The table takes its own
   * reference: `fd` can be closed afterwards. Like `io_uring_register_files_update(3)`.
   *
   * @throws {RangeError} for an index out of range
   * @throws {UringError} when the kernel refuses (EBADF: not an open fd)
   */
  set(index: number, fd: number): void {
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
      throw new RangeError(`fd must be an integer in 0..2**31-1, got ${fd}`);
    }
    this.update(index, [fd]);
  }

  /** Empties slot `index`, closing its file (the kernel's reference to it). */
  remove(index: number): void {
    this.update(index, [-1]);
  }

  /**
   * Sets slots `offset`, `offset + 1`, ... to `fds` in one call (`IORING_REGISTER_FILES_UPDATE`,
   * Linux 5.5): an fd puts it in, -1 empties the slot, `REGISTER_FILES_SKIP` (-2) leaves it.
   *
   * @returns the number of slots updated (fewer than `fds.length` when a later fd was bad)
   * @throws {RangeError} when the slots do not fit the table, or for a bad value
   * @throws {UringError} when the first slot could not be updated
   */
  update(offset: number, fds: readonly number[]): number {
    this.#check();
    if (!Array.isArray(fds) || fds.length === 0) {
      throw new TypeError("fds must be a non-empty array of numbers");
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + fds.length > this.count) {
      throw new RangeError(
        `slots ${offset}..${offset + fds.length - 1} are out of range 0..${this.count - 1}`,
      );
    }
    const arr = new Int32Array(fds.length);
    for (let i = 0; i < fds.length; i++) {
      checkFd(fds[i], `fds[${i}]`);
      arr[i] = fds[i];
    }
    // struct io_uring_rsrc_update { u32 offset; u32 resv; u64 data; } (16 bytes)
    const upd = new Uint8Array(16);
    const v = new DataView(upd.buffer);
    v.setUint32(0, offset, true);
    setU64(v, 8, addressOf(arr));
    return this.#ring.register(RegisterOp.FILES_UPDATE, upd, fds.length);
  }

  /**
   * Limits the slots the kernel picks for `FILE_INDEX_ALLOC` (`*_direct_alloc` ops and
   * multishot accept direct) to `offset .. offset + length - 1`
   * (`IORING_REGISTER_FILE_ALLOC_RANGE`, Linux 6.0). When they are all taken such ops end with
   * `-ENFILE`.
   *
   * @throws {RangeError} when the range does not fit the table
   */
  allocRange(offset: number, length: number): void {
    this.#check();
    if (
      !Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 ||
      offset + length > this.count
    ) {
      throw new RangeError(
        `range ${offset}+${length} does not fit the table's ${this.count} slots`,
      );
    }
    // struct io_uring_file_index_range { u32 off; u32 len; u64 resv; }
    const arg = new Uint32Array([offset, length, 0, 0]);
    this.#ring.register(RegisterOp.FILE_ALLOC_RANGE, new Uint8Array(arg.buffer), 0);
  }

  /**
   * Unregisters the table (`IORING_UNREGISTER_FILES`): every file still in it is closed once
   * the ops using it end. Idempotent; also run by the ring's `close()`.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ring.closed) return;
    try {
      this.#ring.register(RegisterOp.UNREGISTER_FILES, null, 0);
    } catch { /* the ring drops the table when it closes in any case */ }
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #check(): void {
    if (this.#closed) throw new Error("FileTable is closed");
  }
}

/** @internal `Ring.registerFiles(fds | count)`. */
export function registerFiles(ring: RingHandle, files: readonly number[] | number): FileTable {
  let count: number;
  let arg: Uint8Array;
  if (typeof files === "number") {
    count = files;
    if (!Number.isInteger(count) || count < 1 || count > MAX_FILES) {
      throw new RangeError(`count must be an integer in 1..${MAX_FILES}, got ${count}`);
    }
    arg = rsrcRegister(count, 1, /* IORING_RSRC_REGISTER_SPARSE */ 0);
  } else if (Array.isArray(files)) {
    count = files.length;
    if (count < 1 || count > MAX_FILES) {
      throw new RangeError(`fds must hold 1..${MAX_FILES} fds, got ${count}`);
    }
    const fds = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      if (!Number.isInteger(files[i]) || files[i] < -1 || files[i] > 0x7fffffff) {
        throw new RangeError(`fds[${i}] must be an fd or -1 (empty), got ${files[i]}`);
      }
      fds[i] = files[i];
    }
    arg = rsrcRegister(count, 0, addressOf(fds));
  } else {
    throw new TypeError("registerFiles() takes an array of fds or a number of empty slots");
  }
  try {
    ring.register(RegisterOp.FILES2, arg, 32);
  } catch (e) {
    throw explain(e);
  }
  return new FileTable(token, ring, count);
}

function explain(e: unknown): unknown {
  if (!(e instanceof UringError)) return e;
  const call = "io_uring_register(FILES2)";
  if (e.errno === 16) {
    return new UringError(16, call, "this ring already has a file table: close it first");
  }
  if (e.errno === 24) {
    return new UringError(
      24,
      call,
      `a file table may not have more slots than RLIMIT_NOFILE: ${limitAdvice("RLIMIT_NOFILE")}`,
    );
  }
  return e;
}
