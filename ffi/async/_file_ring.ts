/**
 * The ops the whole-file functions (`files.ts`) use. They take this interface, not `AsyncRing`,
 * so `AsyncRing`'s own `readFile()` and friends can call them without an import circle, and a
 * higher layer can run them on any ring that has these ops.
 *
 * @module
 */
import type { AsyncOpOptions } from "../engine/mod.ts";
import type { FdLike, UringError } from "../sys/mod.ts";
import type { StatxResult } from "../ring/mod.ts";
import type { AsyncLinkBuilder } from "./link_builder.ts";
import type { AsyncOpenOptions, DirectOptions, LinkOptions } from "./options.ts";

/**
 * The part of an `AsyncRing` that the whole-file functions use; `AsyncRing` satisfies it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type FileRing } from "../mod.ts";
 * import { ringReadFile as readFile } from "./files.ts";
 * await using io = new AsyncRing();
 * const ring: FileRing = io;
 * assertEquals(await readFile(ring, "/etc/hostname"), await Deno.readFile("/etc/hostname"));
 * ```
 */
export interface FileRing {
  /** True once the ring is closed. */
  readonly closed: boolean;
  /** The ring under it, for its close hook. */
  readonly ring: { _onClose(fn: () => void): void };
  /** open(2) with `Deno.OpenOptions`. */
  open(path: string | URL, options?: AsyncOpenOptions): Promise<number>;
  /** openat(2) with raw flags. */
  openat(
    dirfd: FdLike,
    path: string | URL,
    flags?: number,
    mode?: number,
    options?: DirectOptions,
  ): Promise<number>;
  /** read(2)/pread(2). */
  read(
    fd: FdLike,
    buf: ArrayBufferView,
    offset?: number,
    options?: AsyncOpOptions,
  ): Promise<number>;
  /** write(2)/pwrite(2). */
  write(
    fd: FdLike,
    data: ArrayBufferView,
    offset?: number,
    options?: AsyncOpOptions,
  ): Promise<number>;
  /** statx(2) of a path or an fd. */
  statx(
    target: string | URL | number,
    options?: AsyncOpOptions & { followSymlinks?: boolean },
  ): Promise<StatxResult>;
  /** close(2). */
  closeFd(fd: FdLike, options?: AsyncOpOptions): Promise<void>;
  /** A linked chain of ops. */
  link(
    build: (chain: AsyncLinkBuilder) => unknown,
    options?: LinkOptions,
  ): Promise<(number | UringError)[]>;
}
