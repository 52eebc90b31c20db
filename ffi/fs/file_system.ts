/**
 * `FileSystem` and `fsOn(io)`: the Deno-shaped file functions bound to a ring of the caller's.
 *
 * @module
 */
import type { AsyncRing, ReadFilesOptions } from "../async/mod.ts";
import { _chmodOn } from "./chmod.ts";
import { _chownOn } from "./chown.ts";
import { _copyFileOn } from "./copy_file.ts";
import {
  _lstatOn,
  _readFileOn,
  _readFilesOn,
  _readTextFileOn,
  _statOn,
  _writeFileOn,
  _writeTextFileOn,
} from "./files.ts";
import { _linkOn } from "./link.ts";
import { _makeTempDirOn, _makeTempFileOn } from "./make_temp.ts";
import { _mkdirOn } from "./mkdir.ts";
import { _copyOn, type CopyOptions } from "./copy.ts";
import { _visitFilesOn, type VisitFileCallback, type VisitFilesOptions } from "./visit_files.ts";
import type { FsFile } from "./fs_file.ts";
import { createOn, openOn } from "./open.ts";
import { _readDirOn } from "./read_dir.ts";
import { _readLinkOn } from "./read_link.ts";
import { _realPathOn } from "./real_path.ts";
import { _removeOn } from "./remove.ts";
import { _renameOn } from "./rename.ts";
import { _symlinkOn } from "./symlink.ts";
import { _truncateOn } from "./truncate.ts";
import { _utimeOn } from "./utime.ts";

/**
 * The module's file functions on one `AsyncRing`: each method is the exported function of the
 * same name (`readFile`, `mkdir`, `copyFile`, ...: Deno's parameters, results, errors and
 * permission checks), with its ops on `io` instead of the module's own ring. Make one with
 * {@link fsOn}. Functions io_uring has no op for (`readDir`, `realPath`, `readLink`, `chmod`,
 * `chown`, `utime`) do not use the ring.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type FileSystem, fsOn } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 64 });
 * const fs: FileSystem = fsOn(io);
 * const dir = await fs.makeTempDir();
 * await fs.writeTextFile(`${dir}/a`, "hi");
 * assertEquals(await fs.readTextFile(`${dir}/a`), "hi");
 * await fs.remove(dir, { recursive: true });
 * ```
 */
export class FileSystem {
  /** The ring the methods use. */
  readonly io: AsyncRing;

  /**
   * Binds the file functions to `io`.
   *
   * @param io the ring to use
   */
  constructor(io: AsyncRing) {
    this.io = io;
  }

  /** `Deno.readFile` on this ring; see the module's `readFile`. */
  readFile(path: string | URL, options?: Deno.ReadFileOptions): Promise<Uint8Array<ArrayBuffer>> {
    return _readFileOn(this.io, path, options);
  }

  /** `Deno.readTextFile` on this ring; see the module's `readTextFile`. */
  readTextFile(path: string | URL, options?: Deno.ReadFileOptions): Promise<string> {
    return _readTextFileOn(this.io, path, options);
  }

  /** `Deno.writeFile` on this ring; see the module's `writeFile`. */
  writeFile(
    path: string | URL,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options?: Deno.WriteFileOptions,
  ): Promise<void> {
    return _writeFileOn(this.io, path, data, options);
  }

  /** `Deno.writeTextFile` on this ring; see the module's `writeTextFile`. */
  writeTextFile(
    path: string | URL,
    text: string | ReadableStream<string>,
    options?: Deno.WriteFileOptions,
  ): Promise<void> {
    return _writeTextFileOn(this.io, path, text, options);
  }

  /** `Deno.stat` on this ring; see the module's `stat`. */
  stat(path: string | URL): Promise<Deno.FileInfo> {
    return _statOn(this.io, path);
  }

  /** `Deno.lstat` on this ring; see the module's `lstat`. */
  lstat(path: string | URL): Promise<Deno.FileInfo> {
    return _lstatOn(this.io, path);
  }

  /** `Deno.mkdir` on this ring; see the module's `mkdir`. */
  mkdir(path: string | URL, options?: Deno.MkdirOptions): Promise<void> {
    return _mkdirOn(this.io, path, options);
  }

  /** `Deno.remove` on this ring; see the module's `remove`. */
  remove(path: string | URL, options?: Deno.RemoveOptions): Promise<void> {
    return _removeOn(this.io, path, options);
  }

  /** `Deno.rename` on this ring; see the module's `rename`. */
  rename(oldpath: string | URL, newpath: string | URL): Promise<void> {
    return _renameOn(this.io, oldpath, newpath);
  }

  /** `Deno.link` on this ring; see the module's `link`. */
  link(oldpath: string | URL, newpath: string | URL): Promise<void> {
    return _linkOn(this.io, oldpath, newpath);
  }

  /** `Deno.symlink` on this ring; see the module's `symlink`. */
  symlink(
    oldpath: string | URL,
    newpath: string | URL,
    options?: Deno.SymlinkOptions,
  ): Promise<void> {
    return _symlinkOn(this.io, oldpath, newpath, options);
  }

  /** `Deno.truncate` on this ring; see the module's `truncate`. */
  truncate(name: string | URL, len?: number): Promise<void> {
    return _truncateOn(this.io, name, len);
  }

  /** `Deno.copyFile` on this ring; see the module's `copyFile`. */
  copyFile(fromPath: string | URL, toPath: string | URL): Promise<void> {
    return _copyFileOn(this.io, fromPath, toPath);
  }

  /** `Deno.readDir` (no io_uring op); see the module's `readDir`. */
  readDir(path: string | URL): AsyncIterable<Deno.DirEntry> {
    return _readDirOn(this.io, path);
  }

  /** `Deno.realPath` (no io_uring op); see the module's `realPath`. */
  realPath(path: string | URL): Promise<string> {
    return _realPathOn(this.io, path);
  }

  /** `Deno.readLink` (no io_uring op); see the module's `readLink`. */
  readLink(path: string | URL): Promise<string> {
    return _readLinkOn(this.io, path);
  }

  /** `Deno.chmod` (no io_uring op); see the module's `chmod`. */
  chmod(path: string | URL, mode: number): Promise<void> {
    return _chmodOn(this.io, path, mode);
  }

  /** `Deno.chown` (no io_uring op); see the module's `chown`. */
  chown(path: string | URL, uid: number | null, gid: number | null): Promise<void> {
    return _chownOn(this.io, path, uid, gid);
  }

  /** `Deno.utime` (no io_uring op); see the module's `utime`. */
  utime(path: string | URL, atime: number | Date, mtime: number | Date): Promise<void> {
    return _utimeOn(this.io, path, atime, mtime);
  }

  /** `Deno.makeTempFile` on this ring; see the module's `makeTempFile`. */
  makeTempFile(options?: Deno.MakeTempOptions): Promise<string> {
    return _makeTempFileOn(this.io, options);
  }

  /** `Deno.makeTempDir` on this ring; see the module's `makeTempDir`. */
  makeTempDir(options?: Deno.MakeTempOptions): Promise<string> {
    return _makeTempDirOn(this.io, options);
  }

  /** `Deno.open` on this ring; see the module's `open`. */
  open(path: string | URL, options?: Deno.OpenOptions): Promise<FsFile> {
    return openOn(this.io, path, options);
  }

  /** The module's `readFiles` on this ring. */
  readFiles(
    paths: readonly (string | URL)[],
    options?: ReadFilesOptions,
  ): Promise<Uint8Array<ArrayBuffer>[]> {
    return _readFilesOn(this.io, paths, options);
  }

  /** `Deno.create` on this ring; see the module's `create`. */
  create(path: string | URL): Promise<FsFile> {
    return createOn(this.io, path);
  }

  /** `@std/fs`'s `copy()` on this ring; see the module's `copy`. */
  copy(src: string | URL, dest: string | URL, options?: CopyOptions): Promise<void> {
    return _copyOn(this.io, src, dest, options);
  }

  /** The module's `visitFiles` on this ring. */
  visitFiles(
    paths: readonly (string | URL)[],
    fn: VisitFileCallback,
    options?: VisitFilesOptions,
  ): Promise<void> {
    return _visitFilesOn(this.io, paths, fn, options);
  }
}

/**
 * The module's file functions with their ops on `io` rather than the module's own ring: for a
 * program that made an `AsyncRing` of its own (its size, its flags, its lifetime). Deno's
 * parameters, results, errors and permission checks, as the functions the module exports.
 *
 * @param io the ring to use
 * @returns a {@link FileSystem} bound to `io`
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { AsyncRing, fsOn } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 64 });
 * const fs = fsOn(io);
 * assert((await fs.stat("/")).isDirectory);
 * ```
 */
export function fsOn(io: AsyncRing): FileSystem {
  return new FileSystem(io);
}
