/**
 * The file-system layer: Deno's file functions on io_uring, with Deno's names, arguments,
 * results and errors, on the module's default ring (or a ring the caller names).
 *
 * @module
 */
export { FsFile } from "./fs_file.ts";
export { create, createOn, open, openOn } from "./open.ts";
