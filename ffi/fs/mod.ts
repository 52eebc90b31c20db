/**
 * The file-system layer: Deno's file functions (`readFile`, `mkdir`, `copyFile`, ...), and batch functions beyond Deno's (`copy` shaped like
 * `@std/fs`'s, `visitFiles`), with
 * Deno's names, parameters, results, errors (`Deno.errors.*`, Deno's messages and `code`) and
 * `--allow-read`/`--allow-write` checks, on io_uring where it has an op, on the module's own ring
 * (`fsOn(io)` binds them to another).
 *
 * A program that loads this module with `--allow-ffi` can do anything the process can: the
 * permission checks keep a scoped program in its scope when it switches from `Deno.x`, they do
 * not confine code that uses FFI.
 *
 * @module
 */
export { chmod } from "./chmod.ts";
export { chown } from "./chown.ts";
export { copyFile } from "./copy_file.ts";
export { FileSystem, fsOn } from "./file_system.ts";
export {
  lstat,
  readFile,
  readFiles,
  readTextFile,
  stat,
  writeFile,
  writeTextFile,
} from "./files.ts";
export type { ReadFilesOptions } from "../async/mod.ts";
export { link } from "./link.ts";
export { makeTempDir, makeTempFile } from "./make_temp.ts";
export { mkdir } from "./mkdir.ts";
export { readDir } from "./read_dir.ts";
export { readLink } from "./read_link.ts";
export { realPath } from "./real_path.ts";
export { remove } from "./remove.ts";
export { rename } from "./rename.ts";
export { symlink } from "./symlink.ts";
export { truncate } from "./truncate.ts";
export { utime } from "./utime.ts";
export { FsFile } from "./fs_file.ts";
export { create, createOn, open, openOn } from "./open.ts";
export { copy, type CopyOptions } from "./copy.ts";
export { type VisitFileCallback, visitFiles, type VisitFilesOptions } from "./visit_files.ts";
